/**
 * Finding tsdock's containers and their live state. containerd says whether a container exists and
 * whether its task runs; tsdock's files say the rest (Docker-shaped config, exit history).
 */
import { rfc3339NanoOf } from '../state/clock.js';
import type { ContainerdClient } from '../containerd/client.js';
import type { Container, Mount, Process } from '../containerd/types.js';
import type { RuntimeContext } from '../context.js';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConflictError, CorruptRecordError, NotFoundError } from '../errors.js';
import { ContainerFiles, ZERO_TIME, type ContainerRecord, type ContainerRunState } from '../state/records.js';
import { StatePaths } from '../state/paths.js';
import { NameStore } from '../state/names.js';
import type { Monitor } from '../logs/monitor.js';
import { CREATING_FILE } from './repair.js';
import { foreignName, NAME_LABEL, type Foreign } from './foreign.js';

export { NAME_LABEL };

export interface Found {
  id: string;
  files: ContainerFiles;
  record: ContainerRecord;
  container: Container;
  /**
   * Its container.json is unreadable (findContainer with `salvage`): `record` is what containerd
   * still knows (id, name, namespace file), enough for `rm` to remove everything.
   */
  damaged?: CorruptRecordError;
  /**
   * Set only by `create` on the object it returns: the new snapshot's mounts, and the knowledge that
   * no task exists yet, so a `run` starts without asking containerd either again.
   */
  fresh?: {
    rootfs: Mount[];
    /** The state just written. */
    state: ContainerRunState;
    /** The monitor `run` launched while the container was being created. */
    monitor?: Monitor;
    /**
     * The creation's housekeeping (lease deleted, crash repair), which `run` starts while
     * containerd creates the task, the longest wait of all. Started once, whoever calls first.
     */
    settle: () => Promise<void>;
  };
}

export function statePaths(ctx: RuntimeContext): StatePaths {
  return new StatePaths(ctx.stateDir);
}

