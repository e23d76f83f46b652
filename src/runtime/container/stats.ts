/**
 * `docker stats`: every container's figures from two samples of its cgroup taken about a second
 * apart. All containers are read at the same two instants, so twenty take as long as one.
 * Streaming redraws the table every second until SIGINT (in place, through ink, on a terminal;
 * printing successive tables otherwise, as docker/cli does).
 */
import { cpus } from 'node:os';
import type { RuntimeContext } from '../context.js';
import { cgroupPathOf } from '../state/records.js';
import {
  cpuPercent,
  effectiveLimit,
  formatStats,
  memoryUsed,
  readCgroupSample,
  readHostMemory,
  readNetDev,
  readSystemCpuNs,
  type CgroupSample,
} from '../cgroups/stats.js';
import { detectCgroupVersion } from '../cgroups/files.js';
import { renderList } from '../format/output.js';
import { summaries, type ContainerSummary } from './list.js';
import { findContainer } from './store.js';
import { importEsm } from '../../esm-import.js';

export interface StatsOptions {
  all: boolean;
  noStream: boolean;
  noTrunc: boolean;
  format?: string;
  /** Time between the two samples (and between redraws), ms. */
  intervalMs?: number;
}

interface Target {
  /** What the user named it by (or the ID when listing all): Docker's .Container. */
  label: string;
  summary: ContainerSummary;
}

interface Sample {
  cgroup: CgroupSample;
  systemNs: number;
  net: { rx: number; tx: number };
  running: boolean;
}

export interface StatsRow {
  BlockIO: string;
  CPUPerc: string;
  Container: string;
  ID: string;
  MemPerc: string;
  MemUsage: string;
  Name: string;
  NetIO: string;
  PIDs: string;
}

const DEFAULT_TABLE =
  'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';
const HEADERS = {
  ID: 'CONTAINER ID',
  Container: 'CONTAINER',
  Name: 'NAME',
  CPUPerc: 'CPU %',
  MemUsage: 'MEM USAGE / LIMIT',
  MemPerc: 'MEM %',
  NetIO: 'NET I/O',
  BlockIO: 'BLOCK I/O',
  PIDs: 'PIDS',
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function targets(ctx: RuntimeContext, refs: string[], all: boolean): Promise<Target[]> {
  // A container with a damaged record has nothing to measure that can be named (summaries warned).
  const list = (await summaries(ctx)).filter((s) => !s.damaged);
  if (refs.length === 0) {
    return list.filter((s) => all || s.state.status === 'running').map((s) => ({ label: s.id, summary: s }));
  }
  const byId = new Map(list.map((s) => [s.id, s]));
  const found = await Promise.all(refs.map((r) => findContainer(ctx, r)));
  return found.flatMap((f, i) => {
    const summary = byId.get(f.id);
    return summary ? [{ label: refs[i]!, summary }] : [];
  });
}

function sample(t: Target, version: 1 | 2, systemNs: number): Sample {
  const running = t.summary.state.status === 'running' && t.summary.state.pid > 0;
  return {
    cgroup: readCgroupSample(cgroupPathOf(t.summary.record), version, undefined),
    systemNs,
    net: running ? readNetDev(t.summary.state.pid) : { rx: 0, tx: 0 },
    running,
  };
}

function sampleAll(list: Target[], version: 1 | 2): Map<string, Sample> {
  const systemNs = readSystemCpuNs();
  return new Map(list.map((t) => [t.summary.id, sample(t, version, systemNs)]));
}

function row(
  t: Target,
  prev: Sample | undefined,
  cur: Sample,
  hostMemory: number,
  noTrunc: boolean,
): StatsRow {
  const id = noTrunc ? t.summary.id : t.summary.id.slice(0, 12);
  const name = t.summary.record.name.replace(/^\//, '') || '--';
  const c = cur.cgroup;
  const figures = cur.running
    ? {
        cpuPercent: prev
          ? cpuPercent(
              { cpuNs: prev.cgroup.cpuNs, systemNs: prev.systemNs },
              { cpuNs: c.cpuNs, systemNs: cur.systemNs },
              cpus().length,
            )
          : 0,
        memUsed: memoryUsed(c),
        memLimit: effectiveLimit(c.memLimit, hostMemory),
        netRx: cur.net.rx,
        netTx: cur.net.tx,
        blkRead: c.blkRead,
        blkWrite: c.blkWrite,
        pids: c.pids,
      }
    : { cpuPercent: 0, memUsed: 0, memLimit: 0, netRx: 0, netTx: 0, blkRead: 0, blkWrite: 0, pids: 0 };
  return { ...formatStats(figures), Container: t.label, ID: id, Name: name };
}

function render(rows: StatsRow[], format: string | undefined): string {
  return renderList({
    format,
    defaultTable: DEFAULT_TABLE,
    headers: HEADERS,
    rows,
    typeName: '*formatter.statsContext',
  });
}

/** One table's worth of rows: sample, wait, sample again. */
export async function collectStats(
  ctx: RuntimeContext,
  refs: string[],
  opts: Pick<StatsOptions, 'all' | 'noTrunc' | 'intervalMs'>,
): Promise<StatsRow[]> {
  const list = await targets(ctx, refs, opts.all);
  const version = detectCgroupVersion();
  const hostMemory = readHostMemory();
  const first = sampleAll(list, version);
  if (list.some((t) => first.get(t.summary.id)!.running)) await sleep(opts.intervalMs ?? 1000);
  const second = sampleAll(list, version);
  return list.map((t) =>
    row(t, first.get(t.summary.id), second.get(t.summary.id)!, hostMemory, opts.noTrunc),
  );
}

export async function containerStats(ctx: RuntimeContext, refs: string[], opts: StatsOptions): Promise<void> {
  const out = ctx.stdio.stdout;
  if (opts.noStream) {
    out.write(render(await collectStats(ctx, refs, opts), opts.format));
    return;
  }
  const interval = opts.intervalMs ?? 1000;
  const tty = (out as NodeJS.WriteStream).isTTY === true;
  let stopped = false;
  const onSigint = () => {
    stopped = true;
  };
  process.once('SIGINT', onSigint);
  // ink (and React) load only here: no other command pays for them.
  const live = tty
    ? (
        await importEsm<typeof import('./stats-view.js')>(new URL('./stats-view.js', import.meta.url).href)
      ).liveTable(out as NodeJS.WriteStream)
    : undefined;
  try {
    const version = detectCgroupVersion();
    const hostMemory = readHostMemory();
    let prev = new Map<string, Sample>();
    let named = await targets(ctx, refs, opts.all);
    prev = sampleAll(named, version);
    while (!stopped) {
      await sleep(interval);
      if (stopped) break;
      // With no names given, containers that start or stop meanwhile come and go, as in Docker.
      if (refs.length === 0) named = await targets(ctx, refs, opts.all);
      const cur = sampleAll(named, version);
      const rows = named.map((t) =>
        row(t, prev.get(t.summary.id), cur.get(t.summary.id)!, hostMemory, opts.noTrunc),
      );
      prev = cur;
      if (live) live.update(render(rows, opts.format));
      else out.write(render(rows, opts.format));
    }
  } finally {
    live?.stop();
    process.removeListener('SIGINT', onSigint);
  }
}
