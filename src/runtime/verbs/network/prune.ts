/** `network prune`: every user-defined network no container uses, after Docker's prompt unless -f. */
import type { RuntimeContext } from '../../context.js';
import { pruneNetworks } from '../../network/remove.js';
import { parsePruneFilters } from '../../opts/prune-filters.js';
import { confirm } from '../../prompt.js';

/** The pruning itself, without the question: the names of the networks removed. */
export function removeUnusedNetworks(ctx: RuntimeContext, filters: string[]): Promise<string[]> {
  return pruneNetworks(ctx, parsePruneFilters(filters));
}

export async function networkPrune(
  ctx: RuntimeContext,
  opts: { force: boolean; filters: string[] },
): Promise<void> {
  parsePruneFilters(opts.filters);
  if (
    !opts.force &&
    !(await confirm(ctx, 'WARNING! This will remove all custom networks not used by at least one container.'))
  ) {
    return;
  }
  const removed = await removeUnusedNetworks(ctx, opts.filters);
  if (removed.length > 0) ctx.stdio.stdout.write(`Deleted Networks:\n${removed.join('\n')}\n`);
}
