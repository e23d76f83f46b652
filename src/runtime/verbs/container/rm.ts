/** `rm`: each container removed with everything it owns (container/remove.ts). */
import type { RuntimeContext } from '../../context.js';
import { removeContainer } from '../../container/remove.js';
import { removeForeign } from '../../container/foreign-task.js';
import { printDone } from '../../format/done.js';
import { forEachContainer } from './batch.js';

export interface RemoveOptions {
  force: boolean;
  volumes?: boolean;
}

/** Removes each container; returns those removed, as typed (PartialFailureError if any failed). */
export function removeContainers(
  ctx: RuntimeContext,
  refs: string[],
  opts: RemoveOptions,
): Promise<string[]> {
  // Docker: `rm -f missing` reports the error but succeeds.
  // A container whose records are damaged can still be removed: what it holds is known elsewhere.
  return forEachContainer(ctx, refs, (f) => removeContainer(ctx, f, opts), {
    ignoreMissing: opts.force,
    salvage: true,
    foreign: (f) => removeForeign(ctx, f, opts),
  });
}

export function containerRemove(ctx: RuntimeContext, refs: string[], opts: RemoveOptions): Promise<void> {
  return printDone(ctx, removeContainers(ctx, refs, opts));
}
