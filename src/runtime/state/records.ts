/**
 * What tsdock keeps per container beside containerd's record: the Docker-shaped configuration as
 * created (`container.json`, written once, rewritten by rename/update) and the run state
 * (`state.json`, rewritten on start and exit). containerd's container object stays the source of
 * truth for existence; these files carry what containerd has no field for.
 */
import { join } from 'node:path';
import { readJson, readJsonSync, writeJsonAtomic } from './files.js';

export interface ContainerRecord {
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
}

export interface ContainerRunState {
  status: 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead' | 'removing';
  pid: number;
  exitCode: number;
  error: string;
  oomKilled: boolean;
  startedAt: string; // '0001-01-01T00:00:00Z' when never
  finishedAt: string;
  restartCount: number;
  monitorPid?: number;
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
}

/** Records written before cgroupPath existed used the default parent. */
export function cgroupPathOf(r: Pick<ContainerRecord, 'id' | 'cgroupPath'>): string {
  return r.cgroupPath ?? `/tsdock/${r.id}`;
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
  constructor(readonly dir: string) {}
  get recordPath(): string {
    return join(this.dir, 'container.json');
  }
  get statePath(): string {
    return join(this.dir, 'state.json');
  }
  readRecord(): Promise<ContainerRecord | undefined> {
    return readJson<ContainerRecord>(this.recordPath);
  }
  readRecordSync(): ContainerRecord | undefined {
    return readJsonSync<ContainerRecord>(this.recordPath);
  }
  writeRecord(r: ContainerRecord): Promise<void> {
    return writeJsonAtomic(this.recordPath, r);
  }
  async readState(): Promise<ContainerRunState> {
    return (await readJson<ContainerRunState>(this.statePath)) ?? initialState();
  }
  readStateSync(): ContainerRunState {
    return readJsonSync<ContainerRunState>(this.statePath) ?? initialState();
  }
  writeState(s: ContainerRunState): Promise<void> {
    return writeJsonAtomic(this.statePath, s);
  }
}
