/** The containers of the namespace, each with its live state: what ps, stats, prune, rmi and info read. */
import type { RuntimeContext } from '../context.js';
import type { Process } from '../containerd/types.js';
import { CorruptRecordError } from '../errors.js';
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
import { readContainerMounts } from '../volumes/usage.js';
import type { MountPoint } from '../opts/mounts.js';

export interface ContainerSummary {
  id: string;
  record: ContainerRecord;
  state: ContainerRunState;
  created: Date;
  /** Its network endpoint, if it has one (ps PORTS). */
  endpoint?: EndpointRecord;
  /** A record of it is damaged (the message names the file): listed as dead, skipped by stats and prune. */
  damaged?: string;
  /** Its volumes and binds (ps MOUNTS, LOCAL VOLUMES, --filter volume). */
  mounts: MountPoint[];
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

const LIVE = new Set(['running', 'paused', 'restarting']);

/**
 * Read from tsdock's state files and the containers' cgroups; containerd is asked only about
 * containers whose cgroup cannot tell (recorded as running, cgroup gone or empty: an exit being
 * recorded).
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
      let mounts: MountPoint[] = [];
      try {
        mounts = readContainerMounts(files.dir);
      } catch (err) {
        if (!(err instanceof CorruptRecordError)) throw err;
        warnings.push(err.message);
      }
      const row: ContainerSummary = {
        id,
        record,
        state: recorded,
        created: new Date(record.created),
        ...(endpoint ? { endpoint } : {}),
        ...(damaged ? { damaged: damaged.message } : {}),
        mounts,
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
