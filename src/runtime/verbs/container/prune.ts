/**
 * `docker container prune`: every stopped container matching the filters goes, after Docker's
 * confirmation prompt unless -f; prints the removed IDs and the space their writable layers held.
 */
import type { RuntimeContext } from '../../context.js';
import { pruneStoppedContainers } from '../../container/prune.js';
import { humanSize } from '../../format/units.js';
import { parsePruneFilters } from '../../opts/prune-filters.js';
import { confirm } from '../../prompt.js';

export interface PruneOptions {
  force: boolean;
  filters: string[];
}

/** The pruning itself, without the question: the ids removed and the bytes their writable layers held. */
export function removeStoppedContainers(
  ctx: RuntimeContext,
  filters: string[],
): Promise<{ deleted: string[]; reclaimed: number }> {
  return pruneStoppedContainers(ctx, parsePruneFilters(filters));
}

export async function pruneContainers(ctx: RuntimeContext, opts: PruneOptions): Promise<void> {
  parsePruneFilters(opts.filters);
  if (!opts.force && !(await confirm(ctx, 'WARNING! This will remove all stopped containers.'))) return;
  const { deleted, reclaimed } = await removeStoppedContainers(ctx, opts.filters);
  const out = ctx.stdio.stdout;
  if (deleted.length) out.write(`Deleted Containers:\n${deleted.map((id) => `${id}\n`).join('')}\n`);
  out.write(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
}
