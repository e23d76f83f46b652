/**
 * Starting a container's task. Before containerd creates the task, the per-container monitor
 * (native/tsdock-mon.c) is started and holds the read ends of the stdio FIFOs: it writes the
 * json-file log and, when the process tree is gone, runs `tsdock internal exited <id>` — so logs,
 * exit status and --rm do not depend on this client staying alive.
 */
import type { Exited } from '../containerd/client.js';
import { nowRfc3339Nano } from '../state/clock.js';
import { rmNow, writeFileNow } from '../state/files.js';
import { join } from 'node:path';
import { rootPath } from '../../paths.js';
import type { RuntimeContext } from '../context.js';
import {
  CannotInvokeError,
  CommandNotFoundError,
  DaemonError,
  NotFoundError,
  SystemError,
  TsdockError,
} from '../errors.js';
import {
  monitorPath,
  monitorTargetOf,
  startMonitor,
  stopMonitor,
  type HealthSchedule,
  type Monitor,
  type MonitorTarget,
} from '../logs/monitor.js';
import { healthTimings, probeCommand, type HealthConfig } from '../opts/health.js';
import { startingHealth } from '../state/records.js';
import { startJoins } from './joins.js';
import { finalizeExit, releaseNetwork } from './exit.js';
import { connectAttach } from './stdio.js';
import { traceMark } from '../trace.js';
import { getTask, statePaths, type Found } from './store.js';
import { readContainerMounts } from '../volumes/usage.js';
import { recordEvent } from '../events/record.js';
import { preloadLock } from '../state/lock.js';

export function exitHookCommand(ctx: RuntimeContext, id: string): string[] {
  return internalCommand(ctx, 'exited', id);
}

/** `tsdock internal …` with this command's globals: for helpers that outlive the command. */
export function internalCommand(ctx: RuntimeContext, ...args: string[]): string[] {
  const g = ctx.globals;
  return [
    process.execPath,
    '--',
    rootPath('bin', 'tsdock'),
    '--address',
    g.address,
    '--namespace',
    g.namespace,
    '--data-root',
    g.dataRoot,
    'internal',
    ...args,
  ];
}

/** The container's monitor (see the top of this file), ready to be handed the task's stdio. */
export function launchMonitor(ctx: RuntimeContext, target: MonitorTarget, stdin = false): Promise<Monitor> {
  return startMonitor({
    monPath: monitorPath(),
    dir: target.dir,
    logPath: target.logPath,
    // Docker's OpenStdin: a -i container's stdin stays open for whoever attaches, even when
    // started detached.
    stdin: stdin || target.interactive,
    // With a terminal the pty is the only stream: the shim never opens a stderr FIFO.
    stderr: !target.tty,
    attachSocket: true,
    maxSize: target.logOpts.maxSize,
    maxFile: target.logOpts.maxFile,
    exitCmd: exitHookCommand(ctx, target.id),
    attachPidFile: attachPidFile(target.dir),
    ...(target.makeNetns ? { netns: target.makeNetns } : {}),
    ...(target.shm ? { shm: target.shm } : {}),
    ...healthScheduleOf(ctx, target),
  });
}

/** The monitor runs the probes of a container with a healthcheck to run (`tsdock internal health`). */
function healthScheduleOf(ctx: RuntimeContext, target: MonitorTarget): { health?: HealthSchedule } {
  if (!probeCommand(target.healthcheck, undefined)) return {};
  const t = healthTimings(target.healthcheck!);
  return {
    health: {
      intervalMs: t.intervalMs,
      timeoutMs: t.timeoutMs,
      startPeriodMs: t.startPeriodMs,
      startIntervalMs: t.startIntervalMs,
      cmd: internalCommand(ctx, 'health', target.id),
    },
  };
}

/** moby's MountPoint.Setup at every start: only containers with mounts load the volumes module. */
async function prepareMounts(ctx: RuntimeContext, dir: string): Promise<void> {
  const points = readContainerMounts(dir);
  if (points.length === 0) return;
  const [{ prepareMountSources }, { VolumeStore }] = await Promise.all([
    import('../volumes/mounts.js'),
    import('../volumes/store.js'),
  ]);
  await prepareMountSources(new VolumeStore(statePaths(ctx)), points);
}

export function attachPidFile(dir: string): string {
  return join(dir, 'attach.pid');
}

/**
 * Docker's classification of a failed start (moby: 127 not found, 126 cannot invoke), after what
 * is not the container's fault: a runtime that is not installed, a kernel without a feature.
 */
export function classifyStartError(message: string): TsdockError {
  const text = `Error response from daemon: failed to create task for container: ${message}`;
  const missing = missingHostPart(message);
  if (missing) return new SystemError(`${missing} (${message.replace(/^.*: (exec: )/, '$1')})`);
  if (/executable file not found|no such file or directory/i.test(message))
    return new CommandNotFoundError(text);
  if (/permission denied|is a directory|exec format error/i.test(message)) return new CannotInvokeError(text);
  return new DaemonError(text);
}

