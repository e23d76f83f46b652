/**
 * `docker stats`: one table (--no-stream), or a table redrawn every second until SIGINT (in
 * place, through ink, on a terminal; successive tables otherwise, as docker/cli prints them).
 */
import type { RuntimeContext } from '../../context.js';
import { detectCgroupVersion } from '../../cgroups/files.js';
import { readHostMemory } from '../../cgroups/stats.js';
import {
  collectStats,
  loadLiveTable,
  sampleAll,
  statsRow,
  statsTargets,
  type Sample,
  type StatsRow,
} from '../../container/stats.js';
import { renderList } from '../../format/output.js';

export interface StatsOptions {
  all: boolean;
  noStream: boolean;
  noTrunc: boolean;
  format?: string;
  /** Time between the two samples (and between redraws), ms. */
  intervalMs?: number;
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

function render(rows: StatsRow[], format: string | undefined): string {
  return renderList({
    format,
    defaultTable: DEFAULT_TABLE,
    headers: HEADERS,
    rows,
    typeName: '*container.statsContext',
  });
}

/** `stats --no-stream`'s data: one measurement (two samples apart) of each running container or of `refs`. */
export function statsSnapshot(
  ctx: RuntimeContext,
  refs: string[],
  opts: Pick<StatsOptions, 'all' | 'noTrunc' | 'intervalMs'>,
): Promise<StatsRow[]> {
  return collectStats(ctx, refs, opts);
}

export async function containerStats(ctx: RuntimeContext, refs: string[], opts: StatsOptions): Promise<void> {
  const out = ctx.stdio.stdout;
  if (opts.noStream) {
    out.write(render(await statsSnapshot(ctx, refs, opts), opts.format));
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
  const live = tty ? await loadLiveTable(out as NodeJS.WriteStream) : undefined;
  try {
    const version = detectCgroupVersion();
    const hostMemory = readHostMemory();
    let prev = new Map<string, Sample>();
    let named = await statsTargets(ctx, refs, opts.all);
    prev = sampleAll(named, version);
    while (!stopped) {
      await sleep(interval);
      if (stopped) break;
      // With no names given, containers that start or stop meanwhile come and go, as in Docker.
      if (refs.length === 0) named = await statsTargets(ctx, refs, opts.all);
      const cur = sampleAll(named, version);
      const rows = named.map((t) =>
        statsRow(t, prev.get(t.summary.id), cur.get(t.summary.id)!, hostMemory, opts.noTrunc),
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
