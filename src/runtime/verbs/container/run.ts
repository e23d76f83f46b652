/** `run`: create, start, and (unless -d) stay attached until the container exits. */
import type { RuntimeContext } from '../../context.js';
import { asRunFailure, ContainerExit, UsageError } from '../../errors.js';
import { attachAndWait, attachSince, localConsoleSize } from '../../container/attach.js';
import { createContainer } from './create.js';
import { planOnly, type CreateRequest, type PlanOnly } from './plan.js';
import { autoRemove } from '../../container/remove.js';
import { exitHookCommand, launchMonitor, startContainer } from '../../container/start.js';
import { handOverRestart } from '../../container/restart-policy.js';
import { checkTty, parseDetachKeys } from '../../container/tty.js';
import { recordEvent } from '../../events/record.js';

export interface RunRequest extends CreateRequest, PlanOnly {
  detach: boolean;
  sigProxy: boolean;
  detachKeys?: string;
}

/** `run` as the CLI prints it: the id of a container left running in the background, else nothing. */
export async function runContainerCommand(ctx: RuntimeContext, req: RunRequest): Promise<void> {
  const id = await runContainer(ctx, req);
  if (id !== undefined) ctx.stdio.stdout.write(`${id}\n`);
}

/**
 * Creates and starts the container; unless detached, stays attached to it (its output on ctx's
 * streams) until it exits, a non-zero status thrown as ContainerExit. Returns the container's id
 * when it is left running in the background (-d, or a start that did not attach).
 */
export async function runContainer(ctx: RuntimeContext, req: RunRequest): Promise<string | undefined> {
  const dry = planOnly(req);
  if (req.detach && req.flags.attach && req.flags.attach.length > 0) {
    throw new UsageError('Conflicting options: -a and -d');
  }
  const keys = req.detachKeys ? parseDetachKeys(req.detachKeys) : undefined;
  if (!req.detach) checkTty(ctx.stdio, Boolean(req.flags.interactive), Boolean(req.flags.tty));
  // The plan, once every check a real run makes before creating has passed.
  if (dry) {
    const { dryRun } = await import('./dry-run.js');
    await dryRun(ctx, { ...req, verb: 'run' });
    return undefined;
  }
  let found;
  try {
    found = await createContainer(ctx, { ...req, monitor: (t) => launchMonitor(ctx, t) });
  } catch (err) {
    throw asRunFailure(err);
  }
  const since = attachSince();
  if (!req.detach) await recordEvent(ctx, found.record, 'attach');
  let started;
  try {
    started = await startContainer(ctx, found, {
      stdin: found.record.interactive && !req.detach,
      attach: !req.detach,
      attachOutput: found.record.tty && !req.detach,
      consoleSize: localConsoleSize(ctx),
    });
  } catch (err) {
    await found.fresh?.settle().catch(() => undefined);
    // Docker keeps the failed container (Created, ExitCode 126/127) unless --rm was given.
    if (found.record.autoRemove) await autoRemove(ctx, found);
    throw asRunFailure(err);
  }
  await found.fresh?.settle().catch(() => undefined);
  if (req.detach || !started) return found.id;
  const code = await attachAndWait(ctx, found, started, {
    stdin: found.record.interactive,
    sigProxy: req.sigProxy,
    sinceNanos: since,
    detachKeys: keys,
    // -a: only the streams asked for (docker/cli's run attaches per AttachStdout/AttachStderr).
    streams: {
      stdout: found.record.config.AttachStdout !== false,
      stderr: found.record.config.AttachStderr !== false,
    },
  });
  // Docker's run says nothing on detach and exits 0; the container keeps running (and its exit
  // hook, with this client gone, records the exit and applies the restart policy).
  if (code === 'detached') return undefined;
  await handOverRestart(ctx, found, exitHookCommand(ctx, found.id));
  if (code !== 0) throw new ContainerExit(code);
  return undefined;
}
