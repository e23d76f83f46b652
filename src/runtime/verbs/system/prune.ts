/**
 * `system prune`: stopped containers, unused networks, and whatever a killed tsdock left in the
 * kernel and in the network state (reconcile).
 */
import type { RuntimeContext } from '../../context.js';
import { summaries } from '../../container/list.js';
import { removeContainer } from '../../container/remove.js';
import { findContainer } from '../../container/store.js';
import { pruneCache } from '../../build/prune.js';
import { humanSize } from '../../format/units.js';
import { pruneNetworks } from '../../network/remove.js';
import { confirm } from '../../prompt.js';

export async function systemPrune(ctx: RuntimeContext, force: boolean): Promise<void> {
  const warning =
    'WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n' +
    '  - all dangling images\n  - unused build cache\n';
  if (!force && !(await confirm(ctx, warning))) return;
  const stopped = (await summaries(ctx)).filter((r) =>
    ['exited', 'created', 'dead'].includes(r.state.status),
  );
  const deleted: string[] = [];
  for (const r of stopped) {
    try {
      await removeContainer(ctx, await findContainer(ctx, r.id), { force: false });
      deleted.push(r.id);
    } catch {
      /* started meanwhile, or already gone */
    }
  }
  const networks = await pruneNetworks(ctx);
  let out = '';
  if (deleted.length > 0) out += `Deleted Containers:\n${deleted.join('\n')}\n\n`;
  if (networks.length > 0) out += `Deleted Networks:\n${networks.join('\n')}\n\n`;
  // Docker's system prune also removes the dangling build cache (build/prune.ts).
  const cache = await pruneCache(await ctx.client(), { all: false });
  if (cache.removed.length > 0)
    out += `Deleted build cache objects:\n${cache.removed.map((r) => r.key.slice(7, 32)).join('\n')}\n\n`;
  out += `Total reclaimed space: ${humanSize(cache.reclaimed)}\n`;
  ctx.stdio.stdout.write(out);
}
