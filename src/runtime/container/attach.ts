/**
 * Foreground attach for `run` and `start -a`. Output comes from the monitor's json-file log (so
 * what the user sees and what `logs` shows are the same bytes, and a killed client loses nothing);
 * stdin goes straight into the task's stdin FIFO; signals are proxied like Docker's --sig-proxy.
 */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { RuntimeContext } from '../context.js';
import { finalizeExit } from './exit.js';
import { waitForFile } from './logs.js';
import { autoRemove } from './remove.js';
import { attachPidFile, type Started } from './start.js';
import type { Found } from './store.js';

const PROXIED: NodeJS.Signals[] = [
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGQUIT',
  'SIGUSR1',
  'SIGUSR2',
  'SIGWINCH',
];

export interface AttachOptions {
  stdin: boolean;
  sigProxy: boolean;
  /** Only log entries from this run (unix nanos): earlier runs of a restarted container are history. */
  sinceNanos: bigint;
}

export async function attachAndWait(
  ctx: RuntimeContext,
  found: Found,
  started: Started,
  opts: AttachOptions,
): Promise<number> {
  const client = await ctx.client();
  const { readLogs } = await import('../logs/jsonfile.js');
  const abort = new AbortController();
  const drained = started.exited
    .catch(() => undefined)
    .then(() => waitForFile(started.exitMarker, abort.signal));
  const follower = readLogs(
    found.record.logPath,
    { since: opts.sinceNanos, timestamps: false, follow: true, stop: drained, signal: abort.signal },
    { stdout: ctx.stdio.stdout, stderr: ctx.stdio.stderr },
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

  const handlers = new Map<NodeJS.Signals, () => void>();
  if (opts.sigProxy) {
    const { constants } = await import('node:os');
    for (const sig of PROXIED) {
      const h = () => void client.tasks.kill(found.id, constants.signals[sig]).catch(() => undefined);
      handlers.set(sig, h);
      process.on(sig, h);
    }
  }
  // Whatever fails after the container ran, --rm still removes it: no error path may leave it behind.
  try {
    let code: number;
    try {
      code = (await started.exited).exitStatus;
    } catch {
      // The exit hook may have deleted the task first; its record has the status.
      code = (await finalizeExit(ctx, found)).exitCode;
    } finally {
      for (const [sig, h] of handlers) process.off(sig, h);
    }
    // The monitor writes the marker after the last line; don't wait forever on a monitor that died.
    const guard = setTimeout(() => abort.abort(), 10_000);
    await follower.catch(() => undefined);
    clearTimeout(guard);
    const state = await finalizeExit(ctx, found);
    if (state.status === 'exited') code = state.exitCode;
    return code;
  } finally {
    if (found.record.autoRemove) await autoRemove(ctx, found);
    else await rm(attachPidFile(found.files.dir), { force: true });
  }
}
