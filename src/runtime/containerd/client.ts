/**
 * The typed containerd client: one object per socket and namespace, with a sub-API per service.
 * Everything containerd-specific about the wire (snake_case, Any-wrapped specs, Timestamps,
 * the namespace and lease headers) stays in this module.
 */
import { timestampNanos } from '../state/clock.js';
import { randomHex } from '../state/ids.js';
import { Rpc, type CallOptions, type Metadata, decode, encode, lookupType, type } from './rpc.js';
import { writeMessages } from './write-messages.js';
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
  TaskStatus,
  WriteRequest,
} from './types.js';

type Obj = Record<string, unknown>;

const SPEC_URL = 'types.containerd.io/opencontainers/runtime-spec/1/Spec';
const PROCESS_URL = 'types.containerd.io/opencontainers/runtime-spec/1/Process';
const RESOURCES_URL = 'types.containerd.io/opencontainers/runtime-spec/1/LinuxResources';
const CHUNK = 1 << 20;
/**
 * WRITE messages sent ahead of their answers. containerd handles a Write stream's messages in order,
 * so nothing is lost by not waiting; waiting for each answer left containerd idle (it hashes each
 * chunk) while the next one was read and encoded, and that left us idle while it hashed.
 */
const WRITES_AHEAD = 4;

function ts(v: unknown): Date | undefined {
  const t = v as { seconds?: number; nanos?: number } | null | undefined;
  if (!t || (!t.seconds && !t.nanos)) return undefined;
  return new Date((t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6));
}

type Timestamp = { seconds?: number; nanos?: number } | null | undefined;

/** How a process ended, from a Wait, Delete or DeleteProcess answer. */
export interface Exited {
  exitStatus: number;
  exitedAt?: Date;
  exitedAtNanos?: bigint;
}

function exitedOut(r: Obj): Exited {
  return {
    exitStatus: r.exit_status as number,
    exitedAt: ts(r.exited_at),
    exitedAtNanos: timestampNanos(r.exited_at as Timestamp),
  };
}

function anyJson(typeUrl: string, value: unknown): Obj {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return { type_url: typeUrl, value: Buffer.from(text) };
}

function anyOf(v: unknown): AnyValue {
  const a = (v ?? {}) as { type_url?: string; value?: Buffer };
  return { typeUrl: a.type_url ?? '', value: a.value ?? Buffer.alloc(0) };
}

const mountOut = (m: Obj): Mount => ({
  type: m.type as string,
  source: m.source as string,
  target: (m.target as string) || undefined,
  options: (m.options as string[]) ?? [],
});
const mountIn = (m: Mount): Obj => ({
  type: m.type,
  source: m.source,
  target: m.target ?? '',
  options: m.options,
});
const descOut = (d: Obj): Descriptor => ({
  mediaType: d.media_type as string,
  digest: d.digest as string,
  size: d.size as number,
  annotations: d.annotations as Record<string, string>,
});
const descIn = (d: Descriptor): Obj => ({
  media_type: d.mediaType,
  digest: d.digest,
  size: d.size,
  annotations: d.annotations ?? {},
});

function containerOut(c: Obj): Container {
  const rt = (c.runtime ?? {}) as Obj;
  const spec = c.spec as { value?: Buffer } | null;
  return {
    id: c.id as string,
    labels: (c.labels as Record<string, string>) ?? {},
    image: c.image as string,
    runtime: { name: (rt.name as string) ?? '', options: rt.options ? anyOf(rt.options) : undefined },
    spec: spec?.value && spec.value.length ? JSON.parse(spec.value.toString('utf8')) : undefined,
    snapshotter: c.snapshotter as string,
    snapshotKey: c.snapshot_key as string,
    createdAt: ts(c.created_at),
    updatedAt: ts(c.updated_at),
    extensions: Object.fromEntries(
      Object.entries((c.extensions as Record<string, unknown>) ?? {}).map(([k, v]) => [k, anyOf(v)]),
    ),
  };
}