/**
 * What the host lacks, named, when containerd's answer shows it: the OCI runtime or containerd's
 * shim not installed, a cgroup controller the kernel does not offer. Undefined otherwise.
 */
export function missingHostPart(message: string): string | undefined {
  const program = /exec: "([^"]+)": executable file not found/.exec(message)?.[1];
  if (program === 'runc')
    return "runc is not installed where containerd looks for it: containerd starts containers with runc ('apt-get install runc', then check containerd's PATH)";
  if (program?.startsWith('containerd-shim'))
    return `${program} (containerd's shim for runc) is not on containerd's PATH: reinstall containerd ('apt-get install --reinstall containerd')`;
  const cgroupFile =
    /\/sys\/fs\/cgroup\/\S*?\b((cpu|cpuset|memory|pids|io|blkio|hugetlb)\.[a-z_.]+)\S*: no such file or directory/.exec(
      message,
    );
  if (cgroupFile)
    return `the kernel's ${cgroupFile[2]} cgroup controller is not available to containers (${cgroupFile[1]} does not exist): enable it on the kernel command line or in the parent cgroup's cgroup.subtree_control`;
  return undefined;
}

export interface Started {
  pid: number;
  /**
   * With `attach`: resolves with the exit status; the Wait call is made before the task starts, so
   * a fast exit is never missed. Without: never settles — an open Wait would keep the CLI alive.
   */
  exited: Promise<Exited>;
  stdinPath?: string;
  /** The monitor creates this after the last log line is written. */
  exitMarker: string;
  /**
   * With `attachOutput`: connected to the monitor's attach socket before the process started, so
   * it carries all of the raw output (stdcopy frames); EOF after the last byte.
   */
  output?: import('node:net').Socket;
}

