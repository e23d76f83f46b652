/** The local driver's store, its filters and Docker's user/group resolution, on plain directories. */
import { expect } from 'chai';
import { errorMessage } from './helpers.js';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, linkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveUserFrom } from '../../src/runtime/container/rootfs.js';
import { naturalCompare, parseVolumeFilters, volumeMatches } from '../../src/runtime/volumes/filters.js';
import { ANONYMOUS_LABEL, directorySize, VolumeStore } from '../../src/runtime/volumes/store.js';
import { volumeUsers, writeContainerMounts } from '../../src/runtime/volumes/usage.js';
import { parseBind } from '../../src/runtime/opts/mounts.js';

const msg = errorMessage;

describe('volume store (local driver layout)', () => {
  let root = '';
  let store: VolumeStore;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tsdock-volstore-'));
    store = new VolumeStore({ volumes: join(root, 'volumes') });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates <root>/volumes/<name>/_data, once; the second create returns the first', () => {
    const a = store.create('data', { labels: { a: 'b' } });
    expect(a.created).to.equal(true);
    expect(a.volume).to.deep.include({
      Driver: 'local',
      Labels: { a: 'b' },
      Mountpoint: join(root, 'volumes', 'data', '_data'),
      Name: 'data',
      Options: null,
      Scope: 'local',
    });
    expect(existsSync(a.volume.Mountpoint)).to.equal(true);
    const b = store.create('data', { labels: { other: 'x' } });
    expect(b.created).to.equal(false);
    expect(b.volume.Labels).to.deep.equal({ a: 'b' });
    // Made in a temporary directory and renamed: nothing else is left beside it.
    expect(readdirSync(join(root, 'volumes')).filter((n) => n !== '.lock')).to.deep.equal(['data']);
  });

  it('plan: what create would give, checked as create checks it, and nothing written', () => {
    const planned = store.plan('data', { labels: { a: 'b' }, options: { type: 'tmpfs', device: 'tmpfs' } });
    expect(planned.created).to.equal(true);
    expect(existsSync(join(root, 'volumes'))).to.equal(false);
    const made = store.create('data', { labels: { a: 'b' }, options: { type: 'tmpfs', device: 'tmpfs' } });
    expect({ ...planned.volume, CreatedAt: '' }).to.deep.equal({ ...made.volume, CreatedAt: '' });
    expect(store.plan('data')).to.deep.equal({ volume: made.volume, created: false });
    const anon = store.plan('').volume;
    expect(anon.Name).to.match(/^[0-9a-f]{64}$/);
    expect(anon.Labels).to.deep.equal({ [ANONYMOUS_LABEL]: '' });
    expect(anon.Mountpoint).to.equal(join(root, 'volumes', anon.Name, '_data'));
    for (const [name, o] of [
      ['x', { options: { bogus: '1' } }],
      ['x', { driver: 'nfs' }],
      ['-bad', {}],
    ] as const) {
      expect(msg(() => store.plan(name, o))).to.equal(msg(() => store.create(name, o)));
    }
    expect(readdirSync(join(root, 'volumes')).filter((n) => n !== '.lock')).to.deep.equal(['data']);
  });

  it('labels and options null when none; an anonymous volume gets a 64-hex name and the anonymous label', () => {
    const plain = store.create('plain').volume;
    expect([plain.Labels, plain.Options]).to.deep.equal([null, null]);
    const anon = store.create('').volume;
    expect(anon.Name).to.match(/^[0-9a-f]{64}$/);
    expect(anon.Labels).to.deep.equal({ [ANONYMOUS_LABEL]: '' });
    expect(
      store
        .list()
        .map((v) => v.Name)
        .sort(),
    ).to.deep.equal([anon.Name, 'plain'].sort());
  });

  it("refuses bad names, drivers and options with the daemon's words", () => {
    expect(msg(() => store.create('a/b'))).to.contain(
      '"a/b" includes invalid characters for a local volume name',
    );
    expect(msg(() => store.create('xx', { driver: 'nfs-plugin' }))).to.contain(
      'plugin "nfs-plugin" not found',
    );
    expect(msg(() => store.create('xx', { options: { foo: 'bar' } }))).to.equal(
      'Error response from daemon: create xx: invalid option: "foo"',
    );
    expect(msg(() => store.create('xx', { options: { device: 'tmpfs' } }))).to.contain(
      'missing required option: "type"',
    );
    expect(msg(() => store.create('xx', { options: { o: 'size=1m', type: 'tmpfs' } }))).to.contain(
      'missing required option: "device"',
    );
    expect(msg(() => store.create('xx', { options: { size: '10m' } }))).to.contain(
      'quota size requested but no quota support',
    );
    expect(store.list()).to.deep.equal([]);
  });

  it('get/find: unknown names and path tricks find nothing', async () => {
    store.create('here');
    expect(store.get('../volumes/here')).to.equal(undefined);
    expect(store.get('..')).to.equal(undefined);
    expect(msg(() => store.find('gone'))).to.equal('Error response from daemon: get gone: no such volume');
    await store.remove('here');
    expect(store.get('here')).to.equal(undefined);
  });

  it('a directory of a dead creator is swept; a live one kept', () => {
    mkdirSync(join(root, 'volumes', '.999999999-dead'), { recursive: true });
    mkdirSync(join(root, 'volumes', `.${process.pid}-live`), { recursive: true });
    store.create('next');
    const names = readdirSync(join(root, 'volumes'));
    expect(names).to.not.include('.999999999-dead');
    expect(names).to.include(`.${process.pid}-live`);
  });

  it("counts a directory's bytes as moby's directory.Size: files once per inode, directories not", async () => {
    const d = join(root, 'tree');
    mkdirSync(join(d, 'sub'), { recursive: true });
    writeFileSync(join(d, 'a'), Buffer.alloc(1000));
    writeFileSync(join(d, 'sub', 'b'), Buffer.alloc(24));
    linkSync(join(d, 'a'), join(d, 'sub', 'hard'));
    writeFileSync(join(d, 'empty'), '');
    expect(await directorySize(d)).to.equal(1024);
    expect(await directorySize(join(root, 'missing'))).to.equal(0);
  });

  it("knows a volume's users from the containers' mount records", async () => {
    const containers = join(root, 'containers');
    const vol = { ...parseBind('v1:/x'), Source: '/s' };
    await writeContainerMounts(join(containers, 'c1'), [vol, parseBind('/h:/h')]);
    await writeContainerMounts(join(containers, 'c2'), [vol]);
    mkdirSync(join(containers, 'c3'));
    expect([...volumeUsers({ containers }).entries()]).to.deep.equal([['v1', ['c1', 'c2']]]);
  });
});

