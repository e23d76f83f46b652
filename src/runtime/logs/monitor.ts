/**
 * Starting and stopping a container's monitor (native/tsdock-mon.c). It is spawned detached before
 * containerd creates the task, so it already holds the FIFOs' read ends when the shim opens them,
 * and it keeps writing the log and runs the exit hook even if this CLI process is killed.
 */
import { childProcess } from '../builtins.js';
import { randomHex } from '../state/ids.js';
import { processStartTime } from '../state/files.js';
import { chmodSync, mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { SystemError } from '../errors.js';
import { rootPath } from '../../paths.js';
import type { HealthConfig } from '../opts/health.js';
import { shmDir, type ContainerRecord } from '../state/records.js';

export interface MonitorOptions {
  monPath: string;
  /** The container's state directory; the FIFOs live in its io/ subdirectory. */
  dir: string;
  logPath: string;
  stdin: boolean;
  /** false with a terminal: the pty is one stream, the shim never opens a stderr FIFO. */
  stderr?: boolean;
  /** Serve the raw output on a unix socket in the 0700 io directory (see tsdock-mon.c) for interactive clients. */
  attachSocket?: boolean;
  maxSize?: number;
  maxFile?: number;
  /** Run by the monitor (in its place) once stdout and stderr both ended. */
  exitCmd?: string[];
  /** Where an attached client writes its pid: while it lives, it records the exit instead of the hook. */
  attachPidFile?: string;
  /**
   * A network namespace to make at this path (as `ip netns add` would) before the monitor reports
   * ready; it removes it again if it is stopped before the container ran (see tsdock-mon.c).
   */
  netns?: string;
  /**
   * The container's healthcheck schedule (milliseconds) and the command that runs one probe: the
   * monitor runs it for as long as the container runs (see tsdock-mon.c).
   */
  health?: HealthSchedule;
  /** A shareable IPC namespace's /dev/shm: a tmpfs the monitor mounts at `dir` while it runs. */
  shm?: { dir: string; size: number };
}

export interface HealthSchedule {
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  startIntervalMs: number;
  cmd: string[];
}

/** What a container's monitor needs to know of it: all known before the container exists. */
export interface MonitorTarget {
  id: string;
  dir: string;
  logPath: string;
  interactive: boolean;
  tty: boolean;
  logOpts: { maxSize?: number; maxFile?: number };
  /** See MonitorOptions.netns (not `netns`: a record's netns is a name, spread into a target). */
  makeNetns?: string;
  /** Config.Healthcheck: probes are scheduled when it has a test to run. */
  healthcheck?: HealthConfig;
  /** MonitorOptions.shm. */
  shm?: { dir: string; size: number };
}

/** A created container's MonitorTarget. */
export function monitorTargetOf(r: ContainerRecord, dir: string): MonitorTarget {
  const hc = r.hostConfig as { IpcMode?: string; ShmSize?: number };
  const health = r.config.Healthcheck as HealthConfig | undefined;
  return {
    id: r.id,
    dir,
    logPath: r.logPath,
    interactive: r.interactive,
    tty: r.tty,
    logOpts: r.logOpts,
    ...(health ? { healthcheck: health } : {}),
    ...(hc.IpcMode === 'shareable' ? { shm: { dir: shmDir(dir), size: hc.ShmSize || 67108864 } } : {}),
  };
}

export interface Monitor {
  pid: number;
  /** processStartTime(pid), recorded with the pid so a later signal never reaches a reused pid. */
  startTime?: number;
  stdinPath?: string;
  stdoutPath: string;
  /** Empty when the monitor reads stdout only. */
  stderrPath: string;
  /** The attach socket's path (in the container's 0700 io directory). */
  attachSocket?: string;
  /** Created by the monitor after the last log line of this run is written. */
  exitMarker: string;
  /** The network namespace the monitor made (MonitorOptions.netns). */
  netnsMade?: string;
}

const READY_TIMEOUT_MS = 5000;
/** An old run's marker may still be awaited by a `logs -f` that polls for it; leave it a while. */
const STALE_MARKER_MS = 30_000;

/** dist/tsdock-mon, built by scripts/build.sh. */
export function monitorPath(): string {
  return rootPath('dist', 'tsdock-mon');
}

/**
 * Exit markers of earlier runs pile up one per start otherwise. FIFOs are left alone: the monitor
 * unlinks its own when it ends, and one still running (a run that is ending while the container
 * starts again) must keep them.
 */
function removeOldMarkers(ioDir: string): void {
  let names: string[];
  try {
    names = readdirSync(ioDir);
  } catch {
    return;
  }
  const now = Date.now();
  for (const name of names) {
    if (!name.startsWith('exited-')) continue;
    const p = join(ioDir, name);
    try {
      if (now - statSync(p).mtimeMs > STALE_MARKER_MS) unlinkSync(p);
    } catch {
      // already gone
    }
  }
}

export async function startMonitor(opts: MonitorOptions): Promise<Monitor> {
  const ioDir = join(opts.dir, 'io');
  mkdirSync(ioDir, { recursive: true, mode: 0o700 });
  // The attach socket's directory is root's alone (the monitor refuses any other).
  chmodSync(ioDir, 0o700);
  removeOldMarkers(ioDir);
  // Unique per start: a restarted container must not reuse FIFOs a previous shim may still hold.
  const tag = randomHex(4);
  const stdoutPath = join(ioDir, `stdout-${tag}`);
  const stderrPath = opts.stderr === false ? '' : join(ioDir, `stderr-${tag}`);
  const stdinPath = opts.stdin ? join(ioDir, `stdin-${tag}`) : undefined;
  const exitMarker = join(ioDir, `exited-${tag}`);
  const attachSocket = opts.attachSocket ? join(ioDir, `attach-${tag}`) : undefined;

  const args = [
    '--stdout',
    stdoutPath,
    ...(stderrPath ? ['--stderr', stderrPath] : []),
    '--log',
    opts.logPath,
    '--exit-marker',
    exitMarker,
  ];
  if (stdinPath) args.push('--stdin', stdinPath);
  if (opts.maxSize !== undefined) args.push('--max-size', String(opts.maxSize));
  if (opts.maxFile !== undefined) args.push('--max-file', String(opts.maxFile));
  if (opts.attachPidFile) args.push('--attach-pidfile', opts.attachPidFile);
  if (attachSocket) args.push('--attach-socket', attachSocket);
  if (opts.netns) args.push('--netns', opts.netns);
  if (opts.shm) args.push('--shm', `${opts.shm.dir},${opts.shm.size}`);
  if (opts.health) {
    const h = opts.health;
    args.push('--health', [h.intervalMs, h.timeoutMs, h.startPeriodMs, h.startIntervalMs].join(','));
    for (const a of h.cmd) args.push('--health-cmd', a);
  }
  if (opts.exitCmd?.length) args.push('--', ...opts.exitCmd);

  const child = childProcess().spawn(opts.monPath, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const pid = await new Promise<number>((resolve, reject) => {
    let out = '';
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdout?.destroy();
      if (err) {
        if (child.pid !== undefined && child.exitCode === null) stopMonitor(child.pid);
        reject(err);
      } else {
        resolve(child.pid!);
      }
    };
    const timer = setTimeout(
      () =>
        finish(new SystemError('failed to start container monitor: timed out waiting for it to be ready')),
      READY_TIMEOUT_MS,
    );
    child.once('error', (err: NodeJS.ErrnoException) =>
      finish(
        new SystemError(
          err.code === 'ENOENT'
            ? `failed to start container monitor: ${opts.monPath} was not built (tsdock compiles it at install: with a C compiler present, run 'npm rebuild -g tsdock')`
            : `failed to start container monitor: ${err.message}`,
        ),
      ),
    );
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      const line = out.slice(0, nl);
      if (line === 'ready') finish();
      else finish(new SystemError(`failed to start container monitor: ${line.replace(/^error: /, '')}`));
    });
    // 'close', not 'exit': an error line written just before exiting must be read first.
    child.once('close', (code, signal) => {
      const why = out.trim().replace(/^error: /, '') || `exited with ${signal ?? `status ${code}`}`;
      finish(new SystemError(`failed to start container monitor: ${why}`));
    });
  });
  child.unref();
  const startTime = processStartTime(pid);
  return {
    pid,
    startTime,
    stdinPath,
    stdoutPath,
    stderrPath,
    exitMarker,
    attachSocket,
    netnsMade: opts.netns,
  };
}

/** For failure paths before the task runs: the monitor flushes what it has and exits. */
export function stopMonitor(pid: number): void {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
}
