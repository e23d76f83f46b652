/**
 * What tsdock keeps per container beside containerd's record: the Docker-shaped configuration as
 * created (`container.json`, written once, rewritten by rename/update) and the run state
 * (`state.json`, rewritten on start and exit). containerd's container object stays the source of
 * truth for existence; these files carry what containerd has no field for.
 */
import { join } from 'node:path';
import { CorruptRecordError } from '../errors.js';
import { readJsonSync, writeJsonAtomic } from './files.js';
import { withLock } from './lock.js';

/**
 * The format of container.json and state.json this tsdock writes. A record without the field is of
 * format 1 (tsdock before formats were numbered); an earlier format is brought up to date when read
 * (upgradeRecord) and written back once, under the container's lock, by the next command that
 * finds the container; a later one is refused rather than misread.
 */
export const RECORD_FORMAT = 2;

export interface ContainerRecord {
  /** See RECORD_FORMAT; absent in format 1. */
  formatVersion?: number;
  id: string;
  name: string;
  created: string; // RFC3339Nano
  /** The image as the user typed it (Config.Image) and the resolved containerd name. */
  imageRef: string;
  imageName: string;
  imageId: string; // sha256:<config digest>
  path: string;
  args: string[];
  /** Docker's inspect shapes, precomputed at create. */
  config: Record<string, unknown>;
  hostConfig: Record<string, unknown>;
  logPath: string;
  stopSignal: string;
  stopTimeout: number;
  autoRemove: boolean;
  interactive: boolean;
  tty: boolean;
  networkMode: string;
  logOpts: { maxSize?: number; maxFile?: number };
  /** The container's cgroup (`--cgroup-parent`, default /tsdock, joined with the id), as given to runc. */
  cgroupPath?: string;
  /** Name of the container's network namespace file under /run/netns (bridge-type networks). */
  netns?: string;
  networkAliases?: string[];
  /** --ip / --mac-address as requested. */
  ipv4?: string;
  macAddress?: string;
  /** Networks joined by `network connect`, set up at every start after the first one. */
  extraNetworks?: { name: string; aliases: string[]; ip?: string }[];
  /** --link: legacy links on the default bridge, aliases of other containers on a user network. */
  links?: { name: string; alias: string }[];
}

export interface ContainerRunState {
  /** See RECORD_FORMAT; absent in format 1. */
  formatVersion?: number;
  status: 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead' | 'removing';
  pid: number;
  exitCode: number;
  error: string;
  oomKilled: boolean;
  startedAt: string; // '0001-01-01T00:00:00Z' when never
  finishedAt: string;
  restartCount: number;
  monitorPid?: number;
  /** The monitor's start time (processStartTime): tells it from a later process given its pid. */
  monitorStart?: number;
  /** Created by the monitor once the last log line of the current run is written. */
  exitMarker?: string;
  /** The monitor's abstract attach socket for this run (`attach`, interactive sessions). */
  attachSocket?: string;
  /** The stdin FIFO of this run, when the container was created with -i. */
  stdinPath?: string;
  /** Set when the user stopped it (restart policies must not bring it back). */
  stoppedByUser?: boolean;
  /** The restart back-off after the last exit (moby's restartmanager timeout), 0 after a user start. */
  restartTimeoutMs?: number;
  /** The healthcheck's state (inspect State.Health): set at the first start of a container with one. */
  health?: HealthState;
  /** The legacy links' variables of this run, which `exec` gives its processes too (as Docker). */
  linkEnv?: string[];
}

/** One probe's result, Docker's HealthcheckResult. */
export interface HealthLogEntry {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

export interface HealthState {
  status: 'starting' | 'healthy' | 'unhealthy';
  failingStreak: number;
  /** The last five results, oldest first. */
  log: HealthLogEntry[];
}

/** A (re)start: `starting` again with no failures, the log kept (moby initHealthMonitor). */
export function startingHealth(prev: HealthState | undefined): HealthState {
  return { status: 'starting', failingStreak: 0, log: prev?.log ?? [] };
}

/**
 * A shareable IPC namespace's /dev/shm on the host (`--ipc shareable`): a tmpfs its monitor mounts
 * there while the container runs; containers joining that namespace bind it too.
 */
export function shmDir(containerDir: string): string {
  return join(containerDir, 'mounts', 'shm');
}

/** Records written before cgroupPath existed used the default parent. */
export function cgroupPathOf(r: Pick<ContainerRecord, 'id' | 'cgroupPath'>): string {
  return r.cgroupPath ?? `/tsdock/${r.id}`;
}

function formatOf(path: string, raw: { formatVersion?: unknown }): number {
  const v = raw.formatVersion ?? 1;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new CorruptRecordError(path, `bad formatVersion ${JSON.stringify(v)}`);
  }
  if (v > RECORD_FORMAT) {
    throw new CorruptRecordError(
      path,
      `written by a newer tsdock (format ${v}; this one reads up to ${RECORD_FORMAT})`,
    );
  }
  return v;
}