describe('volume filters', () => {
  const v = (Name: string, Labels: Record<string, string> | null = null) => ({
    CreatedAt: '',
    Driver: 'local',
    Labels,
    Mountpoint: '',
    Name,
    Options: null,
    Scope: 'local',
  });
  it('name (exact or pattern), driver, label (all must hold), label!, dangling', () => {
    const f = (raw: string[]) => parseVolumeFilters(raw, ['name', 'driver', 'label', 'label!', 'dangling']);
    const used = (n: string) => n === 'used';
    expect(volumeMatches(v('web-data'), f(['name=data']), used)).to.equal(true);
    expect(volumeMatches(v('web-data'), f(['name=^data']), used)).to.equal(false);
    expect(volumeMatches(v('x', { a: '1', b: '' }), f(['label=a=1', 'label=b']), used)).to.equal(true);
    expect(volumeMatches(v('x', { a: '1' }), f(['label=a=1', 'label=b']), used)).to.equal(false);
    expect(volumeMatches(v('x', { a: '1' }), f(['label!=a']), used)).to.equal(false);
    expect(volumeMatches(v('used'), f(['dangling=true']), used)).to.equal(false);
    expect(volumeMatches(v('free'), f(['dangling=1']), used)).to.equal(true);
    expect(volumeMatches(v('used'), f(['dangling=false']), used)).to.equal(true);
    expect(volumeMatches(v('x'), f(['driver=local']), used)).to.equal(true);
    expect(msg(() => volumeMatches(v('x'), f(['dangling=maybe']), used))).to.contain(
      "invalid filter 'dangling=maybe'",
    );
    expect(msg(() => f(['bogus=1']))).to.equal("Error response from daemon: invalid filter 'bogus'");
    expect(msg(() => f(['nokey']))).to.contain('bad format of filter (expected name=value)');
  });
  it("docker/cli's natural order", () => {
    expect(['v10', 'v9', 'a', 'v1', 'V2'].sort(naturalCompare)).to.deep.equal(['V2', 'a', 'v1', 'v9', 'v10']);
  });
});

describe("users and groups (moby's getUser over runc's GetExecUser)", () => {
  const files = {
    passwd:
      'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\napp:x:1000:1000::/home/app:/bin/sh\n',
    group: 'root:x:0:\nwww-data:x:33:app\nnogroup:x:65534:\napp:x:1000:\nstaff:x:50:app,root\n',
  };
  it('the primary gid comes first among the supplementary groups', () => {
    expect(resolveUserFrom(files, '65534:65534').additionalGids).to.deep.equal([65534]);
    expect(resolveUserFrom(files, '').additionalGids).to.deep.equal([0, 50]);
  });
  it("a user's own groups only when no group is given", () => {
    expect(resolveUserFrom(files, 'app')).to.deep.include({
      uid: 1000,
      gid: 1000,
      additionalGids: [1000, 33, 50],
    });
    expect(resolveUserFrom(files, 'app:nogroup')).to.deep.include({ gid: 65534, additionalGids: [65534] });
    expect(resolveUserFrom(files, '1000:33').additionalGids).to.deep.equal([33]);
  });
  it('numeric ids need no entry; names must exist', () => {
    expect(resolveUserFrom(files, '4242:4343')).to.deep.include({
      uid: 4242,
      gid: 4343,
      additionalGids: [4343],
    });
    expect(msg(() => resolveUserFrom(files, 'ghost'))).to.equal(
      'unable to find user ghost: no matching entries in passwd file',
    );
    expect(msg(() => resolveUserFrom(files, 'app:ghosts'))).to.equal(
      'unable to find group ghosts: no matching entries in group file',
    );
  });
  it('--group-add: names of the image, gids known or not, each once', () => {
    expect(resolveUserFrom(files, '65534', ['33', 'app', '777', 'www-data']).additionalGids).to.deep.equal([
      65534, 33, 1000, 777,
    ]);
    expect(msg(() => resolveUserFrom(files, '', ['nosuch']))).to.equal(
      'Unable to find group nosuch: no matching entries in group file',
    );
  });
});
