/** `network prune`: every user-defined network no container uses, after Docker's prompt unless -f. */
import type { RuntimeContext } from '../../context.js';
import { pruneNetworks } from '../../network/remove.js';
import { parsePruneFilters } from '../../opts/prune-filters.js';
import { confirm } from '../../prompt.js';

export async function networkPrune(
  ctx: RuntimeContext,
  opts: { force: boolean; filters: string[] },
): Promise<void> {
  const filter = parsePruneFilters(opts.filters);
  if (
    !opts.force &&
    !(await confirm(ctx, 'WARNING! This will remove all custom networks not used by at least one container.'))
  ) {
    return;
  }
  const removed = await pruneNetworks(ctx, filter);
  if (removed.length > 0) ctx.stdio.stdout.write(`Deleted Networks:\n${removed.join('\n')}\n`);
}
