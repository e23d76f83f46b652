/** The containers of the namespace, each with its live state: what ps, stats, prune, rmi and info read. */
import type { RuntimeContext } from '../context.js';
import type { Container, Process } from '../containerd/types.js';
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
import { getTask, liveState, salvagedRecord, statePaths } from './store.js';
import { pendingExit } from './restart-policy.js';
import { foreignName, foreignRecord, foreignState, type Foreign } from './foreign.js';
import type { StatePaths } from '../state/paths.js';
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
  /** Its volumes and binds (ps MOUNTS, LOCAL VOLUMES, --filter volume); none for another client's. */
  mounts: MountPoint[];
  /** containerd's container (its snapshot, for ps -s). */
  container: Container;
  /**
   * Made by another client (ctr, a kubelet through CRI): `record` and `state` are what containerd
   * knows of it (see foreign.ts); stats and prune leave it alone.
   */
  foreign?: Foreign;
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

/** A container directory of tsdock's, as read for a listing. */
interface OwnRecord {
  id: string;
  /** Being created (or left for repair by a killed create): not a container yet. */
  creating: boolean;
  record?: ContainerRecord;
  state: ContainerRunState;
  endpoint?: EndpointRecord;
  damaged?: string;
  mounts: MountPoint[];
}

/**
 * Every container of the namespace, as containerd lists them (Containers.List): tsdock's own with
 * what its records add (name, ports, exit history), the others with what containerd knows. A
 * record whose container containerd no longer has is dropped, with what it held (gone.ts).
 * Whether one of tsdock's runs is read from its cgroup; containerd's tasks are listed only when
 * that cannot tell (recorded as running, cgroup gone or empty: an exit being recorded) or for
 * another client's containers.
 */
export async function summaries(ctx: RuntimeContext): Promise<ContainerSummary[]> {
  const client = await ctx.client();
  const listing = client.containers.list();
  listing.catch(() => undefined); // awaited below
  const paths = statePaths(ctx);
  // Read synchronously while containerd answers: a few small files per container, which the
  // thread pool would only delay (and node:fs/promises costs a `ps` ~2 ms to load).
  let ids: string[] = [];
  try {
    ids = readdirSync(paths.containers);
  } catch {
    /* nothing created yet */
  }
  const warnings: string[] = [];
  const own = new Map<string, OwnRecord>();
  for (const id of ids) {
    if (!/^[0-9a-f]{64}$/.test(id)) continue;
    own.set(id, readOwn(ctx, paths, id, warnings));
  }
  const containers = await listing;
  const listed = new Set(containers.map((c) => c.id));
  const gone = [...own.values()].filter((o) => !listed.has(o.id) && !o.creating && o.record).map((o) => o.id);
  const version = detectCgroupVersion();
  const undecided: ContainerSummary[] = [];
  const foreign: ContainerSummary[] = [];
  const rows: ContainerSummary[] = [];
  for (const c of containers) {
    const o = own.get(c.id);
    if (!o) {
      // A creation that began after the directories were read: not a container yet either.
      if (existsSync(paths.container(c.id))) continue;
      const f: Foreign = { id: c.id, name: foreignName(c), container: c };
      const row: ContainerSummary = {
        id: c.id,
        record: foreignRecord(f),
        state: foreignState(f),
        created: c.createdAt ?? new Date(0),
        container: c,
        foreign: f,
        mounts: [],
      };
      foreign.push(row);
      rows.push(row);
      continue;
    }
    if (!o.record || o.creating) continue;
    const row: ContainerSummary = {
      id: c.id,
      record: o.record,
      state: o.state,
      created: new Date(o.record.created),
      container: c,
      ...(o.endpoint ? { endpoint: o.endpoint } : {}),
      ...(o.damaged ? { damaged: o.damaged } : {}),
      mounts: o.mounts,
    };
    rows.push(row);
    if (!LIVE.has(o.state.status)) continue;
    const probe = probeCgroup(cgroupPathOf(o.record), version);
    if (probe === 'running') {
      row.state = { ...o.state, status: o.state.status === 'restarting' ? 'restarting' : 'running' };
    } else if (probe === 'paused') row.state = { ...o.state, status: 'paused' };
    else undecided.push(row);
  }
  await Promise.all([
    settleStates(ctx, paths, undecided, foreign),
    ...gone.map((id) =>
      // Loaded when there is one to drop: it brings the event journal and node:fs/promises (~1 ms).
      import('./gone.js')
        .then((m) => m.forgetGone(ctx, id))
        .catch((err: unknown) => {
          // Another command dropped it first (its lock went with the directory).
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
            warnings.push(
              `container ${id} is gone from containerd, its record stays: ${(err as Error).message}`,
            );
        }),
    ),
  ]);
  for (const w of warnings) ctx.stdio.stderr.write(`WARNING: ${w}\n`);
  return rows.sort((a, b) => b.created.getTime() - a.created.getTime());
}

/** One container directory: its records, or what is left of damaged ones (listed as dead). */
function readOwn(ctx: RuntimeContext, paths: StatePaths, id: string, warnings: string[]): OwnRecord {
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
  let state: ContainerRunState;
  try {
    state = files.readStateSync();
  } catch (err) {
    if (!(err instanceof CorruptRecordError)) throw err;
    damaged ??= err;
    state = initialState();
  }
  if (damaged) {
    warnings.push(damaged.message);
    state.status = 'dead';
    state.error = damaged.message;
  }
  let endpoint: EndpointRecord | undefined;
  try {
    endpoint = readEndpointSync(ctx, id);
  } catch {
    endpoint = undefined;
  }
  const creating = existsSync(join(files.dir, CREATING_FILE));
  let mounts: MountPoint[] = [];
  try {
    if (record && !creating) mounts = readContainerMounts(files.dir);
  } catch (err) {
    if (!(err instanceof CorruptRecordError)) throw err;
    warnings.push(err.message);
  }
  return {
    id,
    creating,
    state,
    mounts,
    ...(record ? { record } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(damaged ? { damaged: damaged.message } : {}),
  };
}

/** The tasks' word, for the rows whose cgroup could not tell and for other clients' containers. */
async function settleStates(
  ctx: RuntimeContext,
  paths: StatePaths,
  undecided: ContainerSummary[],
  foreign: ContainerSummary[],
): Promise<void> {
  if (!undecided.length && !foreign.length) return;
  const client = await ctx.client();
  const tasks = new Map<string, Process>((await client.tasks.list()).map((t) => [t.id, t]));
  for (const row of foreign) {
    const f = row.foreign!;
    f.task = tasks.get(row.id);
    row.state = foreignState(f);
  }
  await Promise.all(
    undecided.map(async (row) => {
      const task = tasks.get(row.id);
      // No task, yet recorded as running: finalizeExit has deleted the task and is writing the exit
      // right now. Its record has the real code and time (liveState alone can only guess).
      // Restarting with no task is the policy's back-off: nothing is being recorded.
      const recorded =
        task || row.state.status === 'restarting'
          ? row.state
          : await awaitRecord(new ContainerFiles(paths.container(row.id)), row.state);
      // A restart policy may have started the next run meanwhile: its task came after the list.
      const current =
        !task && recorded.status === 'running' && recorded.pid !== row.state.pid
          ? await getTask(client, row.id)
          : task;
      row.state = pendingExit(row.record, recorded, current, liveState(recorded, current));
    }),
  );
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
    // Recorded, or recorded and restarted already (a restart policy): a new state either way.
    if (!LIVE.has(now.status) || now.status !== seen.status || now.pid !== seen.pid) return now;
  }
  return seen;
}
