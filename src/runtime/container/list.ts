/** `ps` / `container ls`: rows with Docker's fields, filtered and ordered as Docker does. */
import type { RuntimeContext } from '../context.js';
import type { Process } from '../containerd/types.js';
import { CorruptRecordError, NotFoundError, RequestError, UsageError } from '../errors.js';
import { renderList } from '../format/output.js';
import {
  formatLabels,
  formatPorts,
  type PortSummary,
  goTime,
  psCommand,
  runningFor,
  shortId,
  statusString,
} from '../format/ps.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectCgroupVersion } from '../cgroups/files.js';
import { readJsonSync } from '../state/files.js';
import { probeCgroup } from '../cgroups/probe.js';
import { CREATING_FILE } from './repair.js';
import {
  ContainerFiles,
  cgroupPathOf,
  initialState,
  type ContainerRecord,
  type ContainerRunState,
} from '../state/records.js';
import { liveState, salvagedRecord, statePaths } from './store.js';
import { readEndpointSync, type EndpointRecord } from '../network/records.js';
import { bindAddress, splitPortKey } from '../network/port-keys.js';

/** Docker lists a running container's published ports, and its exposed ones without a host side. */
function portSummary(record: ContainerRecord, state: ContainerRunState, ep?: EndpointRecord): PortSummary[] {
  if (state.status !== 'running' && state.status !== 'paused') return [];
  const out: PortSummary[] = [];
  const published = new Set<string>();
  for (const p of ep?.ports ?? []) {
    published.add(`${p.containerPort}/${p.proto}`);
    out.push({
      IP: bindAddress(p.hostIp),
      PrivatePort: p.containerPort,
      PublicPort: p.hostPort,
      Type: p.proto,
    });
  }
  for (const key of Object.keys((record.config.ExposedPorts ?? {}) as Record<string, object>)) {
    if (published.has(key)) continue;
    const { port, proto } = splitPortKey(key);
    out.push({ PrivatePort: port, Type: proto });
  }
  return out;
}

export interface ListOptions {
  all: boolean;
  quiet: boolean;
  last?: number; // -n N; -l is last 1
  size: boolean;
  noTrunc: boolean;
  filters: string[];
  format?: string;
}

export interface ContainerSummary {
  id: string;
  record: ContainerRecord;
  state: ContainerRunState;
  created: Date;
  /** Its network endpoint, if it has one (ps PORTS). */
  endpoint?: EndpointRecord;
  /** A record of it is damaged (the message names the file): listed as dead, skipped by stats and prune. */
  damaged?: string;
}

/** The name a container's reservation holds, for one whose container.json cannot say (damaged). */
function reservedName(namesDir: string, id: string): string {
  let names: string[] = [];
  try {
    names = readdirSync(namesDir);
  } catch {
    return '';
  }
  for (const n of names) {
    try {
      if ((JSON.parse(readFileSync(join(namesDir, n), 'utf8')) as { id?: string }).id === id) return n;
    } catch {
      /* a damaged or vanished reservation: not this one's */
    }
  }
  return '';
}

const FILTER_KEYS = new Set([
  'id',
  'name',
  'label',
  'status',
  'ancestor',
  'exited',
  'before',
  'since',
  'network',
]);
const STATUSES = new Set(['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead']);

function parseFilters(raw: string[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const f of raw) {
    const eq = f.indexOf('=');
    if (eq <= 0)
      throw new UsageError(
        `invalid argument "${f}" for "-f, --filter" flag: bad format of filter (expected name=value)`,
      );
    const key = f.slice(0, eq).toLowerCase();
    // The engine rejects unknown filters, so Docker's CLI exits 1 here (125 is for its own flag errors).
    if (!FILTER_KEYS.has(key)) throw new RequestError(`Error response from daemon: invalid filter '${key}'`);
    const value = f.slice(eq + 1);
    if (key === 'status' && !STATUSES.has(value)) {
      throw new RequestError(`Error response from daemon: invalid filter 'status=${value}'`);
    }
    m.set(key, [...(m.get(key) ?? []), value]);
  }
  return m;
}

function nameMatches(pattern: string, name: string): boolean {
  try {
    return new RegExp(pattern).test(name);
  } catch {
    return name.includes(pattern);
  }
}

const LIVE = new Set(['running', 'paused', 'restarting']);

/**
 * Every tsdock container in the namespace with its live state (shared by ps, stats, prune), from
 * tsdock's state files and the containers' cgroups. containerd is asked only about containers
 * whose cgroup cannot tell (recorded as running, cgroup gone or empty: an exit being recorded).
 */
