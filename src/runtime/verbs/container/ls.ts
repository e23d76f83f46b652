/** `ps` / `container ls`: rows with Docker's fields, filtered and ordered as Docker does. */
import type { RuntimeContext } from '../../context.js';
import { NotFoundError, RequestError, TemplateError, UsageError } from '../../errors.js';
import { markStruct } from '../../format/gofmt.js';
import { compileTemplate, GoTemplateError } from '../../format/template.js';
import { renderList } from '../../format/output.js';
import {
  ellipsis,
  formatLabels,
  formatPorts,
  type PortSummary,
  goTime,
  psCommand,
  runningFor,
  shortId,
  statusString,
} from '../../format/ps.js';
import { summaries, type ContainerSummary } from '../../container/list.js';
import type { ContainerRecord, ContainerRunState } from '../../state/records.js';
import type { EndpointRecord } from '../../network/records.js';
import { bindAddress, splitPortKey } from '../../network/port-keys.js';

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
  'health',
  'volume',
]);
const HEALTH = new Set(['starting', 'healthy', 'unhealthy', 'none']);
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
    if (key === 'health' && !HEALTH.has(value)) {
      throw new RequestError(`Error response from daemon: Unrecognised filter value for health: ${value}`);
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
        case 'health':
          if (!any((v) => v === (r.state.health?.status ?? 'none'))) return false;
          break;
        case 'volume':
          // moby: a volume's name (a bind's source) or any mount's destination, exactly.
          if (!any((v) => r.mounts.some((m) => (m.Name || m.Source) === v || m.Destination === v)))
            return false;
          break;
      }
    }
    return true;
  });
  if (opts.last !== undefined && opts.last > 0) out = out.slice(0, opts.last);
  return out;
}

function statusOf(r: ContainerSummary, now: Date): string {
  return statusString({
    state: r.state.status,
    startedAt: new Date(r.state.startedAt),
    finishedAt: new Date(r.state.finishedAt),
    exitCode: r.state.exitCode,
    now,
    ...(r.state.health ? { health: r.state.health.status } : {}),
  });
}

/** One entry of the Engine API's container list (GET /containers/json), as the SDK returns it. */
export interface ContainerListEntry {
  Id: string;
  /** With a leading `/`, as the API has them. */
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  /** Unix seconds. */
  Created: number;
  Ports: PortSummary[];
  Labels: Record<string, string>;
  State: ContainerRunState['status'];
  Status: string;
  HostConfig: { NetworkMode: string };
}

/** `ps`'s selection (-a, -n, --filter) in the API's list shape, for callers that want data. */
export async function containerEntries(
  ctx: RuntimeContext,
  opts: Pick<ListOptions, 'all' | 'last' | 'filters'>,
): Promise<ContainerListEntry[]> {
  const rows = applyFilters(await summaries(ctx), { ...opts, quiet: false, size: false, noTrunc: true });
  const now = new Date();
  return rows.map((r) => ({
    Id: r.id,
    Names: [`/${r.record.name}`],
    Image: r.record.imageRef,
    ImageID: r.record.imageId,
    Command: [r.record.path, ...r.record.args].join(' '),
    Created: Math.floor(r.created.getTime() / 1000),
    Ports: portSummary(r.record, r.state, r.endpoint),
    Labels: { ...((r.record.config.Labels ?? {}) as Record<string, string>) },
    State: r.state.status,
    Status: statusOf(r, now),
    HostConfig: { NetworkMode: r.record.networkMode },
  }));
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
    LocalVolumes: String(r.mounts.filter((m) => m.Driver === 'local').length),
    Mounts: r.mounts
      .map((m) => (opts.noTrunc ? m.Name || m.Source : ellipsis(m.Name || m.Source, 15)))
      .join(','),
    Names: r.record.name,
    Networks: [r.record.networkMode, ...(r.record.extraNetworks ?? []).map((n) => n.name)].join(','),
    // docker/cli ≥ 26 has the image platform here; null when the engine does not report one.
    Platform: null,
    Ports: formatPorts(portSummary(r.record, r.state, r.endpoint)),
    RunningFor: runningFor(r.created, opts.now),
    Size: opts.size ?? '0B',
    State: r.state.status,
    Status: statusOf(r, opts.now),
  };
  Object.defineProperty(row, 'Label', { value: (k: string) => labels[k] ?? '', enumerable: false });
  return row;
}

/**
 * docker/cli's ps checks --format before it lists anything (buildContainerListOptions): the text
 * as typed (`table` and literal `\t` included) is parsed, then run once over an empty
 * ContainerContext; either failure ends ps with status 1, containers or not.
 */
function checkPsFormat(format: string): void {
  let tmpl;
  try {
    tmpl = compileTemplate(format);
  } catch (err) {
    if (!(err instanceof GoTemplateError)) throw err;
    throw new TemplateError(`failed to parse template: ${err.goMessage}`, 1);
  }
  // What ContainerContext's methods return for a zero container.
  const empty: Record<string, unknown> = {
    Command: '""',
    CreatedAt: goTime(new Date(0)),
    ID: '',
    Image: '<no image>',
    Labels: '',
    LocalVolumes: '0',
    Mounts: '',
    Names: '',
    Networks: '',
    Platform: null,
    Ports: '',
    RunningFor: `${runningFor(new Date(0), new Date())}`,
    Size: '0B',
    State: '',
    Status: '',
  };
  Object.defineProperty(empty, 'Label', { value: (_key: string) => '', enumerable: false });
  const r = tmpl.executePartial(markStruct(empty, '*formatter.ContainerContext'));
  if (r.error) throw new TemplateError(`failed to execute template: ${r.error.goMessage}`, 1);
}

export async function listContainers(ctx: RuntimeContext, opts: ListOptions): Promise<void> {
  if (opts.format) {
    if (opts.quiet)
      ctx.stdio.stderr.write('WARNING: Ignoring custom format, because both --format and --quiet are set.\n');
    checkPsFormat(opts.format);
  }
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
    typeName: '*formatter.ContainerContext',
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
  const { humanSize } = await import('../../format/units.js');
  return Promise.all(
    rows.map(async (r) => {
      // Another client's container may have its snapshot under another key, in another snapshotter.
      const key = r.container.snapshotKey || r.id;
      const snapshotter = r.container.snapshotter || undefined;
      try {
        const rw = await client.snapshots.usage(key, snapshotter);
        let virtual = rw.size;
        const info = await client.snapshots.stat(key, snapshotter);
        if (info.parent) virtual += await chainUsage(client, info.parent, snapshotter);
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
  snapshotter?: string,
): Promise<number> {
  let total = 0;
  while (key) {
    total += (await client.snapshots.usage(key, snapshotter)).size;
    key = (await client.snapshots.stat(key, snapshotter)).parent || undefined;
  }
  return total;
}
