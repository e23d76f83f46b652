/**
 * The runtime entry points of the simple container verbs; each command file calls exactly one of
 * these with its typed options.
 */
import type { RuntimeContext } from '../../context.js';
import { ContainerExit } from '../../errors.js';
import { forEachContainer } from './batch.js';
import { removeContainer } from '../../container/remove.js';
import { renameContainer } from './rename.js';
import { stopContainer, killContainer } from '../../container/stop.js';
import { waitContainer } from './wait.js';
import { findContainer } from '../../container/store.js';
import { recordEvent } from '../../events/record.js';

export interface StopOptions {
  timeout?: number;
  signal?: string;
}

export function stopContainers(ctx: RuntimeContext, refs: string[], opts: StopOptions): Promise<void> {
  return forEachContainer(ctx, refs, (f) => stopContainer(ctx, f, opts), { parallel: true });
}

export function killContainers(
  ctx: RuntimeContext,
  refs: string[],
  opts: { signal?: string },
): Promise<void> {
  return forEachContainer(ctx, refs, (f) => killContainer(ctx, f, opts), { parallel: true });
}

export function removeContainers(
  ctx: RuntimeContext,
  refs: string[],
  opts: { force: boolean },
): Promise<void> {
  // Docker: `rm -f missing` reports the error but succeeds.
  // A container whose records are damaged can still be removed: what it holds is known elsewhere.
  return forEachContainer(ctx, refs, (f) => removeContainer(ctx, f, opts), {
    ignoreMissing: opts.force,
    salvage: true,
  });
}

export async function restartContainers(
  ctx: RuntimeContext,
  refs: string[],
  opts: StopOptions,
): Promise<void> {
  const { startContainer } = await import('../../container/start.js');
  return forEachContainer(ctx, refs, async (f) => {
    await stopContainer(ctx, f, opts);
    await startContainer(ctx, f, { stdin: false });
    await recordEvent(ctx, f.record, 'restart');
  });
}

export async function waitContainers(ctx: RuntimeContext, refs: string[]): Promise<void> {
  let failed = false;
  for (const ref of refs) {
    try {
      const code = await waitContainer(ctx, await findContainer(ctx, ref));
      ctx.stdio.stdout.write(`${code}\n`);
    } catch (err) {
      failed = true;
      ctx.stdio.stderr.write(`${(err as Error).message}\n`);
    }
  }
  if (failed) throw new ContainerExit(1);
}

export async function renameOne(ctx: RuntimeContext, ref: string, newName: string): Promise<void> {
  await renameContainer(ctx, await findContainer(ctx, ref), newName);
}

/** `tsdock internal exited ID`: run by the monitor when a container's output ends. */
export async function onContainerExited(ctx: RuntimeContext, id: string): Promise<void> {
  const { onContainerExited: exited } = await import('../../container/restart-policy.js');
  await exited(ctx, id);
}
