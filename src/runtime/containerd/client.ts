/**
 * The typed containerd client: one object per socket and namespace, with a sub-API per service.
 * Everything containerd-specific about the messages (Any-wrapped specs, Timestamps, the namespace
 * and lease headers) stays in this module; its callers see the plain shapes of types.ts. Requests
 * and answers are the types generated from protos/ (./gen), the transport is rpc.ts.
 */
import { Metadata } from 'nice-grpc';
import { timestampNanos } from '../state/clock.js';
import { randomHex } from '../state/ids.js';
import { DaemonError } from '../errors.js';
import { writeContent } from './content-write.js';
import { ContainersDefinition, type Container as PbContainer } from './gen/containers.js';
import { ContentDefinition, type Info as PbContentInfo } from './gen/content.js';
import { DiffDefinition } from './gen/diff.js';
import { EventsDefinition } from './gen/events.js';
// Event payloads register their types by name on import: decodeEvent finds them by type URL.
import './gen/event-types.js';
import type { Any } from './gen/google/protobuf/any.js';
import type { Timestamp } from './gen/google/protobuf/timestamp.js';
import { ImagesDefinition, type Image as PbImage } from './gen/images.js';
import { IntrospectionDefinition } from './gen/introspection.js';
import { LeasesDefinition, type Lease as PbLease } from './gen/leases.js';
import { NamespacesDefinition } from './gen/namespaces.js';
import { SnapshotsDefinition, Kind, type Info as PbSnapshotInfo } from './gen/snapshots.js';
import { Status as PbTaskStatus, type Process as PbProcess } from './gen/task.js';
import { TasksDefinition } from './gen/tasks.js';
import { messageTypeRegistry } from './gen/typeRegistry.js';
import type { Descriptor as PbDescriptor, Mount as PbMount } from './gen/types.js';
import { VersionDefinition } from './gen/version.js';
import { Connection, type RpcOptions } from './rpc.js';
import type {
  AnyValue,
  Container,
  ContentInfo,
  Descriptor,
  Envelope,
  Image,
  IngestStatus,
  Lease,
  Metric,
  Mount,
  Plugin,
  Process,
  SnapshotInfo,
  WriteRequest,
} from './types.js';

const SPEC_URL = 'types.containerd.io/opencontainers/runtime-spec/1/Spec';
const PROCESS_URL = 'types.containerd.io/opencontainers/runtime-spec/1/Process';
const RESOURCES_URL = 'types.containerd.io/opencontainers/runtime-spec/1/LinuxResources';

/** Deadlines (ms) of calls that take longer than most: starting a shim, applying a layer. */
const DEFAULT_DEADLINE = 30_000;
const TASK_DEADLINE = 120_000;
const DIFF_DEADLINE = 600_000;

function ts(t: Timestamp | undefined): Date | undefined {
  if (!t || (!t.seconds && !t.nanos)) return undefined;
  return new Date(t.seconds * 1000 + Math.floor(t.nanos / 1e6));
}

/** A message field containerd always fills; its absence is containerd's failure, not ours. */
function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new DaemonError(`containerd answered without ${what}`);
  return v;
}

/** How a process ended, from a Wait, Delete or DeleteProcess answer. */
export interface Exited {
  exitStatus: number;
  exitedAt?: Date;
  exitedAtNanos?: bigint;
}

function exitedOut(r: { exitStatus: number; exitedAt: Timestamp | undefined }): Exited {
  return { exitStatus: r.exitStatus, exitedAt: ts(r.exitedAt), exitedAtNanos: timestampNanos(r.exitedAt) };
}

function anyJson(typeUrl: string, value: unknown): Any {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return { typeUrl, value: Buffer.from(text) };
}

const anyOf = (a: Any | undefined): AnyValue => ({
  typeUrl: a?.typeUrl ?? '',
  value: a?.value ?? Buffer.alloc(0),
});

const mountOut = (m: PbMount): Mount => ({
  type: m.type,
  source: m.source,
  target: m.target || undefined,
  options: m.options,
});
const mountIn = (m: Mount): PbMount => ({
  type: m.type,
  source: m.source,
  target: m.target ?? '',
  options: m.options,
});
const descOut = (d: PbDescriptor | undefined): Descriptor => {
  const { mediaType, digest, size, annotations } = need(d, 'a descriptor');
  return { mediaType, digest, size, annotations };
};
const descIn = (d: Descriptor): PbDescriptor => ({
  mediaType: d.mediaType,
  digest: d.digest,
  size: d.size,
  annotations: d.annotations ?? {},
});

