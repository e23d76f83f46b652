/**
 * "Our protos match the live daemon": every service and method family tsdock calls, against a
 * private containerd 1.6. A wrong field number or message name shows up here as a value that does
 * not round-trip, a decode failure or an unimplemented method.
 */
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { startContainerd, type PrivateContainerd } from '../harness/containerd.js';
import { ContainerdClient } from '../../src/runtime/containerd/client.js';
import type { Descriptor, Envelope, Mount } from '../../src/runtime/containerd/types.js';
import { ConflictError, DaemonError, NotFoundError } from '../../src/runtime/errors.js';

const NS = 'tsdock-protos';
const RUNC = 'io.containerd.runc.v2';
const LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const uid = (p: string): string => `${p}-${randomBytes(4).toString('hex')}`;

async function rejection(p: Promise<unknown>): Promise<Error & { grpcCode?: number }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { grpcCode?: number };
  }
  throw new Error('expected the call to fail');
}

/** A read-only busybox root with the mount points the spec needs already present. */
function busyboxRootfs(dir: string): void {
  for (const d of ['bin', 'proc', 'dev', 'sys', 'tmp']) mkdirSync(join(dir, d), { recursive: true });
  copyFileSync('/usr/bin/busybox', join(dir, 'bin', 'busybox'));
  for (const tool of ['sh', 'sleep', 'true', 'cat', 'echo']) symlinkSync('busybox', join(dir, 'bin', tool));
}

function ociSpec(id: string, args: string[]): Record<string, unknown> {
  return {
    ociVersion: '1.0.2-dev',
    process: { terminal: false, user: { uid: 0, gid: 0 }, args, env: ['PATH=/bin'], cwd: '/' },
    root: { path: 'rootfs', readonly: true },
    hostname: 'protos',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    ],
    linux: {
      cgroupsPath: `/tsdock-protos-${id}`,
      namespaces: ['pid', 'ipc', 'uts', 'mount', 'network'].map((type) => ({ type })),
    },
  };
}

/**
 * Collects events in the background until stopped. containerd gives no sign that a subscription is
 * registered, so namespace creations are published until one comes back through it.
 */
async function collect(
  client: ContainerdClient,
  filters: string[],
): Promise<{ events: Envelope[]; stop(): void }> {
  const ac = new AbortController();
  const events: Envelope[] = [];
  void (async () => {
    try {
      for await (const e of client.events.subscribe([...filters, 'topic=="/namespaces/create"'], ac.signal)) {
        events.push(e);
      }
    } catch {
      /* the subscription ends with the daemon */
    }
  })();
  await until('the subscription to be live', async () => {
    if (events.some((e) => e.topic === '/namespaces/create')) return true;
    await client.namespaces.create(uid('protos-prime'));
    await new Promise((r) => setTimeout(r, 100));
    return undefined;
  });
  return { events, stop: () => ac.abort() };
}