/** A container.json of any earlier format in this format's shape (pure). */
export function upgradeRecord(path: string, raw: ContainerRecord): ContainerRecord {
  if (typeof raw !== 'object' || raw === null || typeof raw.id !== 'string') {
    throw new CorruptRecordError(path, 'not a container record');
  }
  const from = formatOf(path, raw);
  const r = { ...raw };
  // 1 → 2: the cgroup path is recorded (format 1 left it out when it was the default one).
  if (from < 2) r.cgroupPath ??= `/tsdock/${r.id}`;
  r.formatVersion = RECORD_FORMAT;
  return r;
}

/** A state.json of any earlier format in this format's shape (pure). */
export function upgradeState(path: string, raw: ContainerRunState): ContainerRunState {
  if (typeof raw !== 'object' || raw === null || typeof raw.status !== 'string') {
    throw new CorruptRecordError(path, 'not a container state');
  }
  formatOf(path, raw);
  // 1 → 2: the same fields.
  return { ...raw, formatVersion: RECORD_FORMAT };
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';

export function initialState(): ContainerRunState {
  return {
    status: 'created',
    pid: 0,
    exitCode: 0,
    error: '',
    oomKilled: false,
    startedAt: ZERO_TIME,
    finishedAt: ZERO_TIME,
    restartCount: 0,
  };
}

export class ContainerFiles {
  /** Set by a read that found container.json in an earlier format (see persistUpgrade). */
  outdated = false;
  constructor(readonly dir: string) {}
  get recordPath(): string {
    return join(this.dir, 'container.json');
  }
  get statePath(): string {
    return join(this.dir, 'state.json');
  }
  async readRecord(): Promise<ContainerRecord | undefined> {
    return this.readRecordSync();
  }
  readRecordSync(): ContainerRecord | undefined {
    const raw = readJsonSync<ContainerRecord>(this.recordPath);
    if (!raw) return undefined;
    const r = upgradeRecord(this.recordPath, raw);
    if (raw.formatVersion !== RECORD_FORMAT) this.outdated = true;
    return r;
  }
  writeRecord(r: ContainerRecord): Promise<void> {
    return writeJsonAtomic(this.recordPath, { ...r, formatVersion: RECORD_FORMAT });
  }
  /** Writes container.json back in this format, once, under the container's lock. */
  async persistUpgrade(): Promise<void> {
    await withLock(this.dir, async () => {
      const raw = readJsonSync<ContainerRecord>(this.recordPath);
      if (raw && raw.formatVersion !== RECORD_FORMAT)
        await this.writeRecord(upgradeRecord(this.recordPath, raw));
    });
    this.outdated = false;
  }
  async readState(): Promise<ContainerRunState> {
    return this.readStateSync();
  }
  readStateSync(): ContainerRunState {
    const raw = readJsonSync<ContainerRunState>(this.statePath);
    return raw ? upgradeState(this.statePath, raw) : initialState();
  }
  /**
   * The state, or for a damaged state.json a `dead` one carrying the damage as its error: for the
   * paths that must get through a damaged record (recording an exit, removing the container).
   */
  readStateOrDead(): ContainerRunState {
    try {
      return this.readStateSync();
    } catch (err) {
      if (!(err instanceof CorruptRecordError)) throw err;
      return { ...initialState(), status: 'dead', error: err.message };
    }
  }
  writeState(s: ContainerRunState): Promise<void> {
    return writeJsonAtomic(this.statePath, { ...s, formatVersion: RECORD_FORMAT });
  }
  /**
   * A read-modify-write of state.json under the container's lock; `locked`: the caller holds it
   * already (the lock is not re-entrant).
   */
  async updateState(
    change: (s: ContainerRunState) => void,
    opts: { locked?: boolean } = {},
  ): Promise<ContainerRunState> {
    const apply = async () => {
      const s = this.readStateSync();
      change(s);
      await this.writeState(s);
      return s;
    };
    return opts.locked ? apply() : withLock(this.dir, apply);
  }
}
