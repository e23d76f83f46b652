/** `builder prune`: Docker's prompt, then the removed cache records and the space reclaimed. */
import type { RuntimeContext } from '../../context.js';
import { UsageError } from '../../errors.js';
import { humanSize } from '../../format/units.js';
import { parseUntil } from '../../opts/prune-filters.js';
import { confirm } from '../../prompt.js';
import { pruneCache } from '../../build/prune.js';
import { sweepBuildLeftovers } from '../../build/leftovers.js';

export interface BuilderPruneOptions {
  all: boolean;
  force: boolean;
  filters: string[];
}

export async function builderPrune(ctx: RuntimeContext, opts: BuilderPruneOptions): Promise<void> {
  let until: number | undefined;
  for (const f of opts.filters) {
    const at = f.indexOf('=');
    const key = at === -1 ? f : f.slice(0, at);
    if (key === 'until') until = parseUntil(f.slice(at + 1));
    else throw new UsageError(`invalid filter '${key}'`);
  }
  const warning = opts.all
    ? 'WARNING! This will remove all build cache.'
    : 'WARNING! This will remove all dangling build cache.';
  if (!opts.force && !(await confirm(ctx, warning, ' '))) return;
  const client = await ctx.client();
  await sweepBuildLeftovers(ctx, client);
  const { removed, reclaimed } = await pruneCache(client, {
    all: opts.all,
    ...(until !== undefined ? { until } : {}),
  });
  let out = '';
  if (removed.length > 0)
    out += `Deleted build cache objects:\n${removed.map((r) => r.key.slice(7, 32)).join('\n')}\n\n`;
  out += `Total reclaimed space: ${humanSize(reclaimed)}\n`;
  ctx.stdio.stdout.write(out);
}
