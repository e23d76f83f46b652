/**
 * The figures of `docker stats` for containers: every container's row from two samples of its
 * cgroup taken about a second apart. All containers are read at the same two instants, so twenty
 * take as long as one.
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
import { processCgroupPath } from '../cgroups/process.js';
import { summaries, type ContainerSummary } from './list.js';
import { resolveContainer } from './store.js';
import { importEsm } from '../../esm-import.js';
import type { LiveTable } from './stats-view.js';

export interface StatsTarget {
  /** What the user named it by (or the ID when listing all): Docker's .Container. */
  label: string;
  summary: ContainerSummary;
}

export interface Sample {
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

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function statsTargets(
  ctx: RuntimeContext,
  refs: string[],
  all: boolean,
): Promise<StatsTarget[]> {
  // A container with a damaged record has nothing to measure that can be named (summaries warned).
  const version = detectCgroupVersion();
  const list = (await summaries(ctx)).filter((s) => !s.damaged).map((s) => withForeignCgroup(s, version));
  if (refs.length === 0) {
    return list.filter((s) => all || s.state.status === 'running').map((s) => ({ label: s.id, summary: s }));
  }
  const byId = new Map(list.map((s) => [s.id, s]));
  const found = await Promise.all(refs.map((r) => resolveContainer(ctx, r)));
  return found.flatMap((f, i) => {
    const summary = byId.get(f.id);
    return summary ? [{ label: refs[i]!, summary }] : [];
  });
}

/**
 * Another client's container (a kubelet's, say) has its cgroup where that client chose: the
 * kernel says where its running process is. One that does not run has nothing to measure.
 */
function withForeignCgroup(s: ContainerSummary, version: 1 | 2): ContainerSummary {
  if (!s.foreign) return s;
  const cgroupPath = processCgroupPath(s.state.status === 'running' ? s.state.pid : 0, version);
  return cgroupPath ? { ...s, record: { ...s.record, cgroupPath } } : s;
}

function sample(t: StatsTarget, version: 1 | 2, systemNs: number): Sample {
  const running = t.summary.state.status === 'running' && t.summary.state.pid > 0;
  return {
    cgroup: readCgroupSample(cgroupPathOf(t.summary.record), version, undefined),
    systemNs,
    net: running ? readNetDev(t.summary.state.pid) : { rx: 0, tx: 0 },
    running,
  };
}

export function sampleAll(list: StatsTarget[], version: 1 | 2): Map<string, Sample> {
  const systemNs = readSystemCpuNs();
  return new Map(list.map((t) => [t.summary.id, sample(t, version, systemNs)]));
}

export function statsRow(
  t: StatsTarget,
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

/** One table's worth of rows: sample, wait, sample again. */
export async function collectStats(
  ctx: RuntimeContext,
  refs: string[],
  opts: { all: boolean; noTrunc: boolean; intervalMs?: number },
): Promise<StatsRow[]> {
  const list = await statsTargets(ctx, refs, opts.all);
  const version = detectCgroupVersion();
  const hostMemory = readHostMemory();
  const first = sampleAll(list, version);
  if (list.some((t) => first.get(t.summary.id)!.running)) await sleep(opts.intervalMs ?? 1000);
  const second = sampleAll(list, version);
  return list.map((t) =>
    statsRow(t, first.get(t.summary.id), second.get(t.summary.id)!, hostMemory, opts.noTrunc),
  );
}

/** The live table on a terminal: an ES module of its own (ink is ESM-only), loaded beside this file or the bundle. */
export async function loadLiveTable(out: NodeJS.WriteStream): Promise<LiveTable> {
  const view = await importEsm<typeof import('./stats-view.js')>(
    new URL('./stats-view.js', import.meta.url).href,
  );
  return view.liveTable(out);
}
