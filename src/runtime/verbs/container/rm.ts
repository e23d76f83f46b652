/** `rm`: each container removed with everything it owns (container/remove.ts). */
import type { RuntimeContext } from '../../context.js';
import { removeContainer } from '../../container/remove.js';
import { removeForeign } from '../../container/foreign-task.js';
import { forEachContainer } from './batch.js';

export function removeContainers(
  ctx: RuntimeContext,
  refs: string[],
  opts: { force: boolean; volumes?: boolean },
): Promise<void> {
  // Docker: `rm -f missing` reports the error but succeeds.
  // A container whose records are damaged can still be removed: what it holds is known elsewhere.
  return forEachContainer(ctx, refs, (f) => removeContainer(ctx, f, opts), {
    ignoreMissing: opts.force,
    salvage: true,
    foreign: (f) => removeForeign(ctx, f, opts),
  });
}
