/**
 * bin/tsdock, run the way a user runs it (its own `#!/usr/bin/env -S node --` line), from a private
 * copy of the install: Node never reads tsdock's arguments; the V8 code caches go to the cache
 * directory, one per command (not per typed word), written once per build, never into the install; and an
 * install on a read-only mount with no writable cache directory works at full function.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { expect } from 'chai';
import { repoRoot, target, testEnv, uniqueName } from '../harness/cli.js';

describe('launcher', function () {
  this.timeout(120_000);
  let root = '';
  let install = '';
  let cacheHome = '';

  before(function () {
    if (target === 'docker') this.skip();
    root = mkdtempSync(join(tmpdir(), 'tsdock-launcher-'));
    install = join(root, 'install');
    cacheHome = join(root, 'cache');
    mkdirSync(join(install, 'dist'), { recursive: true });
    for (const f of ['bin', 'package.json', 'oclif.manifest.json', 'dist/bundle', 'dist/tsdock-mon']) {
      cpSync(join(repoRoot, f), join(install, f), { recursive: true });
    }
  });

  after(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** Runs this copy's bin/tsdock directly (through its `#!` line) against the suite's containerd. */
  function tsdock(
    args: string[],
    opts: { bin?: string; env?: NodeJS.ProcessEnv } = {},
  ): { stdout: string; stderr: string; code: number } {
    const e = testEnv();
    const r = spawnSync(
      opts.bin ?? join(install, 'bin', 'tsdock'),
      ['--address', e.address, '--namespace', e.namespace, '--data-root', e.dataRoot, ...args],
      { encoding: 'utf8', timeout: 60_000, env: { ...process.env, XDG_CACHE_HOME: cacheHome, ...opts.env } },
    );
    if (r.error) throw r.error;
    return { stdout: r.stdout, stderr: r.stderr, code: r.status ?? 128 };
  }

  function ok(args: string[], opts: { bin?: string; env?: NodeJS.ProcessEnv } = {}): string {
    const r = tsdock(args, opts);
    if (r.code !== 0) throw new Error(`tsdock ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  const cacheDir = () => join(cacheHome, 'tsdock');
  const caches = () => (existsSync(cacheDir()) ? readdirSync(cacheDir()).sort() : []);
  const build = () =>
    (JSON.parse(readFileSync(join(install, 'dist', 'bundle', 'commands.json'), 'utf8')) as { build: string })
      .build;

  function listing(dir: string): string[] {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)))
      .sort();
  }

  it('Node reads none of tsdock’s arguments: --env-file is run’s own flag', () => {
    const img = testEnv().image;
    const missing = tsdock(['run', '--rm', '--env-file', '/missing', img, 'true']);
    expect(missing.code).to.equal(125);
    expect(missing.stderr.split('\n')[0]).to.equal('tsdock: open /missing: no such file or directory');
    expect(missing.stderr).to.not.match(/node:|Error:/);

    const envFile = join(root, 'vars.env');
    writeFileSync(envFile, 'FROM_FILE=yes\n');
    expect(ok(['run', '--rm', '--env-file', envFile, img, 'sh', '-c', 'echo $FROM_FILE'])).to.equal('yes\n');
    // A bare -e NAME takes NAME from tsdock's own environment, where Node loaded nothing: unset
    // there, so removed from the container (Docker's order: env files, then -e).
    const bare = [
      'run',
      '--rm',
      '--env-file',
      envFile,
      '-e',
      'FROM_FILE',
      img,
      'sh',
      '-c',
      'echo "<$FROM_FILE>"',
    ];
    expect(ok(bare)).to.equal('<>\n');
  });

  it('one cache per command, in the cache directory, written once per build', () => {
    rmSync(cacheDir(), { recursive: true, force: true });
    const img = testEnv().image;
    const before = listing(install);
    expect(ok(['run', '--rm', '--network', 'none', img, 'echo', 'one'])).to.equal('one\n');
    expect(caches()).to.deep.equal(['run.cache']);
    const file = join(cacheDir(), 'run.cache');
    const first = statSync(file);
    expect(first.size).to.be.greaterThan(100_000);
    expect(readFileSync(file).toString('latin1', 0, 16), 'tagged with the build').to.equal(build());
    expect(first.mode & 0o022, 'nobody else may write it').to.equal(0);

    ok(['run', '--rm', '--network', 'none', img, 'true']);
    expect(statSync(file).mtimeMs, 'a valid cache is left as it is').to.equal(first.mtimeMs);

    // One per command, whichever of its names is typed; mistyped words and failed runs leave none.
    ok(['ps', '-a']);
    const ls = statSync(join(cacheDir(), 'container-ls.cache')).mtimeMs;
    ok(['container', 'ls', '-a']);
    expect(statSync(join(cacheDir(), 'container-ls.cache')).mtimeMs, '`ps` is `container ls`').to.equal(ls);
    expect(tsdock(['rnu', img]).code).to.equal(1); // docker's status for an unknown command
    expect(tsdock(['inspect', uniqueName('no-such')]).code).to.equal(1);
    expect(caches()).to.deep.equal(['container-ls.cache', 'run.cache']);

    expect(listing(install), 'nothing written into the install').to.deep.equal(before);
  });

  it('replaces a damaged cache, one of another build, and one others may write', () => {
    const img = testEnv().image;
    const file = join(cacheDir(), 'run.cache');
    ok(['run', '--rm', '--network', 'none', img, 'true']);
    const good = readFileSync(file);

    // Damaged data behind an intact header: V8 rejects it, the command runs, the cache is rewritten.
    writeFileSync(file, Buffer.concat([good.subarray(0, 16), Buffer.alloc(4096, 7)]));
    expect(ok(['run', '--rm', '--network', 'none', img, 'echo', 'two'])).to.equal('two\n');
    expect(statSync(file).size).to.be.greaterThan(100_000);

    // Another build's cache of the same command is not used, and is replaced.
    writeFileSync(file, Buffer.concat([Buffer.from('0123456789abcdef'), good.subarray(16)]));
    ok(['run', '--rm', '--network', 'none', img, 'true']);
    expect(readFileSync(file).toString('latin1', 0, 16)).to.equal(build());

    // Bytecode others could have written is never run: taken as absent, and replaced.
    writeFileSync(file, Buffer.concat([good.subarray(0, 16), Buffer.alloc(4096, 7)]));
    chmodSync(file, 0o666);
    ok(['run', '--rm', '--network', 'none', img, 'true']);
    expect(statSync(file).mode & 0o777).to.equal(0o644);
    expect(statSync(file).size).to.be.greaterThan(100_000);
    writeFileSync(file, Buffer.concat([good.subarray(0, 16), Buffer.alloc(4096, 7)]));
    chownSync(file, 65534, 65534);
    ok(['run', '--rm', '--network', 'none', img, 'true']);
    expect(statSync(file).uid).to.equal(process.getuid!());
    expect(statSync(file).size).to.be.greaterThan(100_000);
  });

  it('a read-only install with no writable cache directory works at full function', function () {
    const img = testEnv().image;
    // The copy again, on a read-only bind mount; the cache directory under it, unwritable too.
    const ro = join(root, 'ro');
    mkdirSync(ro);
    const mount = (args: string[]) => {
      const r = spawnSync('mount', args, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`mount ${args.join(' ')}: ${r.stderr}`);
    };
    mount(['--bind', install, ro]);
    try {
      mount(['-o', 'remount,bind,ro', ro]);
      const bin = join(ro, 'bin', 'tsdock');
      const env = { XDG_CACHE_HOME: join(ro, 'cache') };
      const name = uniqueName('tsdock-it-ro');
      expect(ok(['run', '--rm', '--network', 'none', img, 'echo', 'ro'], { bin, env })).to.equal('ro\n');
      ok(['run', '-d', '--name', name, img, 'sleep', '30'], { bin, env });
      try {
        expect(ok(['ps', '--format', '{{.Names}}'], { bin, env }).split('\n')).to.include(name);
        expect(ok(['inspect', '-f', '{{.State.Running}}', name], { bin, env })).to.equal('true\n');
        expect(ok(['exec', name, 'echo', 'inside'], { bin, env })).to.equal('inside\n');
        expect(tsdock(['run', '--env-file', '/missing', img], { bin, env }).code).to.equal(125);
      } finally {
        tsdock(['rm', '-f', name], { bin, env });
      }
      expect(existsSync(join(ro, 'cache'))).to.equal(false);
    } finally {
      // The removed container's monitor and exit hook ran from the mount: it may take them a moment.
      for (let i = 0; spawnSync('umount', [ro]).status !== 0; i++) {
        if (i === 50) {
          spawnSync('umount', ['-l', ro]);
          break;
        }
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
      }
    }
  });
});
