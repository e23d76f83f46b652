/** `network prune`: every user-defined network no container uses, after Docker's prompt unless -f. */
import type { RuntimeContext } from '../../context.js';
import { pruneNetworks } from '../../network/remove.js';
import { confirm } from '../../prompt.js';

export async function networkPrune(ctx: RuntimeContext, force: boolean): Promise<void> {
  if (
    !force &&
    !(await confirm(ctx, 'WARNING! This will remove all custom networks not used by at least one container.'))
  ) {
    return;
  }
  const removed = await pruneNetworks(ctx);
  if (removed.length > 0) ctx.stdio.stdout.write(`Deleted Networks:\n${removed.join('\n')}\n`);
}
