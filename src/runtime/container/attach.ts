/**
 * Foreground attach for `run` and `start -a`. Output comes from the monitor's json-file log (so
 * what the user sees and what `logs` shows are the same bytes, and a killed client loses nothing);
 * stdin goes straight into the task's stdin FIFO; signals are proxied like Docker's --sig-proxy.
 */
import type { Exited } from '../containerd/client.js';
import { createWriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import type { Socket } from 'node:net';
import { constants } from 'node:os';
import type { ContainerdClient } from '../containerd/client.js';
import type { RuntimeContext } from '../context.js';
import { finalizeExit } from './exit.js';
import type { ContainerRunState } from '../state/records.js';
import { traceMark } from '../trace.js';
import { rmNow, waitForFile } from '../state/files.js';
import { autoRemove } from './remove.js';
import { attachPidFile, type Started } from './start.js';
import type { Found } from './store.js';
import { runSession } from './session.js';
import { droppedByMonitor, FrameDecoder } from './stdio.js';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from './tty.js';
import { recordEvent } from '../events/record.js';

const PROXIED: NodeJS.Signals[] = [
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGQUIT',
  'SIGUSR1',
  'SIGUSR2',
  'SIGWINCH',
];

/** The local terminal's size, for a container's pty (undefined when stdout is no terminal). */
export function localConsoleSize(ctx: RuntimeContext): { width: number; height: number } | undefined {
  const out = ctx.stdio.stdout as NodeJS.WriteStream;
  return out.isTTY && out.columns && out.rows ? { width: out.columns, height: out.rows } : undefined;
}

/** Where an attached client's log replay starts (unix nanos): just before the run it starts. */
export function attachSince(): bigint {
  return BigInt(Date.now() - 1) * 1_000_000n;
}

/** Docker's --sig-proxy: what this client receives goes to the container's process. Returns the undo. */
export function proxySignals(client: ContainerdClient, id: string): () => void {
  const handlers = new Map<NodeJS.Signals, () => void>();
  for (const sig of PROXIED) {
    const h = () => void client.tasks.kill(id, constants.signals[sig]).catch(() => undefined);
    handlers.set(sig, h);
    process.on(sig, h);
  }
  return () => {
    for (const [sig, h] of handlers) process.off(sig, h);
  };
}

export interface AttachOptions {
  stdin: boolean;
  sigProxy: boolean;
  /** Only log entries from this run (unix nanos): earlier runs of a restarted container are history. */
  sinceNanos: bigint;
  /** Parsed --detach-keys (matched only when the container has a pty). */
  detachKeys?: Buffer;
  /** `run -a`: the streams shown (default both); the others' output is not copied to this client. */
  streams?: { stdout: boolean; stderr: boolean };
}

const discard = (): NodeJS.WritableStream => new Writable({ write: (_c, _e, cb) => cb() });

/** Where the container's stdout and stderr go: this client's, or nowhere for a stream not attached. */
function outputsFor(ctx: RuntimeContext, opts: AttachOptions) {
  return {
    stdout: opts.streams?.stdout === false ? discard() : ctx.stdio.stdout,
    stderr: opts.streams?.stderr === false ? discard() : ctx.stdio.stderr,
  };
}

/**
 * What a client the monitor dropped for falling behind says (tsdock-mon.c: the monitor never waits
 * for a client; the container goes on, its log has everything).
 */
export const DROPPED_MESSAGE =
  "disconnected: this client fell too far behind the container's output (the container keeps running; its log has everything)";

/** Copies the attach socket's frames to stdout/stderr; settles at the socket's EOF. */
export function pipeFrames(
  socket: Socket,
  out: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<void> {
  const decoder = new FrameDecoder((stream, data) => {
    const to = stream === 2 ? out.stderr : out.stdout;
    if (!to.write(data)) {
      socket.pause();
      to.once('drain', () => socket.resume());
    }
  });
  return new Promise<void>((resolve) => {
    socket.on('data', (d: Buffer) => decoder.push(d));
    socket.once('end', resolve);
    socket.once('close', () => resolve());
    socket.once('error', () => resolve());
  });
}

/** The sessions whose output comes from the monitor's socket (a terminal): run -t, start -a on -t. */
async function attachSessionAndWait(
  ctx: RuntimeContext,
  found: Found,
  started: Started & { output: Socket },
  opts: AttachOptions,
): Promise<number | 'detached'> {
  const client = await ctx.client();
  const outputDone = pipeFrames(started.output, outputsFor(ctx, opts));
  // docker/cli's run proxies signals with a terminal too (attach does not).
  const unproxy = opts.sigProxy ? proxySignals(client, found.id) : () => undefined;
  const end = await runSession(ctx, {
    proxiesSignals: opts.sigProxy,
    tty: found.record.tty,
    stdinPath: opts.stdin ? started.stdinPath : undefined,
    closeStdin: () => client.tasks.closeIO(found.id),
    detachKeys: opts.detachKeys ?? parseDetachKeys(DEFAULT_DETACH_KEYS),
    resize: (s) => client.tasks.resizePty(found.id, s.width, s.height),
    outputDone,
  }).finally(unproxy);
  if (end === 'detached' || droppedByMonitor(started.exitMarker)) {
    started.output.destroy();
    if (end !== 'detached') ctx.stdio.stderr.write(`${DROPPED_MESSAGE}\n`);
    await recordEvent(ctx, found.record, 'detach');
    return 'detached';
  }
  try {
    return (await started.exited).exitStatus;
  } catch {
    return (await finalizeExit(ctx, found)).exitCode;
  }
}

/** What the Wait on the started task said (undefined when it failed: finalizeExit then asks). */
async function waitedOn(started: Started): Promise<(Exited & { pid: number }) | undefined> {
  try {
    return { pid: started.pid, ...(await started.exited) };
  } catch {
    return undefined;
  }
}

/** The container's exit status, or 'detached' when the user typed the detach keys. */
export async function attachAndWait(
  ctx: RuntimeContext,
  found: Found,
  started: Started,
  opts: AttachOptions,
): Promise<number | 'detached'> {
  if (started.output) {
    const output = started.output;
    let detached = false;
    let recorded: ContainerRunState | undefined;
    try {
      const result = await attachSessionAndWait(ctx, found, { ...started, output }, opts);
      if (result === 'detached') {
        detached = true;
        return result;
      }
      recorded = await finalizeExit(ctx, found, { waited: await waitedOn(started) });
      return recorded.status === 'exited' ? recorded.exitCode : result;
    } finally {
      // Detached: the container lives on, and its exit hook (this client is going away) records the exit.
      if (!detached && found.record.autoRemove)
        await autoRemove(ctx, found, { taskDeleted: recorded?.status === 'exited' });
      else await rmNow(attachPidFile(found.files.dir), { force: true });
    }
  }
  const client = await ctx.client();
  const { readLogs } = await import('../logs/jsonfile.js');
  const abort = new AbortController();
  const drained = started.exited
    .catch(() => undefined)
    .then(() => waitForFile(started.exitMarker, abort.signal));
  const follower = readLogs(
    found.record.logPath,
    { since: opts.sinceNanos, timestamps: false, follow: true, stop: drained, signal: abort.signal },
    outputsFor(ctx, opts),
  );

  if (opts.stdin && started.stdinPath) {
    const fifo = createWriteStream(started.stdinPath);
    fifo.on('error', () => undefined);
    // The shim keeps the stdin FIFO open itself, so closing our end is no EOF for the container:
    // like Docker's CloseWrite, tell containerd to close the process's stdin once ours has ended.
    fifo.on('finish', () => void client.tasks.closeIO(found.id).catch(() => undefined));
    ctx.stdio.stdin.pipe(fifo);
    started.exited.finally(() => {
      ctx.stdio.stdin.unpipe(fifo);
      fifo.destroy();
      (ctx.stdio.stdin as NodeJS.ReadStream).pause?.();
    });
  }

  const unproxy = opts.sigProxy ? proxySignals(client, found.id) : () => undefined;
  let recorded: ContainerRunState | undefined;
  // Whatever fails after the container ran, --rm still removes it: no error path may leave it behind.
  try {
    let code: number;
    try {
      code = (await started.exited).exitStatus;
    } catch {
      // The exit hook may have deleted the task first; its record has the status.
      code = (await finalizeExit(ctx, found)).exitCode;
    } finally {
      unproxy();
    }
    traceMark('attach: exited');
    // The exit is recorded (the task deleted, ~30 ms of containerd's time) while the last output is
    // drained: neither waits for the other.
    const finalized = waitedOn(started).then((waited) => finalizeExit(ctx, found, { waited }));
    finalized.catch(() => undefined);
    // The monitor writes the marker after the last line; don't wait forever on a monitor that died.
    const guard = setTimeout(() => abort.abort(), 10_000);
    await follower.catch(() => undefined);
    clearTimeout(guard);
    traceMark('attach: output drained');
    recorded = await finalized;
    if (recorded.status === 'exited') code = recorded.exitCode;
    return code;
  } finally {
    // An exit recorded here went with the task's deletion: rm need not ask containerd for it.
    if (found.record.autoRemove) await autoRemove(ctx, found, { taskDeleted: recorded?.status === 'exited' });
    else await rmNow(attachPidFile(found.files.dir), { force: true });
  }
}
