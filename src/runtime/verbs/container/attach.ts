/**
 * `attach`: this terminal to a running container's stdio, through the monitor's socket (output as
 * it is produced, no history) and the stdin FIFO of containers created with -i.
 */
import type { RuntimeContext } from '../../context.js';
import { ConflictError, ContainerExit, DetachedError } from '../../errors.js';
import { DROPPED_MESSAGE, pipeFrames, proxySignals } from '../../container/attach.js';
import { finalizeExit } from '../../container/exit.js';
import { runSession } from '../../container/session.js';
import { connectAttach, droppedByMonitor } from '../../container/stdio.js';
import { findContainer, getTask } from '../../container/store.js';
import { checkTty, DEFAULT_DETACH_KEYS, parseDetachKeys } from '../../container/tty.js';
import { recordEvent } from '../../events/record.js';

export async function attachToContainer(
  ctx: RuntimeContext,
  ref: string,
  opts: { noStdin: boolean; sigProxy: boolean; detachKeys?: string },
): Promise<void> {
  const keys = parseDetachKeys(opts.detachKeys || DEFAULT_DETACH_KEYS);
  const found = await findContainer(ctx, ref);
  const client = await ctx.client();
  const task = await getTask(client, found.id);
  if (task?.status === 'PAUSED' || task?.status === 'PAUSING')
    throw new ConflictError('You cannot attach to a paused container, unpause it first');
  if (task?.status !== 'RUNNING')
    throw new ConflictError('You cannot attach to a stopped container, start it first');
  const state = await found.files.readState();
  if (!state.attachSocket)
    throw new ConflictError(
      `Error response from daemon: container ${found.id} was started by an older tsdock without an attach socket: restart it to attach`,
    );
  const withStdin = !opts.noStdin && found.record.interactive;
  checkTty(ctx.stdio, withStdin, found.record.tty);
  const socket = await connectAttach(state.attachSocket).catch(() => {
    throw new ConflictError('You cannot attach to a stopped container, start it first');
  });
  const waited = client.tasks.wait(found.id);
  waited.catch(() => undefined);
  await recordEvent(ctx, found.record, 'attach');
  const unproxy = opts.sigProxy && !found.record.tty ? proxySignals(client, found.id) : () => undefined;
  let end;
  try {
    end = await runSession(ctx, {
      tty: found.record.tty,
      // A container's stdin outlives one attached client (Docker's StdinOnce is false here).
      stdinPath: withStdin ? state.stdinPath : undefined,
      detachKeys: keys,
      resize: (s) => client.tasks.resizePty(found.id, s.width, s.height),
      outputDone: pipeFrames(socket, { stdout: ctx.stdio.stdout, stderr: ctx.stdio.stderr }),
    });
  } finally {
    unproxy();
  }
  if (end === 'detached' || droppedByMonitor(state.exitMarker)) {
    socket.destroy();
    await recordEvent(ctx, found.record, 'detach');
    throw new DetachedError(end === 'detached' ? 'read escape sequence' : DROPPED_MESSAGE);
  }
  let code: number;
  try {
    code = (await waited).exitStatus;
  } catch {
    code = (await finalizeExit(ctx, found)).exitCode;
  }
  if (code !== 0) throw new ContainerExit(code);
}