function containerOut(c: PbContainer | undefined): Container {
  const { id, labels, image, runtime, spec, snapshotter, snapshotKey, createdAt, updatedAt, extensions } =
    need(c, 'the container');
  return {
    id,
    labels,
    image,
    runtime: { name: runtime?.name ?? '', options: runtime?.options ? anyOf(runtime.options) : undefined },
    spec: spec?.value.length ? JSON.parse(spec.value.toString('utf8')) : undefined,
    snapshotter,
    snapshotKey,
    createdAt: ts(createdAt),
    updatedAt: ts(updatedAt),
    extensions: Object.fromEntries(Object.entries(extensions).map(([k, v]) => [k, anyOf(v)])),
  };
}

function containerIn(c: Partial<Container> & { id: string }): PbContainer {
  return {
    id: c.id,
    labels: c.labels ?? {},
    image: c.image ?? '',
    runtime: c.runtime ? { name: c.runtime.name, options: c.runtime.options } : undefined,
    spec: c.spec !== undefined ? anyJson(SPEC_URL, c.spec) : undefined,
    snapshotter: c.snapshotter ?? '',
    snapshotKey: c.snapshotKey ?? '',
    createdAt: undefined,
    updatedAt: undefined,
    extensions: c.extensions ?? {},
  };
}

/** containerd leaves container_id empty in Get/List answers; the caller knows it (for List it is the id). */
function processOut(p: PbProcess | undefined, containerId?: string): Process {
  const { id, pid, status, stdin, stdout, stderr, terminal, exitStatus, exitedAt } = need(p, 'the process');
  return {
    containerId: p?.containerId || (containerId ?? id),
    id,
    pid,
    status: status === PbTaskStatus.UNRECOGNIZED ? 'UNKNOWN' : status,
    stdin,
    stdout,
    stderr,
    terminal,
    exitStatus,
    exitedAt: ts(exitedAt),
    exitedAtNanos: timestampNanos(exitedAt),
  };
}

function imageOut(i: PbImage | undefined): Image {
  const { name, labels, target, createdAt, updatedAt } = need(i, 'the image');
  return { name, labels, target: descOut(target), createdAt: ts(createdAt), updatedAt: ts(updatedAt) };
}
const imageIn = (i: Image): PbImage => ({
  name: i.name,
  labels: i.labels ?? {},
  target: descIn(i.target),
  createdAt: undefined,
  updatedAt: undefined,
});

function infoOut(i: PbContentInfo | undefined): ContentInfo {
  const { digest, size, createdAt, updatedAt, labels } = need(i, 'the blob');
  return { digest, size, createdAt: ts(createdAt), updatedAt: ts(updatedAt), labels };
}

function snapOut(i: PbSnapshotInfo | undefined): SnapshotInfo {
  const { name, parent, kind, createdAt, updatedAt, labels } = need(i, 'the snapshot');
  return {
    name,
    parent,
    kind: kind === Kind.UNRECOGNIZED ? 'UNKNOWN' : kind,
    createdAt: ts(createdAt),
    updatedAt: ts(updatedAt),
    labels,
  };
}

function leaseOut(l: PbLease | undefined): Lease {
  const { id, createdAt, labels } = need(l, 'the lease');
  return { id, createdAt: ts(createdAt), labels };
}

/** A google.protobuf.Timestamp inside a decoded event. */
function isTimestamp(v: unknown): v is Timestamp {
  return typeof v === 'object' && v !== null && 'seconds' in v && 'nanos' in v && Object.keys(v).length === 2;
}

/**
 * An event payload as a plain object (Timestamps as Dates), if its type is one of the containerd
 * messages protos/ defines (event-types.proto, the image events in images.proto).
 */