export async function startContainer(
  ctx: RuntimeContext,
  found: Found,
  opts: {
    stdin: boolean;
    attach?: boolean;
    /** Started by the restart policy (the count goes on); otherwise a user's start resets it, as Docker's. */
    restart?: boolean;
    /** Read the output from the monitor's socket (interactive sessions) rather than the log. */
    attachOutput?: boolean;
    /** The pty's size, set between create and start so the process never sees 0x0. */
    consoleSize?: { width: number; height: number };
    /** The caller holds the container's lock (the restart policy): state writes must not take it. */
    locked?: boolean;
  },
): Promise<Started | undefined> {
  const client = await ctx.client();
  // The daemon does not mount a container's snapshot itself: the client hands the mounts over.
  const [existing, rootfs] = found.fresh
    ? [undefined, found.fresh.rootfs]
    : await Promise.all([
        getTask(client, found.id),
        client.snapshots.mounts(found.container.snapshotKey || found.id),
      ]);
  if (existing && existing.status !== 'STOPPED') return undefined; // already running: Docker is silent
  if (existing) await finalizeExit(ctx, found);

  traceMark('start: begin');
  const { record } = found;
  const joins = await startJoins(ctx, found).catch((err: unknown) => {
    if (found.fresh?.monitor) stopMonitor(found.fresh.monitor.pid);
    throw err;
  });
  let plumbing: Promise<void> | undefined;
  // Independent: the monitor process, the network (namespace, veth, address, ports), and what the
  // container's mounts need on the host (a -v source directory, a volume's device).
  const [monitored, network, mountsReady] = await Promise.allSettled([
    found.fresh?.monitor ?? launchMonitor(ctx, monitorTargetOf(record, found.files.dir), opts.stdin),
    record.netns
      ? import('../network/container.js').then((m) =>
          m.connectContainer(
            ctx,
            { id: found.id, dir: found.files.dir, record },
            // The veth, address, routes and port rules go in while containerd creates the task.
            {
              deferPlumbing: (p) => (plumbing = p),
              netnsMade: found.fresh?.monitor?.netnsMade !== undefined,
              ...(joins?.linkHosts.length ? { linkHosts: joins.linkHosts } : {}),
            },
          ),
        )
      : undefined,
    prepareMounts(ctx, found.files.dir),
  ]);
  const plumbed = plumbing as Promise<void> | undefined;
  plumbed?.catch(() => undefined);
  if (monitored.status === 'rejected' || network.status === 'rejected' || mountsReady.status === 'rejected') {
    if (monitored.status === 'fulfilled') stopMonitor(monitored.value.pid);
    if (network.status === 'fulfilled') {
      await plumbed?.catch(() => undefined);
      await releaseNetwork(ctx, found);
    }
    throw [monitored, network, mountsReady].find((r): r is PromiseRejectedResult => r.status === 'rejected')!
      .reason;
  }
  traceMark('start: monitor ready');
  const mon = monitored.value;
  const state = found.fresh?.state ?? (await found.files.readState());
  let output: Started['output'];
  let pid: number;
  // Written while containerd creates the task: the monitor must find it before the process can
  // end, so that an attached client, not the exit hook, records this exit.
  const attachPid = opts.attach
    ? writeFileNow(attachPidFile(found.files.dir), String(process.pid))
    : rmNow(attachPidFile(found.files.dir), { force: true });
  attachPid.catch(() => undefined);
  if (opts.attach) preloadLock();
  const fresh = found.fresh;
  let ownFailure = false;
  try {
    if (opts.attachOutput && mon.attachSocket) output = await connectAttach(mon.attachSocket);
    const creating = client.tasks.create({
      containerId: found.id,
      rootfs,
      stdin: mon.stdinPath ?? '',
      stdout: mon.stdoutPath,
      stderr: mon.stderrPath,
      terminal: record.tty,
    });
    // run's housekeeping (see Found.fresh) also goes on meanwhile, not waited for here.
    fresh?.settle().catch(() => undefined);
    const [created, ...others] = await Promise.allSettled([creating, plumbed, attachPid]);
    if (created.status === 'rejected') {
      // Plumbing that failed (iptables not installed, say) takes the namespace away under the task
      // being created: its error is the cause, the task's ("invalid netns path") only the consequence.
      if (others[0]?.status === 'rejected') {
        ownFailure = true;
        throw others[0].reason;
      }
      throw created.reason;
    }
    const failed = others.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      // The task exists but its network or attach record could not be made: it must not start so.
      ownFailure = true;
      await client.tasks.delete(found.id).catch(() => undefined);
      throw failed.reason;
    }
    pid = created.value.pid;
  } catch (err) {
    output?.destroy();
    stopMonitor(mon.pid);
    await plumbed?.catch(() => undefined);
    await releaseNetwork(ctx, found);
    if (opts.attach) await rmNow(attachPidFile(found.files.dir), { force: true });
    // containerd's errors are classified as Docker does (126, 127 …); tsdock's own pass as they are.
    const failure =
      !ownFailure && err instanceof TsdockError && !(err instanceof NotFoundError)
        ? classifyStartError(err.message)
        : err;
    if (failure instanceof TsdockError) {
      const error = failure.message.replace(/^Error response from daemon: /, '');
      const exitCode = failure.exitCode === 125 ? 128 : failure.exitCode;
      await found.files.updateState((s) => Object.assign(s, { error, exitCode }), { locked: opts.locked });
    }
    throw failure;
  }
  const exited: Promise<Exited> = opts.attach
    ? client.tasks.wait(found.id)
    : new Promise<never>(() => undefined);
  exited.catch(() => undefined);
  state.status = 'running';
  state.pid = pid;
  state.startedAt = nowRfc3339Nano();
  state.finishedAt = state.finishedAt || '0001-01-01T00:00:00Z';
  state.error = '';
  state.exitCode = 0;
  state.oomKilled = false; // Docker clears it when the container starts again
  state.monitorPid = mon.pid;
  state.monitorStart = mon.startTime;
  state.exitMarker = mon.exitMarker;
  state.attachSocket = mon.attachSocket;
  state.stdinPath = mon.stdinPath;
  state.stoppedByUser = false;
  if (!opts.restart) {
    state.restartCount = 0;
    state.restartTimeoutMs = 0;
  }
  traceMark('start: task created');
  // An attached client records the exit itself, after its Wait, so for it the running state can be
  // written while the task starts; otherwise the exit hook may read it as soon as the process ends.
  // What this start sets, applied under the container's lock to state.json as it is then.
  const { status, pid: startedPid, startedAt, finishedAt, error, exitCode, oomKilled } = state;
  const { monitorPid, monitorStart, exitMarker, attachSocket, stdinPath, stoppedByUser } = state;
  const { restartCount, restartTimeoutMs } = state;
  const started = { status, pid: startedPid, startedAt, finishedAt, error, exitCode, oomKilled };
  const run = {
    monitorPid,
    monitorStart,
    exitMarker,
    attachSocket,
    stdinPath,
    stoppedByUser,
    restartCount,
    restartTimeoutMs,
  };
  const probed = probeCommand(record.config.Healthcheck as HealthConfig | undefined, undefined) !== undefined;
  const linkEnv = joins?.linkEnv ?? [];
  const stateWritten = found.files.updateState(
    (s) => {
      Object.assign(s, started, run);
      if (probed) s.health = startingHealth(s.health);
      if (linkEnv.length > 0) s.linkEnv = linkEnv;
      else delete s.linkEnv;
    },
    {
      locked: opts.locked,
    },
  );
  if (!opts.attach) await stateWritten;
  try {
    if (record.tty && opts.consoleSize) {
      const { width, height } = opts.consoleSize;
      await client.tasks.resizePty(found.id, width, height).catch(() => undefined);
    }
    await Promise.all([client.tasks.start(found.id), stateWritten]);
  } catch (err) {
    await stateWritten.catch(() => undefined);
    output?.destroy();
    await client.tasks.delete(found.id).catch(() => undefined);
    stopMonitor(mon.pid);
    await releaseNetwork(ctx, found);
    await found.files.updateState((s) => Object.assign(s, { status: 'created', pid: 0 }), {
      locked: opts.locked,
    });
    throw err instanceof TsdockError ? classifyStartError(err.message) : err;
  }
  await recordEvent(ctx, record, 'start');
  return { pid, exited, stdinPath: mon.stdinPath, exitMarker: mon.exitMarker, output };
}
