/**
 * Removing every stopped container (created, exited, dead) a prune filter lets go, as the daemon's
 * ContainersPrune does for `container prune` and `system prune`: the space reclaimed is what their
 * writable layers held (SizeRw, measured before each removal).
 */
import type { RuntimeContext } from '../context.js';
import { recordPrune } from '../events/record.js';
import { pruneMatches, type PruneFilter } from '../opts/prune-filters.js';
import { containerSizeRw } from './diff.js';
import { summaries, type ContainerSummary } from './list.js';
import { removeContainer } from './remove.js';
import { findContainer } from './store.js';

function prunable(row: ContainerSummary, f: PruneFilter): boolean {
  if (!['created', 'exited', 'dead'].includes(row.state.status)) return false;
  const labels = (row.record.config as { Labels?: Record<string, string> | null }).Labels;
  return pruneMatches(f, row.created.getTime(), labels);
}

export async function pruneStoppedContainers(
  ctx: RuntimeContext,
  filter: PruneFilter,
): Promise<{ deleted: string[]; reclaimed: number }> {
  const client = await ctx.client();
  // A container with a damaged record is left for `rm` (summaries warned about it); another
  // client's (a kubelet's exited containers, say) are that client's to clean up.
  const doomed = (await summaries(ctx)).filter((r) => !r.damaged && !r.foreign && prunable(r, filter));
  const deleted: string[] = [];
  let reclaimed = 0;
  for (const row of doomed) {
    try {
      const found = await findContainer(ctx, row.id);
      const size = await containerSizeRw(client, found);
      await removeContainer(ctx, found, { force: false });
      deleted.push(row.id);
      reclaimed += size;
    } catch {
      // started or removed meanwhile: not ours to report, as the daemon skips it
    }
  }
  await recordPrune(ctx, reclaimed);
  return { deleted, reclaimed };
}