function decodeEvent(ev: AnyValue): Record<string, unknown> | undefined {
  const type = messageTypeRegistry.get(ev.typeUrl.replace(/^.*\//, ''));
  const message = type?.decode(ev.value);
  if (typeof message !== 'object' || message === null) return undefined;
  return Object.fromEntries(Object.entries(message).map(([k, v]) => [k, isTimestamp(v) ? ts(v) : v]));
}

export class ContainerdClient {
  private readonly conn: Connection;
  private lease?: string;

  constructor(
    readonly address: string,
    readonly namespace: string,
    shared?: Connection,
  ) {
    this.conn = shared ?? new Connection(address);
  }

  close(): void {
    this.conn.close();
  }

  /** Every call's options: the namespace (and lease) headers, a deadline in ms (0: none), a signal. */
  private opts(deadline = DEFAULT_DEADLINE, signal?: AbortSignal): RpcOptions {
    const metadata = Metadata({ 'containerd-namespace': this.namespace });
    if (this.lease) metadata.set('containerd-lease', this.lease);
    return { metadata, ...(deadline > 0 ? { deadline } : {}), ...(signal ? { signal } : {}) };
  }

  private get containersApi() {
    return this.conn.client(ContainersDefinition);
  }
  private get tasksApi() {
    return this.conn.client(TasksDefinition);
  }
  private get imagesApi() {
    return this.conn.client(ImagesDefinition);
  }
  private get contentApi() {
    return this.conn.client(ContentDefinition);
  }
  private get snapshotsApi() {
    return this.conn.client(SnapshotsDefinition);
  }

  async version(): Promise<{ version: string; revision: string }> {
    const { version, revision } = await this.conn.client(VersionDefinition).version({}, this.opts());
    return { version, revision };
  }

  /** A view of this client whose every call carries an existing lease (same channel, no new connection). */
  usingLease(id: string): ContainerdClient {
    const leased = new ContainerdClient(this.address, this.namespace, this.conn);
    leased.lease = id;
    return leased;
  }

  /**
   * A new lease and a client whose every call holds it, so containerd's GC keeps what is written
   * through it until `release` (which never fails: an expired or deleted lease is as good).
   */
  async openLease(
    opts: { expireSeconds?: number; labels?: Record<string, string> } = {},
  ): Promise<{ client: ContainerdClient; release: () => Promise<void> }> {
    const expire = new Date(Date.now() + (opts.expireSeconds ?? 24 * 3600) * 1000);
    const lease = await this.leases.create({
      labels: { 'containerd.io/gc.expire': expire.toISOString().replace(/\.\d+Z$/, 'Z'), ...opts.labels },
    });
    return {
      client: this.usingLease(lease.id),
      release: () => this.leases.delete(lease.id, false).catch(() => undefined),
    };
  }

  /** Runs fn with a client whose every call holds a lease, so containerd's GC keeps what fn writes. */
  async withLease<T>(
    fn: (c: ContainerdClient) => Promise<T>,
    opts: { expireSeconds?: number; labels?: Record<string, string> } = {},
  ): Promise<T> {
    const lease = await this.openLease(opts);
    try {
      return await fn(lease.client);
    } finally {
      await lease.release();
    }
  }

  readonly containers = {
    get: async (id: string): Promise<Container> =>
      containerOut((await this.containersApi.get({ id }, this.opts())).container),
    list: async (filters: string[] = []): Promise<Container[]> =>
      (await this.containersApi.list({ filters }, this.opts())).containers.map(containerOut),
    create: async (c: Partial<Container> & { id: string }): Promise<Container> =>
      containerOut((await this.containersApi.create({ container: containerIn(c) }, this.opts())).container),
    update: async (c: Partial<Container> & { id: string }, fieldPaths: string[]): Promise<Container> =>
      containerOut(
        (await this.containersApi.update({ container: containerIn(c), updateMask: fieldPaths }, this.opts()))
          .container,
      ),
    delete: async (id: string): Promise<void> => {
      await this.containersApi.delete({ id }, this.opts());
    },
  };

  readonly tasks = {
    create: async (r: {
      containerId: string;
      rootfs?: Mount[];
      stdin?: string;
      stdout?: string;
      stderr?: string;
      terminal?: boolean;
    }): Promise<{ containerId: string; pid: number }> => {
      const { containerId, pid } = await this.tasksApi.create(
        {
          containerId: r.containerId,
          rootfs: (r.rootfs ?? []).map(mountIn),
          stdin: r.stdin ?? '',
          stdout: r.stdout ?? '',
          stderr: r.stderr ?? '',
          terminal: r.terminal ?? false,
        },
        this.opts(TASK_DEADLINE),
      );
      return { containerId, pid };
    },
    start: async (containerId: string, execId = ''): Promise<{ pid: number }> => {
      const { pid } = await this.tasksApi.start({ containerId, execId }, this.opts(TASK_DEADLINE));
      return { pid };
    },
    delete: async (containerId: string): Promise<Exited & { pid: number }> => {
      const r = await this.tasksApi.delete({ containerId }, this.opts(60_000));
      return { pid: r.pid, ...exitedOut(r) };
    },
    deleteProcess: async (containerId: string, execId: string): Promise<Exited & { pid: number }> => {
      const r = await this.tasksApi.deleteProcess({ containerId, execId }, this.opts());
      return { pid: r.pid, ...exitedOut(r) };
    },
    get: async (containerId: string, execId = ''): Promise<Process> =>
      processOut((await this.tasksApi.get({ containerId, execId }, this.opts())).process, containerId),
    list: async (filter = ''): Promise<Process[]> =>
      (await this.tasksApi.list({ filter }, this.opts())).tasks.map((p) => processOut(p)),
    kill: async (
      containerId: string,
      signal: number,
      opts: { all?: boolean; execId?: string } = {},
    ): Promise<void> => {
      await this.tasksApi.kill(
        { containerId, execId: opts.execId ?? '', signal, all: opts.all ?? false },
        this.opts(),
      );
    },
    exec: async (r: {
      containerId: string;
      execId: string;
      stdin?: string;
      stdout?: string;
      stderr?: string;
      terminal?: boolean;
      spec: unknown;
    }): Promise<void> => {
      await this.tasksApi.exec(
        {
          containerId: r.containerId,
          execId: r.execId,
          stdin: r.stdin ?? '',
          stdout: r.stdout ?? '',
          stderr: r.stderr ?? '',
          terminal: r.terminal ?? false,
          spec: anyJson(PROCESS_URL, r.spec),
        },
        this.opts(),
      );
    },
    resizePty: async (containerId: string, width: number, height: number, execId = ''): Promise<void> => {
      await this.tasksApi.resizePty({ containerId, execId, width, height }, this.opts());
    },
    closeIO: async (containerId: string, execId = ''): Promise<void> => {
      await this.tasksApi.closeIO({ containerId, execId, stdin: true }, this.opts());
    },
    pause: async (containerId: string): Promise<void> => {
      await this.tasksApi.pause({ containerId }, this.opts());
    },
    resume: async (containerId: string): Promise<void> => {
      await this.tasksApi.resume({ containerId }, this.opts());
    },
    pids: async (containerId: string): Promise<number[]> =>
      (await this.tasksApi.listPids({ containerId }, this.opts())).processes.map((p) => p.pid),
    /** No deadline unless given (ms): a container may run for as long as it likes. */
    wait: async (containerId: string, execId = '', deadline = 0): Promise<Exited> =>
      exitedOut(await this.tasksApi.wait({ containerId, execId }, this.opts(deadline))),
    metrics: async (filters: string[]): Promise<Metric[]> =>
      (await this.tasksApi.metrics({ filters }, this.opts())).metrics.map((m) => ({
        timestamp: ts(m.timestamp),
        id: m.id,
        data: anyOf(m.data),
      })),
    update: async (containerId: string, resources: unknown): Promise<void> => {
      await this.tasksApi.update({ containerId, resources: anyJson(RESOURCES_URL, resources) }, this.opts());
    },
  };

  readonly images = {
    get: async (name: string): Promise<Image> =>
      imageOut((await this.imagesApi.get({ name }, this.opts())).image),
    list: async (filters: string[] = []): Promise<Image[]> =>
      (await this.imagesApi.list({ filters }, this.opts())).images.map(imageOut),
    create: async (img: Image): Promise<Image> =>
      imageOut((await this.imagesApi.create({ image: imageIn(img) }, this.opts())).image),
    update: async (img: Image, fieldPaths: string[] = []): Promise<Image> =>
      imageOut(
        (
          await this.imagesApi.update(
            { image: imageIn(img), updateMask: fieldPaths.length ? fieldPaths : undefined },
            this.opts(),
          )
        ).image,
      ),
    delete: async (name: string, sync = false): Promise<void> => {
      await this.imagesApi.delete({ name, sync }, this.opts());
    },
  };

  readonly content = {
    info: async (digest: string): Promise<ContentInfo> =>
      infoOut((await this.contentApi.info({ digest }, this.opts())).info),
    update: async (
      info: Partial<ContentInfo> & { digest: string },
      fieldPaths: string[],
    ): Promise<ContentInfo> =>
      infoOut(
        (
          await this.contentApi.update(
            { info: { digest: info.digest, labels: info.labels ?? {} }, updateMask: fieldPaths },
            this.opts(),
          )
        ).info,
      ),
    list: async (filters: string[] = []): Promise<ContentInfo[]> => {
      const out: ContentInfo[] = [];
      for await (const r of this.contentApi.list({ filters }, this.opts(0))) out.push(...r.info.map(infoOut));
      return out;
    },
    delete: async (digest: string): Promise<void> => {
      await this.contentApi.delete({ digest }, this.opts());
    },
    /** The state of an unfinished ingest, e.g. how far an interrupted write got. */
    status: async (ref: string): Promise<IngestStatus> => {
      const st = need((await this.contentApi.status({ ref }, this.opts())).status, 'the ingest');
      return {
        ref: st.ref,
        offset: st.offset,
        total: st.total,
        expected: st.expected,
        startedAt: ts(st.startedAt),
        updatedAt: ts(st.updatedAt),
      };
    },
    abort: async (ref: string): Promise<void> => {
      await this.contentApi.abort({ ref }, this.opts());
    },
    read: (
      digest: string,
      opts: { offset?: number; size?: number; signal?: AbortSignal } = {},
    ): AsyncIterable<Buffer> => {
      const stream = this.contentApi.read(
        { digest, offset: opts.offset ?? 0, size: opts.size ?? 0 },
        this.opts(0, opts.signal),
      );
      return (async function* () {
        for await (const r of stream) yield r.data;
      })();
    },
    readAll: async (digest: string): Promise<Buffer> => {
      const parts: Buffer[] = [];
      for await (const b of this.content.read(digest)) parts.push(b);
      return Buffer.concat(parts);
    },
    /**
     * containerd's Write protocol (content-write.ts). True when this call stored the blob (and its
     * labels), false when the store had it already.
     */
    write: (r: WriteRequest): Promise<boolean> =>
      writeContent((requests, options) => this.contentApi.write(requests, options), this.opts(0), r),
  };

  readonly snapshots = {
    prepare: async (
      key: string,
      parent = '',
      labels: Record<string, string> = {},
      snapshotter = 'overlayfs',
    ): Promise<Mount[]> =>
      (await this.snapshotsApi.prepare({ snapshotter, key, parent, labels }, this.opts())).mounts.map(
        mountOut,
      ),
    view: async (
      key: string,
      parent: string,
      labels: Record<string, string> = {},
      snapshotter = 'overlayfs',
    ): Promise<Mount[]> =>
      (await this.snapshotsApi.view({ snapshotter, key, parent, labels }, this.opts())).mounts.map(mountOut),
    mounts: async (key: string, snapshotter = 'overlayfs'): Promise<Mount[]> =>
      (await this.snapshotsApi.mounts({ snapshotter, key }, this.opts())).mounts.map(mountOut),
    commit: async (
      name: string,
      key: string,
      labels: Record<string, string> = {},
      snapshotter = 'overlayfs',
    ): Promise<void> => {
      await this.snapshotsApi.commit({ snapshotter, name, key, labels }, this.opts(TASK_DEADLINE));
    },
    remove: async (key: string, snapshotter = 'overlayfs'): Promise<void> => {
      await this.snapshotsApi.remove({ snapshotter, key }, this.opts());
    },
    stat: async (key: string, snapshotter = 'overlayfs'): Promise<SnapshotInfo> =>
      snapOut((await this.snapshotsApi.stat({ snapshotter, key }, this.opts())).info),
    list: async (filters: string[] = [], snapshotter = 'overlayfs'): Promise<SnapshotInfo[]> => {
      const out: SnapshotInfo[] = [];
      for await (const r of this.snapshotsApi.list({ snapshotter, filters }, this.opts(0))) {
        out.push(...r.info.map(snapOut));
      }
      return out;
    },
    usage: async (key: string, snapshotter = 'overlayfs'): Promise<{ size: number; inodes: number }> => {
      const { size, inodes } = await this.snapshotsApi.usage({ snapshotter, key }, this.opts());
      return { size, inodes };
    },
  };

  readonly diff = {
    apply: async (desc: Descriptor, mounts: Mount[]): Promise<Descriptor> =>
      descOut(
        (
          await this.conn
            .client(DiffDefinition)
            .apply({ diff: descIn(desc), mounts: mounts.map(mountIn) }, this.opts(DIFF_DEADLINE))
        ).applied,
      ),
    diff: async (r: {
      left: Mount[];
      right: Mount[];
      mediaType?: string;
      ref?: string;
      labels?: Record<string, string>;
    }): Promise<Descriptor> =>
      descOut(
        (
          await this.conn.client(DiffDefinition).diff(
            {
              left: r.left.map(mountIn),
              right: r.right.map(mountIn),
              mediaType: r.mediaType ?? '',
              ref: r.ref ?? '',
              labels: r.labels ?? {},
            },
            this.opts(DIFF_DEADLINE),
          )
        ).diff,
      ),
  };

  readonly leases = {
    create: async (r: { id?: string; labels?: Record<string, string> } = {}): Promise<Lease> =>
      leaseOut(
        (
          await this.conn
            .client(LeasesDefinition)
            .create({ id: r.id ?? `tsdock-${randomHex(8)}`, labels: r.labels ?? {} }, this.opts())
        ).lease,
      ),
    delete: async (id: string, sync = false): Promise<void> => {
      await this.conn.client(LeasesDefinition).delete({ id, sync }, this.opts());
    },
    list: async (filters: string[] = []): Promise<Lease[]> =>
      (await this.conn.client(LeasesDefinition).list({ filters }, this.opts())).leases.map(leaseOut),
  };

  readonly namespaces = {
    list: async (): Promise<{ name: string; labels: Record<string, string> }[]> =>
      (await this.conn.client(NamespacesDefinition).list({}, this.opts())).namespaces.map(
        ({ name, labels }) => ({ name, labels }),
      ),
    get: async (name: string): Promise<{ name: string; labels: Record<string, string> }> => {
      const n = need(
        (await this.conn.client(NamespacesDefinition).get({ name }, this.opts())).namespace,
        'the namespace',
      );
      return { name: n.name, labels: n.labels };
    },
    create: async (name: string, labels: Record<string, string> = {}): Promise<void> => {
      await this.conn.client(NamespacesDefinition).create({ namespace: { name, labels } }, this.opts());
    },
  };

  readonly events = {
    /** Ends quietly when `signal` aborts it. */
    subscribe: (filters: string[] = [], signal?: AbortSignal): AsyncIterable<Envelope> => {
      const stream = this.conn.client(EventsDefinition).subscribe({ filters }, this.opts(0, signal));
      return (async function* () {
        for await (const e of stream) {
          const ev = anyOf(e.event);
          yield {
            timestamp: ts(e.timestamp) ?? new Date(),
            namespace: e.namespace,
            topic: e.topic,
            event: { ...ev, decoded: decodeEvent(ev) },
          };
        }
      })();
    },
  };

  readonly introspection = {
    plugins: async (filters: string[] = []): Promise<Plugin[]> =>
      (await this.conn.client(IntrospectionDefinition).plugins({ filters }, this.opts())).plugins.map(
        (p) => ({
          type: p.type,
          id: p.id,
          requires: p.requires,
          platforms: p.platforms.map(({ os, architecture, variant }) => ({ os, architecture, variant })),
          exports: p.exports,
          capabilities: p.capabilities,
          initErr:
            p.initErr && (p.initErr.code || p.initErr.message)
              ? { code: p.initErr.code, message: p.initErr.message }
              : undefined,
        }),
      ),
    server: async (): Promise<{ uuid: string }> => {
      const { uuid } = await this.conn.client(IntrospectionDefinition).server({}, this.opts());
      return { uuid };
    },
  };
}
