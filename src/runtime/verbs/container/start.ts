/** `start`: each container's task started again; with -a/-i one container, attached until it exits. */
import type { RuntimeContext } from '../../context.js';
import { ContainerExit, PartialFailureError, UsageError, type Failure } from '../../errors.js';
import { printDone } from '../../format/done.js';
import { attachAndWait, attachSince, localConsoleSize } from '../../container/attach.js';
import { exitHookCommand, startContainer } from '../../container/start.js';
import { handOverRestart } from '../../container/restart-policy.js';
import { findContainer } from '../../container/store.js';
import { parseDetachKeys } from '../../container/tty.js';
import { recordEvent } from '../../events/record.js';

/**
 * Starts each container's task, nothing attached; returns those started, as typed. If any failed:
 * PartialFailureError, ending with docker/cli's `Error: failed to start containers: …` line.
 */
export async function startContainers(ctx: RuntimeContext, refs: string[]): Promise<string[]> {
  const done: string[] = [];
  const failures: Failure[] = [];
  for (const ref of refs) {
    try {
      await startContainer(ctx, await findContainer(ctx, ref), { stdin: false });
      done.push(ref);
    } catch (err) {
      failures.push({ ref, error: err instanceof Error ? err : new Error(String(err)) });
    }
  }
  if (failures.length > 0) {
    // docker/cli names the containers that failed, not all of them.
    const failed = failures.map((f) => f.ref).join(', ');
    throw new PartialFailureError(failures, done, `Error: failed to start containers: ${failed}`);
  }
  return done;
}

/** `start`: with -a/-i one container, attached until it exits; else each one started and printed. */
export async function containerStart(
  ctx: RuntimeContext,
  refs: string[],
  opts: { attach: boolean; interactive: boolean; detachKeys?: string },
): Promise<void> {
  if ((opts.attach || opts.interactive) && refs.length > 1) {
    throw new UsageError('you cannot start and attach multiple containers at once');
  }
  if (opts.attach || opts.interactive) {
    const keys = opts.detachKeys ? parseDetachKeys(opts.detachKeys) : undefined;
    // docker/cli's start, unlike run, exec and attach, does not insist on a terminal for a -t container.
    const found = await findContainer(ctx, refs[0]!);
    const since = attachSince();
    await recordEvent(ctx, found.record, 'attach');
    const started = await startContainer(ctx, found, {
      stdin: opts.interactive,
      attach: true,
      attachOutput: found.record.tty,
      consoleSize: localConsoleSize(ctx),
    });
    if (!started) return;
    const code = await attachAndWait(ctx, found, started, {
      stdin: opts.interactive,
      sigProxy: true,
      sinceNanos: since,
      detachKeys: keys,
    });
    // Docker's run says nothing on detach and exits 0; the container keeps running (and its exit
    // hook, with this client gone, records the exit and applies the restart policy).
    if (code === 'detached') return;
    await handOverRestart(ctx, found, exitHookCommand(ctx, found.id));
    if (code !== 0) throw new ContainerExit(code);
    return;
  }
  return printDone(ctx, startContainers(ctx, refs));
}
