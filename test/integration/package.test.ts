/**
 * The npm package as a user gets it: `npm pack` of the built tree, installed with `npm i -g` into an
 * empty prefix (dependencies from npm's cache, the registry otherwise), the monitor compiled by the
 * install step; then the installed `tsdock` runs `version` and `run` against the suite's private
 * containerd, the SDK is imported by its package name, and the install tree is the same afterwards
 * (nothing written into it at run time).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { argvFor, repoRoot, target, testEnv } from '../harness/cli.js';

/** Every file under `dir` with its size and modification time. */
function tree(dir: string): string[] {
  return execFileSync('find', [dir, '-printf', '%P %y %s %T@\\n'], { encoding: 'utf8', maxBuffer: 1 << 28 })
    .split('\n')
    .filter(Boolean)
    .sort();
}

describe('the npm package', function () {
  this.timeout(300_000);
  let work = '';
  let files: string[] = [];
  let installed = '';
  let bin = '';

  before(function () {
    if (target === 'docker') this.skip();
    work = mkdtempSync(join(tmpdir(), 'tsdock-pack-'));
    // The tree is built already (npm test builds first): pack it as it is, without `prepare` again.
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work], {
      cwd: repoRoot,
      stdio: 'ignore',
    });
    const tgz = readdirSync(work).find((f) => /^tsdock-.*\.tgz$/.test(f))!;
    files = execFileSync('tar', ['tzf', join(work, tgz)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));
    const prefix = join(work, 'prefix');
    mkdirSync(prefix);
    const r = spawnSync(
      'npm',
      ['i', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(work, tgz)],
      { encoding: 'utf8', timeout: 240_000 },
    );
    if (r.status !== 0) throw new Error(`npm i -g failed (${r.status}): ${r.stderr}`);
    installed = join(prefix, 'lib', 'node_modules', 'tsdock');
    bin = join(prefix, 'bin', 'tsdock');
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('carries the built code, the licence and the C source of the monitor, no binary and no cache', () => {
    for (const f of [
      'LICENSE',
      'README.md',
      'package.json',
      'bin/tsdock',
      'dist/bundle/tsdock.cjs',
      'dist/main.js',
      'dist/sdk/index.js',
      'dist/sdk/index.d.ts',
      'native/tsdock-mon.c',
      'oclif.manifest.json',
    ])
      expect(files, f).to.include(f);
    expect(files.filter((f) => f.endsWith('.cache'))).to.deep.equal([]);
    expect(files).to.not.include('dist/tsdock-mon');
    expect(files.filter((f) => /^(src|test|bench)\//.test(f))).to.deep.equal([]);
    expect(readFileSync(join(repoRoot, 'LICENSE'), 'utf8')).to.match(/Apache License\s+Version 2\.0/);
  });

  it('compiles the monitor at install, for this machine', () => {
    const elf = readFileSync(join(installed, 'dist', 'tsdock-mon'));
    expect(elf.subarray(0, 4).toString('latin1')).to.equal('\x7fELF');
    // e_machine: EM_X86_64 or EM_AARCH64.
    expect(elf.readUInt16LE(18)).to.equal(process.arch === 'arm64' ? 0xb7 : 0x3e);
  });

  it('runs `version` and `run` from the install, and writes nothing into it', () => {
    const e = testEnv();
    const before = tree(installed);
    // The suite's containerd, namespace and data root, as the harness passes them.
    const globals = argvFor([])[1].slice(2);
    const version = execFileSync(bin, [...globals, 'version', '--format', '{{.Client.Version}}'], {
      encoding: 'utf8',
    });
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect(version.trim()).to.equal(pkg.version);
    for (let i = 0; i < 2; i++) {
      // Twice: the launcher keeps a code cache after the first run, in the user's cache directory.
      const out = execFileSync(
        bin,
        [
          ...globals,
          'run',
          '--rm',
          '--memory',
          '64m',
          e.image,
          'sh',
          '-c',
          'echo from-package; cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes',
        ],
        { encoding: 'utf8' },
      );
      expect(out).to.equal('from-package\n67108864\n');
    }
    expect(tree(installed)).to.deep.equal(before);
  });

  it('gives the SDK and its types by the package name', () => {
    const app = join(work, 'app');
    mkdirSync(join(app, 'node_modules'), { recursive: true });
    symlinkSync(installed, join(app, 'node_modules', 'tsdock'));
    writeFileSync(
      join(app, 'main.mjs'),
      "import { Tsdock } from 'tsdock';\nconsole.log(new Tsdock().version().Version);\n",
    );
    const out = execFileSync(process.execPath, [join(app, 'main.mjs')], { encoding: 'utf8', cwd: app });
    expect(out.trim()).to.match(/^\d+\.\d+\.\d+/);
    writeFileSync(
      join(app, 'main.ts'),
      "import { Tsdock, type ContainerInspect } from 'tsdock';\n" +
        'export async function memory(t: Tsdock, id: string): Promise<number> {\n' +
        '  const doc: ContainerInspect = await t.inspect(id);\n' +
        '  return doc.HostConfig.Memory;\n}\n',
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          // A Node project has @types/node; this one borrows the repository's.
          typeRoots: [join(repoRoot, 'node_modules', '@types')],
          types: ['node'],
        },
        files: ['main.ts'],
      }),
    );
    const tsc = spawnSync(
      process.execPath,
      [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app],
      {
        encoding: 'utf8',
      },
    );
    expect(tsc.stdout + tsc.stderr).to.equal('');
    expect(tsc.status).to.equal(0);
  });
});