export function nameStore(ctx: RuntimeContext, client: ContainerdClient): NameStore {
  return new NameStore(statePaths(ctx), async (id) => {
    try {
      await client.containers.get(id);
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  });
}

export function noSuchContainer(ref: string): NotFoundError {
  return new NotFoundError(`Error response from daemon: No such container: ${ref}`);
}

/**
 * What a container whose container.json is damaged still has: containerd's labels (name), the
 * namespace file named after its id, its directory's time. Only `rm` works with this.
 */
export function salvagedRecord(
  ctx: RuntimeContext,
  id: string,
  name: string,
  files: ContainerFiles,
): ContainerRecord {
  let created = ZERO_TIME;
  try {
    created = statSync(files.dir).mtime.toISOString();
  } catch {
    /* no directory: the zero time */
  }
  return {
    id,
    name,
    created,
    imageRef: '',
    imageName: '',
    imageId: '',
    path: '',
    args: [],
    config: {},
    hostConfig: {},
    logPath: join(files.dir, `${id}-json.log`),
    stopSignal: 'SIGTERM',
    stopTimeout: 10,
    autoRemove: false,
    interactive: false,
    tty: false,
    networkMode: '',
    logOpts: {},
    cgroupPath: `/tsdock/${id}`,
    netns: `${ctx.config.bridge}-${id.slice(0, 12)}`,
  };
}

/**
 * A container made by another client, found where one of tsdock's was asked for: the one line
 * names the commands that work on it.
 */
export class ForeignContainerError extends ConflictError {
  constructor(name: string) {
    super(
      `Error response from daemon: container ${name} was not created by tsdock: ` +
        'only ps, inspect, logs, stats, stop, kill, exec and rm work on it',
    );
  }
}

/** containerd's identifiers (its identifiers.Validate): what `ctr run IMG ID` accepts as an id. */
const CONTAINERD_ID = /^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$/;

/**
 * Any container of the namespace by Docker's lookup order: full id, exact name, then a unique id
 * prefix. tsdock's own names come first, then another client's: its containerd id (ctr's only
 * name) and the name ps shows for it (`k8s://…`, a nerdctl name). A container of tsdock's comes
 * with its records (`Found`), one of another client with what containerd knows (`Foreign`). A
 * damaged container.json is reported (CorruptRecordError, naming the file) unless `salvage` asks
 * for what is left of it; a record of an earlier format is written back in this one.
 */
export async function resolveContainer(
  ctx: RuntimeContext,
  ref: string,
  opts: { salvage?: boolean } = {},
): Promise<Found | Foreign> {
  const client = await ctx.client();
  const paths = statePaths(ctx);
  const load = async (c: Container): Promise<Found | Foreign | undefined> => {
    const files = new ContainerFiles(paths.container(c.id));
    let record: ContainerRecord | undefined;
    try {
      record = await files.readRecord();
    } catch (err) {
      if (!(err instanceof CorruptRecordError) || !opts.salvage) throw err;
      const name = c.labels[NAME_LABEL] ?? '';
      return { id: c.id, files, record: salvagedRecord(ctx, c.id, name, files), container: c, damaged: err };
    }
    if (!record) {
      // Being created (the record is the last thing written): not a container yet.
      if (existsSync(join(files.dir, CREATING_FILE))) return undefined;
      return { id: c.id, name: foreignName(c), container: c };
    }
    if (files.outdated) await files.persistUpgrade();
    return { id: c.id, files, record, container: c };
  };
  const getting = async (id: string): Promise<Container | undefined> => {
    try {
      return await client.containers.get(id);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      return undefined;
    }
  };
  const bare = ref.startsWith('/') ? ref.slice(1) : ref;
  if (/^[0-9a-f]{64}$/.test(bare)) {
    const c = await getting(bare);
    const found = c && (await load(c));
    if (found) return found;
  }
  const byName = await nameStore(ctx, client).lookup(bare);
  if (byName) {
    const c = await getting(byName);
    if (c?.labels[NAME_LABEL] === bare) {
      const found = await load(c);
      if (found) return found;
    }
  }
  // Another client's names, and id prefixes: one listing answers both.
  if (CONTAINERD_ID.test(bare) || bare.startsWith('k8s://')) {
    const all = await client.containers.list();
    const named = all.find((c) => c.id === bare) ?? unique(all.filter((c) => foreignName(c) === bare));
    if (named) {
      const found = await load(named);
      if (found) return found;
    }
    if (/^[0-9a-f]+$/.test(bare)) {
      const matches = all.filter((c) => c.id.startsWith(bare));
      if (matches.length > 1)
        throw new NotFoundError(
          `Error response from daemon: multiple IDs found with provided prefix: ${bare}`,
        );
      const found = matches[0] && (await load(matches[0]));
      if (found) return found;
    }
  }
  throw noSuchContainer(ref);
}

/**
 * The id `ref` most likely names, known without asking containerd: a full id, or the owner of a
 * name tsdock reserved. resolveContainer still decides; this only lets a command ask ahead.
 */
export async function likelyId(ctx: RuntimeContext, ref: string): Promise<string | undefined> {
  const bare = ref.startsWith('/') ? ref.slice(1) : ref;
  if (/^[0-9a-f]{64}$/.test(bare)) return bare;
  return new NameStore(statePaths(ctx), () => Promise.resolve(true)).lookup(bare);
}

function unique<T>(xs: T[]): T | undefined {
  return xs.length === 1 ? xs[0] : undefined;
}

export function isForeign(x: Found | Foreign): x is Foreign {
  return !('files' in x);
}

/**
 * One of tsdock's own containers (see resolveContainer); another client's is refused with one
 * line (ForeignContainerError) by the commands that need tsdock's records.
 */
export async function findContainer(
  ctx: RuntimeContext,
  ref: string,
  opts: { salvage?: boolean } = {},
): Promise<Found> {
  const x = await resolveContainer(ctx, ref, opts);
  if (isForeign(x)) throw new ForeignContainerError(x.name);
  return x;
}

/**
 * The state Docker would report, merging tsdock's recorded state with the task as containerd sees
 * it now: a task that stopped but whose exit was not yet recorded (the exit hook runs a moment
 * later) already shows as exited with the task's status.
 */
export function liveState(recorded: ContainerRunState, task: Process | undefined): ContainerRunState {
  const s = { ...recorded };
  if (task) {
    switch (task.status) {
      case 'RUNNING':
        s.status = s.status === 'restarting' ? 'restarting' : 'running';
        s.pid = task.pid;
        break;
      case 'PAUSED':
      case 'PAUSING':
        s.status = 'paused';
        s.pid = task.pid;
        break;
      case 'STOPPED':
        if (s.status === 'running' || s.status === 'paused') {
          s.status = 'exited';
          s.exitCode = task.exitStatus;
          s.finishedAt = task.exitedAtNanos ? rfc3339NanoOf(task.exitedAtNanos) : s.finishedAt;
          s.pid = 0;
        }
        break;
      default:
        break;
    }
  } else if (s.status === 'running' || s.status === 'paused') {
    // The task is gone but the exit was not recorded: a crash of the exit hook or of containerd.
    s.status = 'exited';
    s.pid = 0;
  }
  return s;
}

export async function getTask(client: ContainerdClient, id: string): Promise<Process | undefined> {
  try {
    return await client.tasks.get(id);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}
