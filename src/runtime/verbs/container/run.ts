/** `run`, `create` and `start` as the commands call them. */
import type { RuntimeContext } from '../../context.js';
import { asRunFailure, ContainerExit, PartialFailureError, UsageError } from '../../errors.js';
import { attachAndWait } from '../../container/attach.js';
import { createContainer, type CreateRequest } from './create.js';
import { autoRemove } from '../../container/remove.js';
import { exitHookCommand, launchMonitor, startContainer } from '../../container/start.js';
import { handOverRestart } from '../../container/restart-policy.js';
import { findContainer } from '../../container/store.js';
import { checkTty, parseDetachKeys } from '../../container/tty.js';
import { recordEvent } from '../../events/record.js';

export interface RunRequest extends CreateRequest {
  detach: boolean;
  sigProxy: boolean;
  detachKeys?: string;
}

function localSize(ctx: RuntimeContext): { width: number; height: number } | undefined {
  const out = ctx.stdio.stdout as NodeJS.WriteStream;
  return out.isTTY && out.columns && out.rows ? { width: out.columns, height: out.rows } : undefined;
}

function nowNanos(): bigint {
  return BigInt(Date.now() - 1) * 1_000_000n;
}

export async function runContainer(ctx: RuntimeContext, req: RunRequest): Promise<void> {
  if (req.detach && req.flags.attach && req.flags.attach.length > 0) {
    throw new UsageError('Conflicting options: -a and -d');
  }
  const keys = req.detachKeys ? parseDetachKeys(req.detachKeys) : undefined;
  if (!req.detach) checkTty(ctx.stdio, Boolean(req.flags.interactive), Boolean(req.flags.tty));
  let found;
  try {
    found = await createContainer(ctx, { ...req, monitor: (t) => launchMonitor(ctx, t) });
  } catch (err) {
    throw asRunFailure(err);
  }
  const since = nowNanos();
  if (!req.detach) await recordEvent(ctx, found.record, 'attach');
  let started;
  try {
    started = await startContainer(ctx, found, {
      stdin: found.record.interactive && !req.detach,
      attach: !req.detach,
      attachOutput: found.record.tty && !req.detach,
      consoleSize: localSize(ctx),
    });
  } catch (err) {
    await found.fresh?.settle().catch(() => undefined);
    // Docker keeps the failed container (Created, ExitCode 126/127) unless --rm was given.
    if (found.record.autoRemove) await autoRemove(ctx, found);
    throw asRunFailure(err);
  }
  await found.fresh?.settle().catch(() => undefined);
  if (req.detach || !started) {
    ctx.stdio.stdout.write(`${found.id}\n`);
    return;
  }
  const code = await attachAndWait(ctx, found, started, {
    stdin: found.record.interactive,
    sigProxy: req.sigProxy,
    sinceNanos: since,
    detachKeys: keys,
  });
  // Docker's run says nothing on detach and exits 0; the container keeps running (and its exit
  // hook, with this client gone, records the exit and applies the restart policy).
  if (code === 'detached') return;
  await handOverRestart(ctx, found, exitHookCommand(ctx, found.id));
  if (code !== 0) throw new ContainerExit(code);
}

export async function createOnly(ctx: RuntimeContext, req: CreateRequest): Promise<void> {
  const found = await createContainer(ctx, req);
  ctx.stdio.stdout.write(`${found.id}\n`);
}

export async function startContainers(
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
    const since = nowNanos();
    await recordEvent(ctx, found.record, 'attach');
    const started = await startContainer(ctx, found, {
      stdin: opts.interactive,
      attach: true,
      attachOutput: found.record.tty,
      consoleSize: localSize(ctx),
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
  let failed = false;
  for (const ref of refs) {
    try {
      await startContainer(ctx, await findContainer(ctx, ref), { stdin: false });
      ctx.stdio.stdout.write(`${ref}\n`);
    } catch (err) {
      failed = true;
      ctx.stdio.stderr.write(`${(err as Error).message}\n`);
    }
  }
  if (failed) {
    ctx.stdio.stderr.write('Error: failed to start containers: ' + refs.join(', ') + '\n');
    throw new PartialFailureError();
  }
}
