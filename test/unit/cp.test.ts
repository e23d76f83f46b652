import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { expect } from 'chai';
import {
  CopyRuleError,
  confineEntry,
  containerAbs,
  planCopy,
  rebaseEntryName,
  splitCpArg,
  splitPathDirEntry,
} from '../../src/runtime/container/cp-rules.js';
import { extractInto, packTree, resolveInRoot } from '../../src/runtime/container/tarfs.js';
import { at, InRoot } from '../../src/runtime/container/inroot.js';
import { packTar, type ArchiveEntry } from '../harness/image.js';

describe('cp rules (docker/cli + moby archive)', () => {
  it('splits CTR:PATH like docker/cli', () => {
    expect(splitCpArg('c1:/etc')).to.deep.equal({ container: 'c1', path: '/etc' });
    expect(splitCpArg('c1:')).to.deep.equal({ container: 'c1', path: '' });
    expect(splitCpArg('/abs:x')).to.deep.equal({ path: '/abs:x' });
    expect(splitCpArg('./a:b')).to.deep.equal({ path: './a:b' });
    expect(splitCpArg('file')).to.deep.equal({ path: 'file' });
    expect(splitCpArg('-')).to.deep.equal({ path: '-' });
  });

  it('keeps the trailing / and /. forms', () => {
    expect(containerAbs('tmp/x')).to.equal('/tmp/x');
    expect(containerAbs('/tmp/d/')).to.equal('/tmp/d/');
    expect(containerAbs('/tmp/d/.')).to.equal('/tmp/d/.');
    expect(splitPathDirEntry('/tmp/d/.')).to.deep.equal({ dir: '/tmp/d', base: '.' });
    expect(splitPathDirEntry('/tmp/d/')).to.deep.equal({ dir: '/tmp', base: 'd' });
    expect(splitPathDirEntry('/')).to.deep.equal({ dir: '/', base: '/' });
  });

  it('plans the copy as PrepareArchiveCopy', () => {
    const file = { path: '/src/f', exists: true, isDir: false };
    const dir = { path: '/src/d', exists: true, isDir: true };
    const contents = { path: '/src/d/.', exists: true, isDir: true };
    // existing directory: extracted into it unchanged
    expect(planCopy(file, { path: '/dst', exists: true, isDir: true })).to.deep.equal({ dir: '/dst' });
    // existing file: replaced under its own name; a directory cannot replace it
    expect(planCopy(file, { path: '/dst/g', exists: true, isDir: false })).to.deep.equal({
      dir: '/dst',
      rebase: { from: 'f', to: 'g' },
    });
    expect(() => planCopy(dir, { path: '/dst/g', exists: true, isDir: false })).to.throw(
      'cannot copy directory',
    );
    // missing: created under the new name; a file cannot create `x/`
    expect(planCopy(dir, { path: '/dst/n', exists: false, isDir: false })).to.deep.equal({
      dir: '/dst',
      rebase: { from: 'd', to: 'n' },
    });
    expect(planCopy(contents, { path: '/dst/n', exists: false, isDir: false }).rebase).to.deep.equal({
      from: '.',
      to: 'n',
    });
    expect(() => planCopy(file, { path: '/dst/n/', exists: false, isDir: false })).to.throw(
      'no such directory',
    );
    expect(rebaseEntryName('d/a/b', { from: 'd', to: 'n' })).to.equal('n/a/b');
    expect(rebaseEntryName('d/', { from: 'd', to: 'n' })).to.equal('n/');
    expect(rebaseEntryName('./a', { from: '.', to: 'n' })).to.equal('n/a');
    expect(rebaseEntryName('dx', { from: 'd', to: 'n' })).to.equal('dx');
  });

  it('refuses entries that leave the extraction directory, with moby messages', () => {
    expect(confineEntry('/data', '/abs', 'file')).to.deep.equal({ path: '/data/abs' });
    expect(confineEntry('/data', './a/../b', 'file')).to.deep.equal({ path: '/data/b' });
    expect(confineEntry('/data', './', 'directory')).to.equal(undefined);
    expect(() => confineEntry('/data', '../x', 'file')).to.throw(
      CopyRuleError,
      '"../x" is outside of "/data"',
    );
    expect(() => confineEntry('/data', 'a/../../x', 'file')).to.throw('is outside of');
    expect(() => confineEntry('/data', 'l', 'symlink', '../../../../')).to.throw(
      'invalid symlink "/data/l" -> "../../../../"',
    );
    // an absolute symlink target is the container's own path: allowed, resolved in the root later
    expect(confineEntry('/data', 'l', 'symlink', '/')).to.deep.equal({ path: '/data/l' });
    expect(() => confineEntry('/data', 'h', 'link', '../../etc/passwd')).to.throw(
      'invalid hardlink "/etc/passwd" -> "../../etc/passwd"',
    );
    expect(confineEntry('/data', 'h', 'link', 'a')).to.deep.equal({ path: '/data/h', linkTarget: '/data/a' });
  });
});

