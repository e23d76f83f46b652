/**
 * bin/tsdock's V8 code cache, on a private copy of the launcher and bundle (the repository's own
 * caches are left alone): written by a command's first run, again only when a run takes a path the
 * cache lacks, and a damaged cache costs nothing but a rewrite.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { argvFor, repoRoot, target, testEnv } from '../harness/cli.js';

describe('launcher: code cache', function () {
  let root = '';

  before(function () {
    if (target === 'docker') this.skip();
    root = mkdtempSync(join(tmpdir(), 'tsdock-launcher-'));
    mkdirSync(join(root, 'dist'));
    cpSync(join(repoRoot, 'bin'), join(root, 'bin'), { recursive: true });
    cpSync(join(repoRoot, 'package.json'), join(root, 'package.json'));
    cpSync(join(repoRoot, 'dist', 'tsdock-mon'), join(root, 'dist', 'tsdock-mon'));
    cpSync(join(repoRoot, 'dist', 'bundle'), join(root, 'dist', 'bundle'), {
      recursive: true,
      filter: (src) => !src.endsWith('.cache'),
    });
  });

  after(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  function run(...args: string[]): string {
    // The suite's own command line, with this copy's launcher in place of the repository's.
    const [node, argv] = argvFor(args);
    const r = spawnSync(node, [join(root, 'bin', 'tsdock'), ...argv.slice(1)], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (r.status !== 0) throw new Error(`tsdock ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return r.stdout;
  }

  function cache(): { file: string; modules: number; paths: number; size: number; mtime: number } {
    const dir = join(root, 'dist', 'bundle');
    const names = readdirSync(dir).filter((f) => f.startsWith('tsdock.cjs.run.') && f.endsWith('.cache'));
    expect(names, 'one cache for run').to.have.length(1);
    const file = join(dir, names[0]!);
    const b = readFileSync(file);
    return {
      file,
      modules: b.readUInt32LE(0),
      paths: b.readUInt32LE(4),
      size: b.length,
      mtime: statSync(file).mtimeMs,
    };
  }

  it('writes the cache once, again for a path it lacks, and replaces a damaged one', () => {
    const img = testEnv().image;
    expect(run('run', '--rm', '--network', 'none', img, 'echo', 'one')).to.equal('one\n');
    const first = cache();
    expect(first.modules).to.be.greaterThan(10);
    expect(first.paths, 'no bridge yet').to.equal(0);
    expect(first.size).to.be.greaterThan(100_000);

    run('run', '--rm', '--network', 'none', img, 'true');
    expect(cache().mtime, 'same path: cache left as it is').to.equal(first.mtime);

    run('run', '--rm', img, 'true');
    const both = cache();
    expect(both.paths & 1, 'the bridge path is now in it').to.equal(1);
    expect(both.size, 'and its bytecode').to.be.greaterThan(first.size);

    run('run', '--rm', '--network', 'none', img, 'true');
    run('run', '--rm', img, 'true');
    expect(cache().mtime, 'both paths known: not written again').to.equal(both.mtime);

    // Damaged data after an intact header: V8 rejects it, the command runs, the cache is rewritten.
    writeFileSync(both.file, Buffer.concat([readFileSync(both.file).subarray(0, 8), Buffer.alloc(4096, 7)]));
    expect(run('run', '--rm', '--network', 'none', img, 'echo', 'two')).to.equal('two\n');
    const rewritten = cache();
    expect(rewritten.size).to.be.greaterThan(100_000);
    expect(rewritten.paths, 'a rejected cache vouches for nothing').to.equal(0);
  });
});