async function until<T>(
  what: string,
  fn: () => T | undefined | Promise<T | undefined>,
  ms = 10_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('containerd protos against the live daemon', function () {
  this.timeout(60_000);
  let daemon: PrivateContainerd;
  let client: ContainerdClient;
  let work = '';

  before(async function () {
    this.timeout(30_000);
    daemon = await startContainerd();
    client = new ContainerdClient(daemon.address, NS);
    work = mkdtempSync(join(tmpdir(), 'tsdock-protos-'));
  });

  after(async function () {
    this.timeout(30_000);
    client?.close();
    await daemon?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('version', async () => {
    const v = await client.version();
    expect(v.version).to.match(/^v?1\.6\./);
    expect(v.revision).to.be.a('string');
  });

  it('introspection: plugins (with init errors) and server', async () => {
    const snapshotters = await client.introspection.plugins(['type==io.containerd.snapshotter.v1']);
    const overlay = snapshotters.find((p) => p.id === 'overlayfs');
    expect(overlay, JSON.stringify(snapshotters)).to.not.equal(undefined);
    expect(overlay!.type).to.equal('io.containerd.snapshotter.v1');
    expect(overlay!.initErr).to.equal(undefined);
    expect(overlay!.platforms.length).to.be.greaterThan(0);
    expect(overlay!.platforms[0]!.os).to.equal('linux');
    expect(overlay!.exports).to.have.property('root');
    // btrfs/zfs/devmapper cannot start on this machine: their google.rpc.Status must decode
    const failed = snapshotters.filter((p) => p.initErr);
    expect(failed.length).to.be.greaterThan(0);
    expect(failed[0]!.initErr!.message).to.be.a('string').and.not.equal('');
    const all = await client.introspection.plugins();
    const tasks = all.find((p) => p.type === 'io.containerd.grpc.v1' && p.id === 'tasks');
    expect(tasks?.requires).to.include('io.containerd.service.v1');
    expect((await client.introspection.server()).uuid).to.match(/^[0-9a-f-]{36}$/);
  });

  it('namespaces: create, get, list; duplicates conflict; unknown is not found', async () => {
    const name = uid('protos-ns');
    await client.namespaces.create(name, { 'tsdock.test': 'yes' });
    expect(await client.namespaces.get(name)).to.deep.equal({ name, labels: { 'tsdock.test': 'yes' } });
    expect((await client.namespaces.list()).map((n) => n.name)).to.include(name);
    const dup = await rejection(client.namespaces.create(name));
    expect(dup).to.be.instanceOf(ConflictError);
    expect(dup.grpcCode).to.equal(6);
    // containerd answers Get for any name (labels of a missing namespace are just empty)
    expect(await client.namespaces.get(uid('nope'))).to.deep.include({ labels: {} });
  });

  it('leases: create, list, delete; withLease carries the header and cleans up', async () => {
    const id = uid('protos-lease');
    const lease = await client.leases.create({
      id,
      labels: { 'containerd.io/gc.expire': '2099-01-01T00:00:00Z' },
    });
    expect(lease.id).to.equal(id);
    expect(lease.createdAt).to.be.instanceOf(Date);
    const listed = (await client.leases.list()).find((l) => l.id === id);
    expect(listed?.labels).to.deep.equal({ 'containerd.io/gc.expire': '2099-01-01T00:00:00Z' });
    expect(await rejection(client.leases.create({ id }))).to.be.instanceOf(ConflictError);
    await client.leases.delete(id, true);
    expect((await client.leases.list()).map((l) => l.id)).to.not.include(id);
    expect(await rejection(client.leases.delete(id))).to.be.instanceOf(NotFoundError);

    // a blob written inside withLease belongs to that lease while fn runs
    const blob = Buffer.from('leased blob\n');
    let inside = '';
    await client.withLease(async (c) => {
      await c.content.write({ ref: uid('leased'), expected: sha256(blob), total: blob.length, source: blob });
      const ours = (await client.leases.list()).filter((l) => l.labels['containerd.io/gc.expire']);
      expect(ours).to.have.length(1);
      inside = ours[0]!.id;
      expect(Date.parse(ours[0]!.labels['containerd.io/gc.expire']!)).to.be.greaterThan(
        Date.now() + 3600_000,
      );
    });
    expect((await client.leases.list()).map((l) => l.id)).to.not.include(inside);
    // and the lease is removed when fn throws, the error passing through
    const boom = await rejection(
      client.withLease(async () => {
        throw new Error('boom');
      }),
    );
    expect(boom.message).to.equal('boom');
    expect((await client.leases.list()).filter((l) => l.labels['containerd.io/gc.expire'])).to.deep.equal([]);
  });

  describe('content', () => {
    const lease = uid('protos-content');
    let leased: ContainerdClient;
    before(async () => {
      await client.leases.create({ id: lease });
      leased = client.usingLease(lease);
    });
    after(async () => {
      await client.leases.delete(lease).catch(() => undefined);
    });

    it('writes a multi-chunk stream, reads it back whole and by range, labels, lists, deletes', async () => {
      const data = randomBytes(2_500_000);
      const digest = sha256(data);
      async function* source() {
        for (let i = 0; i < data.length; i += 700_000) yield data.subarray(i, i + 700_000);
      }
      await leased.content.write({
        ref: uid('blob'),
        expected: digest,
        total: data.length,
        labels: { 'tsdock.test': 'a' },
        source: source(),
      });
      const info = await client.content.info(digest);
      expect(info).to.include({ digest, size: data.length });
      expect(info.labels).to.deep.equal({ 'tsdock.test': 'a' });
      expect(info.createdAt).to.be.instanceOf(Date);
      expect((await client.content.readAll(digest)).equals(data)).to.equal(true);
      const parts: Buffer[] = [];
      for await (const b of client.content.read(digest, { offset: 1_000_000, size: 10 })) parts.push(b);
      expect(Buffer.concat(parts).equals(data.subarray(1_000_000, 1_000_010))).to.equal(true);

      const updated = await client.content.update({ digest, labels: { 'tsdock.test': 'b', other: 'c' } }, [
        'labels.tsdock.test',
      ]);
      expect(updated.labels).to.deep.equal({ 'tsdock.test': 'b' });
      expect((await client.content.list([`digest==${digest}`])).map((i) => i.digest)).to.deep.equal([digest]);

      // writing a blob that is already there is a success
      await leased.content.write({ ref: uid('again'), expected: digest, total: data.length, source: data });

      await client.content.delete(digest);
      expect(await rejection(client.content.info(digest))).to.be.instanceOf(NotFoundError);
      expect(await rejection(client.content.delete(digest))).to.be.instanceOf(NotFoundError);
    });

    it('resumes an interrupted write from the ingest offset', async () => {
      const data = randomBytes(3 << 20);
      const digest = sha256(data);
      const ref = uid('resume');
      async function* broken() {
        yield data.subarray(0, 1 << 20);
        yield data.subarray(1 << 20, 1_500_000);
        throw new Error('connection dropped');
      }
      const err = await rejection(
        leased.content.write({ ref, expected: digest, total: data.length, source: broken() }),
      );
      expect(err.message).to.equal('connection dropped');
      const st = await client.content.status(ref);
      // containerd's local store leaves `expected` empty in Status
      expect(st).to.include({ ref, offset: 1_500_000, total: data.length });
      expect(st.startedAt).to.be.instanceOf(Date);
      // the caller restarts its source from byte 0; the client skips what containerd has
      let yielded = 0;
      async function* whole() {
        for (let i = 0; i < data.length; i += 1 << 19) {
          yielded += Math.min(1 << 19, data.length - i);
          yield data.subarray(i, i + (1 << 19));
        }
      }
      await leased.content.write({ ref, expected: digest, total: data.length, source: whole() });
      expect(yielded).to.equal(data.length);
      expect((await client.content.readAll(digest)).equals(data)).to.equal(true);
      expect(await rejection(client.content.status(ref))).to.be.instanceOf(NotFoundError);

      const aborted = uid('abort');
      await rejection(
        leased.content.write({
          ref: aborted,
          expected: sha256(data.subarray(1)),
          total: data.length - 1,
          source: broken(),
        }),
      );
      await client.content.abort(aborted);
      expect(await rejection(client.content.status(aborted))).to.be.instanceOf(NotFoundError);
    });

    it('snapshots and diff: apply a tar layer, commit, view, usage, diff back, remove', async () => {
      const src = join(work, 'layer-src');
      mkdirSync(join(src, 'etc'), { recursive: true });
      writeFileSync(join(src, 'etc', 'hello.txt'), 'hello from a layer\n');
      const tar = execFileSync('tar', ['-C', src, '--owner=0', '--group=0', '-cf', '-', 'etc']);
      const layer: Descriptor = { mediaType: LAYER_TAR, digest: sha256(tar), size: tar.length };
      await leased.content.write({
        ref: uid('layer'),
        expected: layer.digest,
        total: layer.size,
        source: tar,
      });

      const key = uid('extract');
      const committed = uid('layer');
      const mounts = await leased.snapshots.prepare(key, '', { 'tsdock.test': 'x' });
      expect(mounts).to.have.length(1);
      expect(mounts[0]).to.include({ type: 'bind' });
      expect(mounts[0]!.options).to.include('rbind');
      expect((await leased.snapshots.mounts(key))[0]!.source).to.equal(mounts[0]!.source);
      expect((await leased.snapshots.stat(key)).kind).to.equal('ACTIVE');

      const applied = await leased.diff.apply(layer, mounts);
      expect(applied).to.include({ mediaType: LAYER_TAR, digest: layer.digest, size: layer.size });
      expect(readFileSync(join(mounts[0]!.source, 'etc', 'hello.txt'), 'utf8')).to.equal(
        'hello from a layer\n',
      );

      await leased.snapshots.commit(committed, key, { 'tsdock.test': 'y' });
      const info = await leased.snapshots.stat(committed);
      expect(info).to.include({ name: committed, parent: '', kind: 'COMMITTED' });
      expect(info.labels).to.deep.equal({ 'tsdock.test': 'y' });
      expect(info.createdAt).to.be.instanceOf(Date);
      expect(await rejection(leased.snapshots.stat(key))).to.be.instanceOf(NotFoundError);
      expect((await leased.snapshots.usage(committed)).size).to.be.greaterThan(0);
      expect((await leased.snapshots.list()).map((s) => s.name)).to.include(committed);

      const empty = uid('empty');
      const view = uid('view');
      const left = await leased.snapshots.view(empty, '');
      const right: Mount[] = await leased.snapshots.view(view, committed);
      expect((await leased.snapshots.stat(view)).kind).to.equal('VIEW');
      const diffed = await leased.diff.diff({ left, right, mediaType: LAYER_TAR, ref: uid('diff') });
      expect(diffed.mediaType).to.equal(LAYER_TAR);
      expect(diffed.size).to.be.greaterThan(0);
      expect((await client.content.info(diffed.digest)).size).to.equal(diffed.size);
      const listing = execFileSync('tar', ['-tf', '-'], {
        input: await client.content.readAll(diffed.digest),
      });
      expect(listing.toString()).to.match(/etc\/hello\.txt/);

      // a parent with a child cannot go: FAILED_PRECONDITION
      const busy = await rejection(leased.snapshots.remove(committed));
      expect(busy).to.be.instanceOf(ConflictError);
      expect(busy.grpcCode).to.equal(9);
      await leased.snapshots.remove(view);
      await leased.snapshots.remove(empty);
      await leased.snapshots.remove(committed);
      expect(await rejection(leased.snapshots.stat(committed))).to.be.instanceOf(NotFoundError);
    });
  });

  it('images: create, get, list, update, delete', async () => {
    const name = `${uid('protos-test/img')}:1`;
    const target: Descriptor = {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: sha256(Buffer.from(name)),
      size: 1234,
      annotations: { 'org.opencontainers.image.ref.name': '1' },
    };
    const created = await client.images.create({ name, labels: { a: '1' }, target });
    expect(created.name).to.equal(name);
    expect(created.target).to.deep.equal(target);
    expect(created.createdAt).to.be.instanceOf(Date);
    expect(await client.images.get(name)).to.deep.include({ name, labels: { a: '1' }, target });
    expect((await client.images.list([`name==${name}`])).map((i) => i.name)).to.deep.equal([name]);
    expect(await rejection(client.images.create({ name, labels: {}, target }))).to.be.instanceOf(
      ConflictError,
    );

    const updated = await client.images.update({ name, labels: { b: '2' }, target }, ['labels']);
    expect(updated.labels).to.deep.equal({ b: '2' });
    expect(updated.updatedAt!.getTime()).to.be.at.least(created.updatedAt!.getTime());
    await client.images.delete(name, true);
    expect(await rejection(client.images.get(name))).to.be.instanceOf(NotFoundError);
    expect(await rejection(client.images.delete(name))).to.be.instanceOf(NotFoundError);
  });

  it('containers: create, get, list, update, delete', async () => {
    const id = uid('protos-ctr');
    const spec = ociSpec(id, ['/bin/true']);
    const c = await client.containers.create({
      id,
      labels: { 'tsdock.test': '1' },
      image: 'docker.io/library/busybox:latest',
      runtime: { name: RUNC },
      spec,
      snapshotter: 'overlayfs',
      snapshotKey: '',
      extensions: { 'tsdock/meta': { typeUrl: 'tsdock.io/test', value: Buffer.from('{"x":1}') } },
    });
    expect(c).to.deep.include({ id, image: 'docker.io/library/busybox:latest', snapshotter: 'overlayfs' });
    expect(c.runtime.name).to.equal(RUNC);
    const got = await client.containers.get(id);
    expect(got.spec).to.deep.equal(spec);
    expect(got.labels).to.deep.equal({ 'tsdock.test': '1' });
    expect(got.extensions!['tsdock/meta']!.value.toString()).to.equal('{"x":1}');
    expect(got.createdAt).to.be.instanceOf(Date);
    expect((await client.containers.list([`id==${id}`])).map((x) => x.id)).to.deep.equal([id]);
    expect((await client.containers.list(['labels."tsdock.test"==1'])).map((x) => x.id)).to.include(id);
    expect(await rejection(client.containers.create({ id, runtime: { name: RUNC }, spec }))).to.be.instanceOf(
      ConflictError,
    );

    const updated = await client.containers.update({ id, labels: { 'tsdock.test': '2', more: 'x' } }, [
      'labels.tsdock.test',
    ]);
    expect(updated.labels).to.deep.equal({ 'tsdock.test': '2' });
    expect(updated.spec).to.deep.equal(spec);
    await client.containers.delete(id);
    expect(await rejection(client.containers.get(id))).to.be.instanceOf(NotFoundError);
    expect(await rejection(client.containers.delete(id))).to.be.instanceOf(NotFoundError);
  });

  describe('tasks and events', () => {
    let rootfs = '';
    const rootMount = (): Mount[] => [{ type: 'bind', source: rootfs, options: ['rbind', 'ro'] }];
    const made: string[] = [];

    before(() => {
      rootfs = join(work, 'busybox-root');
      busyboxRootfs(rootfs);
    });
    after(async () => {
      for (const id of made) {
        await client.tasks.kill(id, 9, { all: true }).catch(() => undefined);
        await client.tasks.delete(id).catch(() => undefined);
        await client.containers.delete(id).catch(() => undefined);
      }
    });

    async function container(args: string[]): Promise<string> {
      const id = uid('protos-task');
      made.push(id);
      await client.containers.create({ id, runtime: { name: RUNC }, spec: ociSpec(id, args) });
      return id;
    }

    it('runs a task to its exit code, with stdout to a file and TaskExit on the event stream', async () => {
      const feed = await collect(client, [
        `namespace==${NS},topic~="^/tasks/"`,
        `namespace==${NS},topic=="/containers/create"`,
      ]);
      try {
        const id = await container(['/bin/sh', '-c', 'echo hello; exit 3']);
        await until('the ContainerCreate event', () =>
          feed.events.find((e) => e.topic === '/containers/create' && e.event.decoded?.id === id),
        );
        const out = join(work, `${id}.out`);
        // containerd 1.6's shim dereferences a nil stderr pipe for a file:// stdout alone; it
        // writes both streams to the stdout file anyway
        const created = await client.tasks.create({
          containerId: id,
          rootfs: rootMount(),
          stdout: `file://${out}`,
          stderr: `file://${out}`,
        });
        expect(created.containerId).to.equal(id);
        expect(created.pid).to.be.greaterThan(0);
        const t = await client.tasks.get(id);
        expect(t).to.include({
          containerId: id,
          pid: created.pid,
          status: 'CREATED',
          stdout: `file://${out}`,
        });
        expect((await client.tasks.list()).map((p) => p.containerId)).to.include(id);

        const waited = client.tasks.wait(id);
        expect((await client.tasks.start(id)).pid).to.equal(created.pid);
        const exit = await waited;
        expect(exit.exitStatus).to.equal(3);
        expect(exit.exitedAt).to.be.instanceOf(Date);
        expect((await client.tasks.get(id)).status).to.equal('STOPPED');
        const deleted = await client.tasks.delete(id);
        expect(deleted).to.include({ pid: created.pid, exitStatus: 3 });
        expect(readFileSync(out, 'utf8')).to.equal('hello\n');
        expect(await rejection(client.tasks.get(id))).to.be.instanceOf(NotFoundError);

        const ev = await until('the TaskExit event', () =>
          feed.events.find((e) => e.topic === '/tasks/exit' && e.event.decoded?.containerId === id),
        );
        expect(ev.namespace).to.equal(NS);
        expect(ev.timestamp).to.be.instanceOf(Date);
        expect(ev.event.typeUrl).to.equal('containerd.events.TaskExit');
        expect(ev.event.decoded).to.deep.include({ containerId: id, id, pid: created.pid, exitStatus: 3 });
        expect(ev.event.decoded!.exitedAt).to.be.instanceOf(Date);
        const topics = feed.events.filter((e) => e.event.decoded?.containerId === id).map((e) => e.topic);
        expect(topics).to.include.members(['/tasks/create', '/tasks/start', '/tasks/exit', '/tasks/delete']);
        const start = feed.events.find(
          (e) => e.topic === '/tasks/start' && e.event.decoded?.containerId === id,
        );
        expect(start!.event.decoded).to.deep.equal({ containerId: id, pid: created.pid });
      } finally {
        feed.stop();
      }
    });

    it('exec, pause/resume, update, metrics, resize, close stdin, kill', async () => {
      const feed = await collect(client, [`namespace==${NS},topic~="^/tasks/"`]);
      try {
        const id = await container(['/bin/sleep', '300']);
        await client.tasks.create({ containerId: id, rootfs: rootMount() });
        await client.tasks.start(id);
        expect((await client.tasks.get(id)).status).to.equal('RUNNING');

        const execId = 'probe';
        await client.tasks.exec({
          containerId: id,
          execId,
          spec: { args: ['/bin/sh', '-c', 'exit 5'], cwd: '/', env: ['PATH=/bin'], user: { uid: 0, gid: 0 } },
        });
        const execWait = client.tasks.wait(id, execId);
        const started = await client.tasks.start(id, execId);
        expect(started.pid).to.be.greaterThan(0);
        await client.tasks.closeIO(id, execId).catch((e: Error & { grpcCode?: number }) => {
          if (e.grpcCode !== 5) throw e; // the exec may already be gone
        });
        expect((await execWait).exitStatus).to.equal(5);
        expect(await client.tasks.deleteProcess(id, execId)).to.include({ exitStatus: 5, pid: started.pid });
        await until('TaskExecStarted', () =>
          feed.events.find((e) => e.topic === '/tasks/exec-started' && e.event.decoded?.execId === execId),
        );
        expect(feed.events.find((e) => e.topic === '/tasks/exec-added')!.event.decoded).to.deep.equal({
          containerId: id,
          execId,
        });

        await client.tasks.pause(id);
        expect((await client.tasks.get(id)).status).to.equal('PAUSED');
        await client.tasks.resume(id);
        expect((await client.tasks.get(id)).status).to.equal('RUNNING');
        await until(
          'TaskPaused/TaskResumed',
          () =>
            feed.events.some((e) => e.topic === '/tasks/resumed' && e.event.decoded?.containerId === id) ||
            undefined,
        );
        expect(feed.events.find((e) => e.topic === '/tasks/paused')!.event.typeUrl).to.equal(
          'containerd.events.TaskPaused',
        );

        await client.tasks.update(id, { pids: { limit: 77 } });
        const metrics = await client.tasks.metrics([`id==${id}`]);
        expect(metrics).to.have.length(1);
        expect(metrics[0]!.id).to.equal(id);
        expect(metrics[0]!.data.typeUrl).to.match(/io\.containerd\.cgroups\.v[12]\.Metrics$/);
        expect(metrics[0]!.data.value.length).to.be.greaterThan(0);
        await client.tasks.resizePty(id, 80, 24);

        const waited = client.tasks.wait(id);
        await client.tasks.kill(id, 9, { all: true });
        expect((await waited).exitStatus).to.equal(137);
        expect((await client.tasks.delete(id)).exitStatus).to.equal(137);
        await client.containers.delete(id);
        expect(await rejection(client.tasks.kill(id, 9))).to.be.instanceOf(NotFoundError);
      } finally {
        feed.stop();
      }
    });

    it('surfaces the runtime error text of a command that cannot start', async () => {
      const id = await container(['/bin/no-such-command']);
      const err = await rejection(client.tasks.create({ containerId: id, rootfs: rootMount() }));
      expect(err.message).to.match(/no such file or directory|executable file not found/);
      expect(err.grpcCode).to.be.a('number');
    });
  });

  it('events: image events decode with their own package', async () => {
    const feed = await collect(client, [`namespace==${NS},topic~="^/images/"`]);
    try {
      const name = `${uid('protos-test/ev')}:1`;
      const target: Descriptor = {
        mediaType: 'application/octet-stream',
        digest: sha256(Buffer.from(name)),
        size: 1,
      };
      await client.images.create({ name, labels: { k: 'v' }, target });
      await client.images.delete(name);
      const created = await until('ImageCreate', () =>
        feed.events.find((e) => e.topic === '/images/create' && e.event.decoded?.name === name),
      );
      expect(created.event.typeUrl).to.equal('containerd.services.images.v1.ImageCreate');
      expect(created.event.decoded).to.deep.equal({ name, labels: { k: 'v' } });
      const deleted = await until('ImageDelete', () =>
        feed.events.find((e) => e.topic === '/images/delete' && e.event.decoded?.name === name),
      );
      expect(deleted.event.decoded).to.deep.equal({ name });
    } finally {
      feed.stop();
    }
  });

  it('an unreachable socket is a DaemonError telling how to start containerd', async () => {
    const gone = join(work, 'nothing-here.sock');
    const c = new ContainerdClient(gone, NS);
    try {
      const err = await rejection(c.version());
      expect(err).to.be.instanceOf(DaemonError);
      expect(err.message).to.equal(
        `Cannot connect to containerd at unix://${gone}: is containerd running? ` +
          "Start it with 'containerd &' or 'systemctl start containerd'.",
      );
      expect(err.grpcCode).to.equal(14);
      expect(existsSync(gone)).to.equal(false);
    } finally {
      c.close();
    }
  });
});
