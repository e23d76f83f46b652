/**
 * Finding tsdock's containers and their live state. containerd says whether a container exists and
 * whether its task runs; tsdock's files say the rest (Docker-shaped config, exit history).
 */
import { rfc3339NanoOf } from '../state/clock.js';
import type { ContainerdClient } from '../containerd/client.js';
import type { Container, Mount, Process } from '../containerd/types.js';
import type { RuntimeContext } from '../context.js';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { CorruptRecordError, NotFoundError } from '../errors.js';
import { ContainerFiles, ZERO_TIME, type ContainerRecord, type ContainerRunState } from '../state/records.js';
import { StatePaths } from '../state/paths.js';
import { NameStore } from '../state/names.js';
import type { Monitor } from '../logs/monitor.js';

export const NAME_LABEL = 'tsdock/name';

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

/** All of tsdock's containers in this namespace (other clients' containers are not ours to show). */
export async function listOwn(client: ContainerdClient): Promise<Container[]> {
  const all = await client.containers.list();
  return all.filter((c) => c.labels[NAME_LABEL] !== undefined);
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
 * Docker's lookup order: full id, exact name, then a unique id prefix. A damaged container.json is
 * reported (CorruptRecordError, naming the file) unless `salvage` asks for what is left of it; a
 * record of an earlier format is written back in this one.
 */
export async function findContainer(
  ctx: RuntimeContext,
  ref: string,
  opts: { salvage?: boolean } = {},
): Promise<Found> {
  const client = await ctx.client();
  const paths = statePaths(ctx);
  const load = async (c: Container): Promise<Found> => {
    const files = new ContainerFiles(paths.container(c.id));
    let record: ContainerRecord | undefined;
    try {
      record = await files.readRecord();
    } catch (err) {
      if (!(err instanceof CorruptRecordError) || !opts.salvage) throw err;
      const name = c.labels[NAME_LABEL] ?? '';
      return { id: c.id, files, record: salvagedRecord(ctx, c.id, name, files), container: c, damaged: err };
    }
    if (!record) throw noSuchContainer(ref);
    if (files.outdated) await files.persistUpgrade();
    return { id: c.id, files, record, container: c };
  };
  const bare = ref.startsWith('/') ? ref.slice(1) : ref;
  if (/^[0-9a-f]{64}$/.test(bare)) {
    try {
      return await load(await client.containers.get(bare));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
  const byName = await nameStore(ctx, client).lookup(bare);
  if (byName) {
    try {
      const c = await client.containers.get(byName);
      if (c.labels[NAME_LABEL] === bare) return await load(c);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
  if (/^[0-9a-f]+$/.test(bare)) {
    const matches = (await listOwn(client)).filter((c) => c.id.startsWith(bare));
    if (matches.length === 1) return load(matches[0]!);
    if (matches.length > 1)
      throw new NotFoundError(`Error response from daemon: multiple IDs found with provided prefix: ${bare}`);
  }
  throw noSuchContainer(ref);
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