export async function summaries(ctx: RuntimeContext): Promise<ContainerSummary[]> {
  const paths = statePaths(ctx);
  // Read synchronously: a few small files per container, which the thread pool would only delay
  // (and node:fs/promises costs a `ps` ~2 ms to load).
  let ids: string[] = [];
  try {
    ids = readdirSync(paths.containers);
  } catch {
    /* nothing created yet */
  }
  const version = detectCgroupVersion();
  const undecided: ContainerSummary[] = [];
  const warnings: string[] = [];
  const rows = await Promise.all(
    ids.map(async (id): Promise<ContainerSummary | undefined> => {
      if (!/^[0-9a-f]{64}$/.test(id)) return undefined;
      const files = new ContainerFiles(paths.container(id));
      // A damaged record costs this container its details, not the listing of the others.
      let damaged: CorruptRecordError | undefined;
      let record: ContainerRecord | undefined;
      try {
        record = files.readRecordSync();
      } catch (err) {
        if (!(err instanceof CorruptRecordError)) throw err;
        damaged = err;
        record = salvagedRecord(ctx, id, reservedName(paths.names, id), files);
      }
      let recorded: ContainerRunState;
      try {
        recorded = files.readStateSync();
      } catch (err) {
        if (!(err instanceof CorruptRecordError)) throw err;
        damaged ??= err;
        recorded = initialState();
      }
      if (damaged) {
        warnings.push(damaged.message);
        recorded.status = 'dead';
        recorded.error = damaged.message;
      }
      const creating = existsSync(join(files.dir, CREATING_FILE));
      let endpoint: EndpointRecord | undefined;
      try {
        endpoint = readEndpointSync(ctx, id);
      } catch {
        endpoint = undefined;
      }
      // A create in progress (or one that a killed tsdock left for repair) is not a container yet.
      if (!record || creating) return undefined;
      const row: ContainerSummary = {
        id,
        record,
        state: recorded,
        created: new Date(record.created),
        ...(endpoint ? { endpoint } : {}),
        ...(damaged ? { damaged: damaged.message } : {}),
      };
      if (!LIVE.has(recorded.status)) return row;
      const probe = probeCgroup(cgroupPathOf(record), version);
      if (probe === 'running') {
        row.state = { ...recorded, status: recorded.status === 'restarting' ? 'restarting' : 'running' };
      } else if (probe === 'paused') row.state = { ...recorded, status: 'paused' };
      else undecided.push(row);
      return row;
    }),
  );
  if (undecided.length) {
    const client = await ctx.client();
    const tasks = new Map<string, Process>((await client.tasks.list()).map((t) => [t.id, t]));
    await Promise.all(
      undecided.map(async (row) => {
        const task = tasks.get(row.id);
        // No task, yet recorded as running: finalizeExit has deleted the task and is writing the exit
        // right now. Its record has the real code and time (liveState alone can only guess).
        const recorded = task
          ? row.state
          : await awaitRecord(new ContainerFiles(paths.container(row.id)), row.state);
        row.state = liveState(recorded, task);
      }),
    );
  }
  for (const w of warnings) ctx.stdio.stderr.write(`WARNING: ${w}\n`);
  return rows
    .filter((r): r is ContainerSummary => r !== undefined)
    .sort((a, b) => b.created.getTime() - a.created.getTime());
}

/**
 * The state once the exit being recorded has landed: polled, not locked (the lock helper would make
 * the directory again if a --rm removal took it meanwhile), and briefly, so a crashed exit hook
 * cannot hold `ps` up.
 */
async function awaitRecord(files: ContainerFiles, seen: ContainerRunState): Promise<ContainerRunState> {
  for (let waited = 0; waited < 1000; waited += 20) {
    await new Promise((r) => setTimeout(r, 20));
    // Gone (a --rm removal finished): what was seen is all there is; liveState calls it exited.
    let now: ContainerRunState | undefined;
    try {
      now = readJsonSync<ContainerRunState>(files.statePath);
    } catch {
      now = undefined;
    }
    if (!now) return seen;
    if (!LIVE.has(now.status)) return now;
  }
  return seen;
}