function containerIn(c: Partial<Container> & { id: string }): Obj {
  return {
    id: c.id,
    labels: c.labels ?? {},
    image: c.image ?? '',
    runtime: c.runtime
      ? {
          name: c.runtime.name,
          ...(c.runtime.options
            ? { options: { type_url: c.runtime.options.typeUrl, value: c.runtime.options.value } }
            : {}),
        }
      : undefined,
    spec: c.spec !== undefined ? anyJson(SPEC_URL, c.spec) : undefined,
    snapshotter: c.snapshotter ?? '',
    snapshot_key: c.snapshotKey ?? '',
    extensions: Object.fromEntries(
      Object.entries(c.extensions ?? {}).map(([k, v]) => [k, { type_url: v.typeUrl, value: v.value }]),
    ),
  };
}

/** containerd leaves container_id empty in Get/List answers; the caller knows it (for List it is the id). */
function processOut(p: Obj, containerId?: string): Process {
  return {
    containerId: (p.container_id as string) || (containerId ?? (p.id as string)),
    id: p.id as string,
    pid: p.pid as number,
    status: p.status as TaskStatus,
    stdin: p.stdin as string,
    stdout: p.stdout as string,
    stderr: p.stderr as string,
    terminal: p.terminal as boolean,
    exitStatus: p.exit_status as number,
    exitedAt: ts(p.exited_at),
    exitedAtNanos: timestampNanos(p.exited_at as Timestamp),
  };
}

const imageOut = (i: Obj): Image => ({
  name: i.name as string,
  labels: (i.labels as Record<string, string>) ?? {},
  target: descOut(i.target as Obj),
  createdAt: ts(i.created_at),
  updatedAt: ts(i.updated_at),
});
const imageIn = (i: Image): Obj => ({ name: i.name, labels: i.labels ?? {}, target: descIn(i.target) });

const infoOut = (i: Obj): ContentInfo => ({
  digest: i.digest as string,
  size: i.size as number,
  createdAt: ts(i.created_at),
  updatedAt: ts(i.updated_at),
  labels: (i.labels as Record<string, string>) ?? {},
});

const snapOut = (i: Obj): SnapshotInfo => ({
  name: i.name as string,
  parent: i.parent as string,
  kind: i.kind as SnapshotInfo['kind'],
  createdAt: ts(i.created_at),
  updatedAt: ts(i.updated_at),
  labels: (i.labels as Record<string, string>) ?? {},
});

const leaseOut = (l: Obj): Lease => ({
  id: l.id as string,
  createdAt: ts(l.created_at),
  labels: (l.labels as Record<string, string>) ?? {},
});

const camel = (k: string): string => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** A google.protobuf.Timestamp as the codec gives it back. */
function isTimestamp(v: unknown): v is { seconds: number; nanos: number } {
  if (!v || typeof v !== 'object') return false;
  const keys = Object.keys(v);
  return keys.length === 2 && keys.includes('seconds') && keys.includes('nanos');
}