describe('cp: archives confined to a root', () => {
  let base = '';
  let root = '';
  let outside = '';
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'tsdock-cp-'));
    root = join(base, 'root');
    outside = join(base, 'outside');
    mkdirSync(join(root, 'etc'), { recursive: true });
    mkdirSync(join(root, 'data'));
    mkdirSync(outside);
    writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\n');
    writeFileSync(join(outside, 'secret'), 'host secret\n');
    // hostile links inside the "container"
    symlinkSync('/', join(root, 'etc', 'evil'));
    symlinkSync('../../../../../../../../', join(root, 'etc', 'evil2'));
    symlinkSync(outside, join(root, 'etc', 'tohost'));
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  const extract = async (entries: ArchiveEntry[], dir = '/data') =>
    extractInto(Readable.from(await packTar(entries)), {
      root,
      dir,
      owner: 'keep',
      noOverwriteDirNonDir: true,
    });

  it('resolves symlinks inside the root, never to the host', async () => {
    expect(await resolveInRoot(root, '/etc/evil/etc/passwd')).to.equal('/etc/passwd');
    expect(await resolveInRoot(root, '/etc/evil2/etc/passwd')).to.equal('/etc/passwd');
    expect(await resolveInRoot(root, '/../../etc/passwd')).to.equal('/etc/passwd');
    // a link to a host path means that path inside the root
    expect(await resolveInRoot(root, '/etc/tohost/secret')).to.equal(`${outside}/secret`);
    expect(await resolveInRoot(root, '/etc/evil', false)).to.equal('/etc/evil');
  });

  it('writes through a hostile symlink only inside the root', async () => {
    await extract([{ name: 'x', data: 'pwned' }], await resolveInRoot(root, '/etc/evil2/tmp'));
    expect(readFileSync(join(root, 'tmp', 'x'), 'utf8')).to.equal('pwned');
    await extract([
      { name: 'l', type: 'symlink', linkname: '/' },
      { name: 'l/etc/pwn', data: 'pwned' },
      { name: 'abs-dir/../../etc/evil', data: 'replaced link' },
    ]).catch(() => undefined);
    expect(readFileSync(join(root, 'etc', 'pwn'), 'utf8')).to.equal('pwned');
    expect(existsSync('/etc/pwn')).to.equal(false);
    expect(readlinkSync(join(root, 'etc', 'evil'))).to.equal('/');
  });

  it('refuses ../x, escaping symlinks and hard links; confines absolute names', async () => {
    let err = await extract([{ name: '../x', data: 'pwned' }]).catch((e: Error) => e);
    expect((err as Error).message).to.equal('"../x" is outside of "/data"');
    expect(existsSync(join(root, 'x'))).to.equal(false);
    await extract([{ name: '/abs', data: 'abs' }]);
    expect(readFileSync(join(root, 'data', 'abs'), 'utf8')).to.equal('abs');
    err = await extract([{ name: 'l2', type: 'symlink', linkname: '../../../../' }]).catch((e: Error) => e);
    expect((err as Error).message).to.match(/^invalid symlink/);
    err = await extract([{ name: 'h', type: 'link', linkname: '../../etc/passwd' }]).catch((e: Error) => e);
    expect((err as Error).message).to.match(/^invalid hardlink/);
    // an existing symlink at the entry's place is replaced, not written through
    symlinkSync(join(outside, 'secret'), join(root, 'data', 'through'));
    await extract([{ name: 'through', data: 'new' }]);
    expect(readFileSync(join(outside, 'secret'), 'utf8')).to.equal('host secret\n');
    expect(lstatSync(join(root, 'data', 'through')).isFile()).to.equal(true);
  });

  it('never overwrites a directory with a file', async () => {
    mkdirSync(join(root, 'data', 'sub'));
    const err = await extract([{ name: 'sub', data: 'x' }]).catch((e: Error) => e);
    expect((err as Error).message).to.equal(
      'cannot overwrite directory "/data/sub" with non-directory "sub"',
    );
  });

  it('archives a tree without following its symlinks', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const size = await packTree({ root, path: '/etc', name: 'etc' }, out);
    expect(size).to.equal(Buffer.concat(chunks).length);
    const names: string[] = [];
    const { extract: ex } = await import('tar-stream');
    const x = ex();
    Readable.from(Buffer.concat(chunks)).pipe(x);
    for await (const e of x) {
      names.push(`${e.header.name}${e.header.type === 'symlink' ? ` -> ${e.header.linkname}` : ''}`);
      e.resume();
    }
    expect(names).to.deep.equal([
      'etc/',
      'etc/evil -> /',
      'etc/evil2 -> ../../../../../../../../',
      'etc/passwd',
      `etc/tohost -> ${outside}`,
    ]);
  });

  it('keeps to a directory it opened when the name is swapped for a link out (the race, step by step)', async () => {
    const r = await InRoot.open(root);
    try {
      writeFileSync(join(root, 'data', 'f'), 'inside\n');
      const { dir, path } = await r.openDir('/data');
      expect(path).to.equal('/data');
      // The container swaps /data for a link to the host directory between our steps.
      renameSync(join(root, 'data'), join(root, 'moved'));
      symlinkSync(outside, join(root, 'data'));
      try {
        expect(readFileSync(at(dir, 'f'), 'utf8')).to.equal('inside\n');
        writeFileSync(at(dir, 'new'), 'x');
        expect(existsSync(join(outside, 'new'))).to.equal(false);
        expect(existsSync(join(root, 'moved', 'new'))).to.equal(true);
      } finally {
        await dir.close();
      }
      // Walked again, the link is resolved inside the root: the host directory is not reached.
      expect(await r.resolve('/data/secret')).to.equal(`${outside}/secret`);
      const again = await r.openDir('/data').catch((e: NodeJS.ErrnoException) => e.code);
      expect(again).to.equal('ENOENT');
      // `..` never climbs above the root, whatever directory we stand in.
      expect(await r.resolve('/moved/../../../etc/passwd')).to.equal('/etc/passwd');
    } finally {
      await r.close();
    }
  });
});