export function applyFilters(rows: ContainerSummary[], opts: ListOptions): ContainerSummary[] {
  const filters = parseFilters(opts.filters);
  // Only a status filter implies -a (Docker: `--filter exited=3` alone lists running containers only).
  let all = opts.all || filters.has('status');
  if (opts.last !== undefined && opts.last > 0) all = true;
  const refTime = (ref: string): number => {
    const r = rows.find((x) => x.id.startsWith(ref) || x.record.name === ref);
    if (!r) throw new NotFoundError(`Error response from daemon: No such container: ${ref}`);
    return r.created.getTime();
  };
  let out = rows.filter((r) => {
    const s = r.state.status;
    if (!all && s !== 'running' && s !== 'paused' && s !== 'restarting') return false;
    for (const [key, values] of filters) {
      const any = (pred: (v: string) => boolean) => values.some(pred);
      switch (key) {
        case 'id':
          if (!any((v) => r.id.startsWith(v))) return false;
          break;
        case 'name':
          if (!any((v) => nameMatches(v, r.record.name))) return false;
          break;
        case 'label': {
          const labels = (r.record.config.Labels ?? {}) as Record<string, string>;
          // every label filter must match (Docker ANDs label filters)
          for (const v of values) {
            const eq = v.indexOf('=');
            if (eq < 0 ? !(v in labels) : labels[v.slice(0, eq)] !== v.slice(eq + 1)) return false;
          }
          break;
        }
        case 'status':
          if (!any((v) => v === s)) return false;
          break;
        case 'exited':
          if (s !== 'exited' || !any((v) => Number(v) === r.state.exitCode)) return false;
          break;
        case 'ancestor':
          if (
            !any((v) => v === r.record.imageRef || r.record.imageName === v || r.record.imageId.includes(v))
          )
            return false;
          break;
        case 'before':
          if (!any((v) => r.created.getTime() < refTime(v))) return false;
          break;
        case 'since':
          if (!any((v) => r.created.getTime() > refTime(v))) return false;
          break;
        case 'network':
          if (!any((v) => r.record.networkMode === v)) return false;
          break;
      }
    }
    return true;
  });
  if (opts.last !== undefined && opts.last > 0) out = out.slice(0, opts.last);
  return out;
}

/** A ps row: keys in Docker's `{{json .}}` order (sorted), `.Label "k"` as a hidden method. */
export function psRow(
  r: ContainerSummary,
  opts: { noTrunc: boolean; now: Date; size?: string },
): Record<string, unknown> {
  const labels = (r.record.config.Labels ?? {}) as Record<string, string>;
  const row: Record<string, unknown> = {
    Command: psCommand(r.record.path, r.record.args, opts.noTrunc),
    CreatedAt: goTime(r.created),
    ID: opts.noTrunc ? r.id : shortId(r.id),
    Image: r.record.imageRef,
    Labels: formatLabels(labels),
    LocalVolumes: '0',
    Mounts: '',
    Names: r.record.name,
    Networks: [r.record.networkMode, ...(r.record.extraNetworks ?? []).map((n) => n.name)].join(','),
    // docker/cli ≥ 26 has the image platform here; null when the engine does not report one.
    Platform: null,
    Ports: formatPorts(portSummary(r.record, r.state, r.endpoint)),
    RunningFor: runningFor(r.created, opts.now),
    Size: opts.size ?? '0B',
    State: r.state.status,
    Status: statusString({
      state: r.state.status,
      startedAt: new Date(r.state.startedAt),
      finishedAt: new Date(r.state.finishedAt),
      exitCode: r.state.exitCode,
      now: opts.now,
    }),
  };
  Object.defineProperty(row, 'Label', { value: (k: string) => labels[k] ?? '', enumerable: false });
  return row;
}

export async function listContainers(ctx: RuntimeContext, opts: ListOptions): Promise<void> {
  const rows = applyFilters(await summaries(ctx), opts);
  const now = new Date();
  let sizes: (string | undefined)[] = [];
  if (opts.size && !opts.quiet) sizes = await containerSizes(ctx, rows);
  let defaultTable =
    'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';
  if (opts.size) defaultTable += '\t{{.Size}}';
  const text = renderList({
    format: opts.format,
    quiet: opts.quiet,
    quietField: 'ID',
    defaultTable,
    headers: {
      ID: 'CONTAINER ID',
      Image: 'IMAGE',
      Command: 'COMMAND',
      RunningFor: 'CREATED',
      CreatedAt: 'CREATED AT',
      Status: 'STATUS',
      Ports: 'PORTS',
      Names: 'NAMES',
      Size: 'SIZE',
      Labels: 'LABELS',
      Mounts: 'MOUNTS',
      Networks: 'NETWORKS',
      LocalVolumes: 'LOCAL VOLUMES',
      State: 'STATE',
    },
    rows: rows.map((r, i) => psRow(r, { noTrunc: opts.noTrunc, now, size: sizes[i] })),
  });
  ctx.print(text);
}

/** `ps -s`: the writable layer's usage, and the image's on top of it as Docker's "virtual". */
async function containerSizes(ctx: RuntimeContext, rows: ContainerSummary[]): Promise<string[]> {
  const client = await ctx.client();
  const { humanSize } = await import('../format/units.js');
  return Promise.all(
    rows.map(async (r) => {
      try {
        const rw = await client.snapshots.usage(r.id);
        let virtual = rw.size;
        const info = await client.snapshots.stat(r.id);
        if (info.parent) virtual += await chainUsage(client, info.parent);
        return `${humanSize(rw.size)} (virtual ${humanSize(virtual)})`;
      } catch {
        return '0B';
      }
    }),
  );
}

async function chainUsage(
  client: Awaited<ReturnType<RuntimeContext['client']>>,
  key: string | undefined,
): Promise<number> {
  let total = 0;
  while (key) {
    total += (await client.snapshots.usage(key)).size;
    key = (await client.snapshots.stat(key)).parent || undefined;
  }
  return total;
}