/** An event payload as a plain object, if it is one of the containerd messages tsdock defines. */
function decodeEvent(ev: AnyValue): Record<string, unknown> | undefined {
  const t = lookupType(ev.typeUrl.replace(/^.*\//, ''));
  if (!t) return undefined;
  const raw = decode(t, ev.value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) out[camel(k)] = isTimestamp(v) ? ts(v) : v;
  return out;
}

export class ContainerdClient {
  private readonly rpc: Rpc;
  private lease?: string;

  constructor(
    readonly address: string,
    readonly namespace: string,
    shared?: Rpc,
  ) {
    const meta = () => {
      const m: Metadata = { 'containerd-namespace': this.namespace };
      if (this.lease) m['containerd-lease'] = this.lease;
      return m;
    };
    this.rpc = shared ? shared.withMetadata(meta) : new Rpc(address, meta);
  }

  close(): void {
    this.rpc.close();
  }

  private call(svc: string, method: string, req: Obj, opts?: CallOptions): Promise<Obj> {
    const [pkg, service] = svc.split('/') as [string, string];
    const full = (n: string) => (n.includes('.') ? n : `${pkg}.${n}`);
    return this.rpc.unary(
      `/${pkg}.${service}/${method}`,
      full(reqName(service, method)),
      full(resName(service, method)),
      req,
      opts,
    );
  }

  async version(): Promise<{ version: string; revision: string }> {
    const r = await this.rpc.unary(
      '/containerd.services.version.v1.Version/Version',
      'google.protobuf.Empty',
      'containerd.services.version.v1.VersionResponse',
      {},
    );
    return { version: r.version as string, revision: r.revision as string };
  }

  /** A view of this client whose every call carries an existing lease (same channel, no new connection). */
  usingLease(id: string): ContainerdClient {
    const leased = new ContainerdClient(this.address, this.namespace, this.rpc);
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
      containerOut((await this.call(CONTAINERS, 'Get', { id })).container as Obj),
    list: async (filters: string[] = []): Promise<Container[]> =>
      ((await this.call(CONTAINERS, 'List', { filters })).containers as Obj[]).map(containerOut),
    create: async (c: Partial<Container> & { id: string }): Promise<Container> =>
      containerOut((await this.call(CONTAINERS, 'Create', { container: containerIn(c) })).container as Obj),
    update: async (c: Partial<Container> & { id: string }, fieldPaths: string[]): Promise<Container> =>
      containerOut(
        (
          await this.call(CONTAINERS, 'Update', {
            container: containerIn(c),
            update_mask: { paths: fieldPaths },
          })
        ).container as Obj,
      ),
    delete: async (id: string): Promise<void> => {
      await this.call(CONTAINERS, 'Delete', { id });
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
      const res = await this.call(
        TASKS,
        'Create',
        {
          container_id: r.containerId,
          rootfs: (r.rootfs ?? []).map(mountIn),
          stdin: r.stdin ?? '',
          stdout: r.stdout ?? '',
          stderr: r.stderr ?? '',
          terminal: r.terminal ?? false,
        },
        { timeoutMs: 120_000 },
      );
      return { containerId: res.container_id as string, pid: res.pid as number };
    },
    start: async (containerId: string, execId = ''): Promise<{ pid: number }> => {
      const res = await this.call(
        TASKS,
        'Start',
        { container_id: containerId, exec_id: execId },
        { timeoutMs: 120_000 },
      );
      return { pid: res.pid as number };
    },
    delete: async (containerId: string): Promise<Exited & { pid: number }> => {
      const r = await this.call(TASKS, 'Delete', { container_id: containerId }, { timeoutMs: 60_000 });
      return { pid: r.pid as number, ...exitedOut(r) };
    },
    deleteProcess: async (containerId: string, execId: string): Promise<Exited & { pid: number }> => {
      const r = await this.call(TASKS, 'DeleteProcess', { container_id: containerId, exec_id: execId });
      return { pid: r.pid as number, ...exitedOut(r) };
    },
    get: async (containerId: string, execId = ''): Promise<Process> =>
      processOut(
        (await this.call(TASKS, 'Get', { container_id: containerId, exec_id: execId })).process as Obj,
        containerId,
      ),
    list: async (filter = ''): Promise<Process[]> =>
      ((await this.call(TASKS, 'List', { filter })).tasks as Obj[]).map((p) => processOut(p)),
    kill: async (
      containerId: string,
      signal: number,
      opts: { all?: boolean; execId?: string } = {},
    ): Promise<void> => {
      await this.call(TASKS, 'Kill', {
        container_id: containerId,
        exec_id: opts.execId ?? '',
        signal,
        all: opts.all ?? false,
      });
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
      await this.call(TASKS, 'Exec', {
        container_id: r.containerId,
        exec_id: r.execId,
        stdin: r.stdin ?? '',
        stdout: r.stdout ?? '',
        stderr: r.stderr ?? '',
        terminal: r.terminal ?? false,
        spec: anyJson(PROCESS_URL, r.spec),
      });
    },
    resizePty: async (containerId: string, width: number, height: number, execId = ''): Promise<void> => {
      await this.call(TASKS, 'ResizePty', { container_id: containerId, exec_id: execId, width, height });
    },
    closeIO: async (containerId: string, execId = ''): Promise<void> => {
      await this.call(TASKS, 'CloseIO', { container_id: containerId, exec_id: execId, stdin: true });
    },
    pause: async (containerId: string): Promise<void> => {
      await this.call(TASKS, 'Pause', { container_id: containerId });
    },
    resume: async (containerId: string): Promise<void> => {
      await this.call(TASKS, 'Resume', { container_id: containerId });
    },
    pids: async (containerId: string): Promise<number[]> =>
      ((await this.call(TASKS, 'ListPids', { container_id: containerId })).processes as Obj[]).map(
        (p) => p.pid as number,
      ),
    wait: async (containerId: string, execId = ''): Promise<Exited> => {
      const r = await this.call(
        TASKS,
        'Wait',
        { container_id: containerId, exec_id: execId },
        { timeoutMs: 0 },
      );
      return exitedOut(r);
    },
    metrics: async (filters: string[]): Promise<Metric[]> =>
      ((await this.call(TASKS, 'Metrics', { filters })).metrics as Obj[]).map((m) => ({
        timestamp: ts(m.timestamp),
        id: m.id as string,
        data: anyOf(m.data),
      })),
    update: async (containerId: string, resources: unknown): Promise<void> => {
      await this.call(TASKS, 'Update', {
        container_id: containerId,
        resources: anyJson(RESOURCES_URL, resources),
      });
    },
  };

  readonly images = {
    get: async (name: string): Promise<Image> =>
      imageOut((await this.call(IMAGES, 'Get', { name })).image as Obj),
    list: async (filters: string[] = []): Promise<Image[]> =>
      ((await this.call(IMAGES, 'List', { filters })).images as Obj[]).map(imageOut),
    create: async (img: Image): Promise<Image> =>
      imageOut((await this.call(IMAGES, 'Create', { image: imageIn(img) })).image as Obj),
    update: async (img: Image, fieldPaths: string[] = []): Promise<Image> =>
      imageOut(
        (
          await this.call(IMAGES, 'Update', {
            image: imageIn(img),
            update_mask: fieldPaths.length ? { paths: fieldPaths } : undefined,
          })
        ).image as Obj,
      ),
    delete: async (name: string, sync = false): Promise<void> => {
      await this.call(IMAGES, 'Delete', { name, sync });
    },
  };

  readonly content = {
    info: async (digest: string): Promise<ContentInfo> =>
      infoOut((await this.call(CONTENT, 'Info', { digest })).info as Obj),
    update: async (
      info: Partial<ContentInfo> & { digest: string },
      fieldPaths: string[],
    ): Promise<ContentInfo> =>
      infoOut(
        (
          await this.call(CONTENT, 'Update', {
            info: { digest: info.digest, labels: info.labels ?? {} },
            update_mask: { paths: fieldPaths },
          })
        ).info as Obj,
      ),
    list: async (filters: string[] = []): Promise<ContentInfo[]> => {
      const out: ContentInfo[] = [];
      for await (const r of this.rpc.serverStream(
        `/${CONTENT.replace('/', '.')}/List`,
        'containerd.services.content.v1.ListContentRequest',
        'containerd.services.content.v1.ListContentResponse',
        { filters },
      )) {
        out.push(...(r.info as Obj[]).map(infoOut));
      }
      return out;
    },
    delete: async (digest: string): Promise<void> => {
      await this.call(CONTENT, 'Delete', { digest });
    },
    /** The state of an unfinished ingest, e.g. how far an interrupted write got. */
    status: async (ref: string): Promise<IngestStatus> => {
      const st = (await this.call(CONTENT, 'Status', { ref })).status as Obj;
      return {
        ref: st.ref as string,
        offset: st.offset as number,
        total: st.total as number,
        expected: st.expected as string,
        startedAt: ts(st.started_at),
        updatedAt: ts(st.updated_at),
      };
    },
    abort: async (ref: string): Promise<void> => {
      await this.call(CONTENT, 'Abort', { ref });
    },
    read: (
      digest: string,
      opts: { offset?: number; size?: number; signal?: AbortSignal } = {},
    ): AsyncIterable<Buffer> => {
      const stream = this.rpc.serverStream(
        `/${CONTENT.replace('/', '.')}/Read`,
        'containerd.services.content.v1.ReadContentRequest',
        'containerd.services.content.v1.ReadContentResponse',
        { digest, offset: opts.offset ?? 0, size: opts.size ?? 0 },
        { signal: opts.signal },
      );
      return (async function* () {
        for await (const r of stream) yield r.data as Buffer;
      })();
    },
    readAll: async (digest: string): Promise<Buffer> => {
      const parts: Buffer[] = [];
      for await (const b of this.content.read(digest)) parts.push(b);
      return Buffer.concat(parts);
    },
    /**
     * containerd's Write protocol: STAT (resume point), WRITE chunks, COMMIT with digest and size.
     * True when this call stored the blob (and its labels), false when the store had it already.
     */
    write: async (r: WriteRequest): Promise<boolean> => {
      const d = await this.rpc.duplex(
        `/${CONTENT.replace('/', '.')}/Write`,
        'containerd.services.content.v1.WriteContentRequest',
        'containerd.services.content.v1.WriteContentResponse',
      );
      let opened: unknown = typeof r.source === 'function' ? undefined : r.source;
      try {
        const stat = await d.send({ action: 'STAT', ref: r.ref, total: r.total, expected: r.expected });
        const held = (stat.offset as number) ?? 0;
        let source: Buffer | AsyncIterable<Buffer>;
        let offset = 0;
        if (typeof r.source === 'function') ({ source, offset } = await r.source(held));
        else source = r.source;
        opened = source;
        const skip = held - offset;
        if (skip < 0) throw new Error(`ingest ${r.ref} holds ${held} bytes, the source starts at ${offset}`);
        const ahead: Promise<unknown>[] = [];
        const writeType = type('containerd.services.content.v1.WriteContentRequest');
        const fields = (at: number) =>
          encode(writeType, {
            action: 'WRITE',
            ref: r.ref,
            offset: at,
            total: r.total,
            expected: r.expected,
          });
        // A blob smaller than CHUNK gets a buffer of its size, not a MiB.
        const chunk = r.total > held ? Math.min(CHUNK, r.total - held) : CHUNK;
        const free: Buffer[] = [];
        const messages = writeMessages(source, {
          fields,
          offset,
          skip,
          chunk,
          end: r.total,
          free,
          ...(r.onBytes ? { onBytes: r.onBytes } : {}),
        });
        // What the ingest holds already is skipped in the source; containerd checks size and digest on commit.
        offset += skip;
        for await (const w of messages) {
          const answer = d.send(w.message);
          // A failure rejects every answer still due; the oldest one is the one awaited.
          answer.then(() => free.push(w.buffer)).catch(() => undefined);
          ahead.push(answer);
          if (ahead.length >= WRITES_AHEAD) await ahead.shift();
          offset += w.length;
        }
        for (const answer of ahead) await answer;
        // The offset must be the bytes written: containerd truncates an ingest on a request at offset 0.
        await d.send({
          action: 'COMMIT',
          ref: r.ref,
          offset,
          total: r.total,
          expected: r.expected,
          labels: r.labels ?? {},
        });
        return true;
      } catch (err) {
        if ((err as { grpcCode?: number }).grpcCode !== 6) throw err;
        // ALREADY_EXISTS: the blob is there; a stream source not read yet must not stay open
        (opened as { destroy?: () => void } | undefined)?.destroy?.();
        return false;
      } finally {
        await d.close();
      }
    },
  };

  snapshots = {
    prepare: async (
      key: string,
      parent = '',
      labels: Record<string, string> = {},
      snapshotter = 'overlayfs',
    ): Promise<Mount[]> =>
      ((await this.call(SNAPSHOTS, 'Prepare', { snapshotter, key, parent, labels })).mounts as Obj[]).map(
        mountOut,
      ),
    view: async (
      key: string,
      parent: string,
      labels: Record<string, string> = {},
      snapshotter = 'overlayfs',
    ): Promise<Mount[]> =>
      ((await this.call(SNAPSHOTS, 'View', { snapshotter, key, parent, labels })).mounts as Obj[]).map(
        mountOut,
      ),
    mounts: async (key: string, snapshotter = 'overlayfs'): Promise<Mount[]> =>
      ((await this.call(SNAPSHOTS, 'Mounts', { snapshotter, key })).mounts as Obj[]).map(mountOut),
    commit: async (
      name: string,
      key: string,
      labels: Record<string, string> = {},
      snapshotter = 'overlayfs',
    ): Promise<void> => {
      await this.call(SNAPSHOTS, 'Commit', { snapshotter, name, key, labels }, { timeoutMs: 120_000 });
    },
    remove: async (key: string, snapshotter = 'overlayfs'): Promise<void> => {
      await this.call(SNAPSHOTS, 'Remove', { snapshotter, key });
    },
    stat: async (key: string, snapshotter = 'overlayfs'): Promise<SnapshotInfo> =>
      snapOut((await this.call(SNAPSHOTS, 'Stat', { snapshotter, key })).info as Obj),
    list: async (filters: string[] = [], snapshotter = 'overlayfs'): Promise<SnapshotInfo[]> => {
      const out: SnapshotInfo[] = [];
      for await (const r of this.rpc.serverStream(
        `/${SNAPSHOTS.replace('/', '.')}/List`,
        'containerd.services.snapshots.v1.ListSnapshotsRequest',
        'containerd.services.snapshots.v1.ListSnapshotsResponse',
        { snapshotter, filters },
      )) {
        out.push(...(r.info as Obj[]).map(snapOut));
      }
      return out;
    },
    usage: async (key: string, snapshotter = 'overlayfs'): Promise<{ size: number; inodes: number }> => {
      const r = await this.call(SNAPSHOTS, 'Usage', { snapshotter, key });
      return { size: r.size as number, inodes: r.inodes as number };
    },
  };

  readonly diff = {
    apply: async (desc: Descriptor, mounts: Mount[]): Promise<Descriptor> =>
      descOut(
        (
          await this.call(
            DIFF,
            'Apply',
            { diff: descIn(desc), mounts: mounts.map(mountIn) },
            { timeoutMs: 600_000 },
          )
        ).applied as Obj,
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
          await this.call(
            DIFF,
            'Diff',
            {
              left: r.left.map(mountIn),
              right: r.right.map(mountIn),
              media_type: r.mediaType ?? '',
              ref: r.ref ?? '',
              labels: r.labels ?? {},
            },
            { timeoutMs: 600_000 },
          )
        ).diff as Obj,
      ),
  };

  readonly leases = {
    create: async (r: { id?: string; labels?: Record<string, string> } = {}): Promise<Lease> =>
      leaseOut(
        (
          await this.call(LEASES, 'Create', {
            id: r.id ?? `tsdock-${randomHex(8)}`,
            labels: r.labels ?? {},
          })
        ).lease as Obj,
      ),
    delete: async (id: string, sync = false): Promise<void> => {
      await this.call(LEASES, 'Delete', { id, sync });
    },
    list: async (filters: string[] = []): Promise<Lease[]> =>
      ((await this.call(LEASES, 'List', { filters })).leases as Obj[]).map(leaseOut),
  };

  readonly namespaces = {
    list: async (): Promise<{ name: string; labels: Record<string, string> }[]> =>
      ((await this.call(NAMESPACES, 'List', {})).namespaces as Obj[]).map((n) => ({
        name: n.name as string,
        labels: (n.labels as Record<string, string>) ?? {},
      })),
    get: async (name: string): Promise<{ name: string; labels: Record<string, string> }> => {
      const n = (await this.call(NAMESPACES, 'Get', { name })).namespace as Obj;
      return { name: n.name as string, labels: (n.labels as Record<string, string>) ?? {} };
    },
    create: async (name: string, labels: Record<string, string> = {}): Promise<void> => {
      await this.call(NAMESPACES, 'Create', { namespace: { name, labels } });
    },
  };

  readonly events = {
    subscribe: (filters: string[] = [], signal?: AbortSignal): AsyncIterable<Envelope> => {
      const stream = this.rpc.serverStream(
        '/containerd.services.events.v1.Events/Subscribe',
        'containerd.services.events.v1.SubscribeRequest',
        'containerd.services.events.v1.Envelope',
        { filters },
        { signal, timeoutMs: 0 },
      );
      return (async function* () {
        for await (const e of stream) {
          const ev = anyOf(e.event);
          const decoded = decodeEvent(ev);
          yield {
            timestamp: ts(e.timestamp) ?? new Date(),
            namespace: e.namespace as string,
            topic: e.topic as string,
            event: { ...ev, decoded },
          };
        }
      })();
    },
  };

  readonly introspection = {
    plugins: async (filters: string[] = []): Promise<Plugin[]> =>
      ((await this.call(INTROSPECTION, 'Plugins', { filters })).plugins as Obj[]).map((p) => {
        const err = p.init_err as { code?: number; message?: string } | null;
        return {
          type: p.type as string,
          id: p.id as string,
          requires: (p.requires as string[]) ?? [],
          platforms: (p.platforms as Plugin['platforms']) ?? [],
          exports: (p.exports as Record<string, string>) ?? {},
          capabilities: (p.capabilities as string[]) ?? [],
          initErr:
            err && (err.code || err.message)
              ? { code: err.code ?? 0, message: err.message ?? '' }
              : undefined,
        };
      }),
    server: async (): Promise<{ uuid: string }> => {
      const r = await this.rpc.unary(
        '/containerd.services.introspection.v1.Introspection/Server',
        'google.protobuf.Empty',
        'containerd.services.introspection.v1.ServerResponse',
        {},
      );
      return { uuid: r.uuid as string };
    },
  };
}

const CONTAINERS = 'containerd.services.containers.v1/Containers';
const TASKS = 'containerd.services.tasks.v1/Tasks';
const IMAGES = 'containerd.services.images.v1/Images';
const CONTENT = 'containerd.services.content.v1/Content';
const SNAPSHOTS = 'containerd.services.snapshots.v1/Snapshots';
const DIFF = 'containerd.services.diff.v1/Diff';
const LEASES = 'containerd.services.leases.v1/Leases';
const NAMESPACES = 'containerd.services.namespaces.v1/Namespaces';
const INTROSPECTION = 'containerd.services.introspection.v1/Introspection';

/** containerd's request/response message names, where they do not follow `<Method>Request`. */
const NAMES: Record<string, [string, string]> = {
  'Containers/Get': ['GetContainerRequest', 'GetContainerResponse'],
  'Containers/List': ['ListContainersRequest', 'ListContainersResponse'],
  'Containers/Create': ['CreateContainerRequest', 'CreateContainerResponse'],
  'Containers/Update': ['UpdateContainerRequest', 'UpdateContainerResponse'],
  'Containers/Delete': ['DeleteContainerRequest', 'google.protobuf.Empty'],
  'Tasks/Create': ['CreateTaskRequest', 'CreateTaskResponse'],
  'Tasks/Start': ['StartRequest', 'StartResponse'],
  'Tasks/Delete': ['DeleteTaskRequest', 'DeleteResponse'],
  'Tasks/DeleteProcess': ['DeleteProcessRequest', 'DeleteResponse'],
  'Tasks/Get': ['GetRequest', 'GetResponse'],
  'Tasks/List': ['ListTasksRequest', 'ListTasksResponse'],
  'Tasks/Kill': ['KillRequest', 'google.protobuf.Empty'],
  'Tasks/Exec': ['ExecProcessRequest', 'google.protobuf.Empty'],
  'Tasks/ResizePty': ['ResizePtyRequest', 'google.protobuf.Empty'],
  'Tasks/CloseIO': ['CloseIORequest', 'google.protobuf.Empty'],
  'Tasks/Pause': ['PauseTaskRequest', 'google.protobuf.Empty'],
  'Tasks/Resume': ['ResumeTaskRequest', 'google.protobuf.Empty'],
  'Tasks/ListPids': ['ListPidsRequest', 'ListPidsResponse'],
  'Tasks/Update': ['UpdateTaskRequest', 'google.protobuf.Empty'],
  'Tasks/Metrics': ['MetricsRequest', 'MetricsResponse'],
  'Tasks/Wait': ['WaitRequest', 'WaitResponse'],
  'Images/Get': ['GetImageRequest', 'GetImageResponse'],
  'Images/List': ['ListImagesRequest', 'ListImagesResponse'],
  'Images/Create': ['CreateImageRequest', 'CreateImageResponse'],
  'Images/Update': ['UpdateImageRequest', 'UpdateImageResponse'],
  'Images/Delete': ['DeleteImageRequest', 'google.protobuf.Empty'],
  'Content/Info': ['InfoRequest', 'InfoResponse'],
  'Content/Update': ['UpdateRequest', 'UpdateResponse'],
  'Content/Delete': ['DeleteContentRequest', 'google.protobuf.Empty'],
  'Content/Status': ['StatusRequest', 'StatusResponse'],
  'Content/Abort': ['AbortRequest', 'google.protobuf.Empty'],
  'Snapshots/Prepare': ['PrepareSnapshotRequest', 'PrepareSnapshotResponse'],
  'Snapshots/View': ['ViewSnapshotRequest', 'ViewSnapshotResponse'],
  'Snapshots/Mounts': ['MountsRequest', 'MountsResponse'],
  'Snapshots/Commit': ['CommitSnapshotRequest', 'google.protobuf.Empty'],
  'Snapshots/Remove': ['RemoveSnapshotRequest', 'google.protobuf.Empty'],
  'Snapshots/Stat': ['StatSnapshotRequest', 'StatSnapshotResponse'],
  'Snapshots/Usage': ['UsageRequest', 'UsageResponse'],
  'Diff/Apply': ['ApplyRequest', 'ApplyResponse'],
  'Diff/Diff': ['DiffRequest', 'DiffResponse'],
  'Leases/Create': ['CreateRequest', 'CreateResponse'],
  'Leases/Delete': ['DeleteRequest', 'google.protobuf.Empty'],
  'Leases/List': ['ListRequest', 'ListResponse'],
  'Namespaces/Get': ['GetNamespaceRequest', 'GetNamespaceResponse'],
  'Namespaces/List': ['ListNamespacesRequest', 'ListNamespacesResponse'],
  'Namespaces/Create': ['CreateNamespaceRequest', 'CreateNamespaceResponse'],
  'Introspection/Plugins': ['PluginsRequest', 'PluginsResponse'],
};

function reqName(service: string, method: string): string {
  return NAMES[`${service}/${method}`]![0];
}
function resName(service: string, method: string): string {
  return NAMES[`${service}/${method}`]![1];
}
