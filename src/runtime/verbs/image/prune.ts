/**
 * `image prune`: the dangling images (with -a every image no container uses) that the filters let
 * go, after Docker's question unless -f; Docker's report and the space reclaimed, as measured
 * (images/prune.ts).
 */
import type { RuntimeContext } from '../../context.js';
import { summaries } from '../../container/list.js';
import { humanSize } from '../../format/units.js';
import { pruneImages, type PruneItem } from '../../images/prune.js';
import { parsePruneFilters } from '../../opts/prune-filters.js';
import { confirm } from '../../prompt.js';

export interface ImagePruneOptions {
  /** -a: every image without a container, not only the dangling ones. */
  all: boolean;
  force: boolean;
  /** --filter until=…, label=…, label!=… */
  filters: string[];
}

/** docker/cli's "Deleted Images:" block (empty when nothing went), shared with system prune. */
export function deletedImagesReport(items: PruneItem[]): string {
  if (items.length === 0) return '';
  const lines = items.map((i) => ('untagged' in i ? `untagged: ${i.untagged}` : `deleted: ${i.deleted}`));
  return `Deleted Images:\n${lines.join('\n')}\n\n`;
}

/** The config digests of the images containers (running or not) are made from. */
export async function imagesInUse(ctx: RuntimeContext): Promise<Set<string>> {
  return new Set((await summaries(ctx)).map((s) => s.record.imageId));
}

/**
 * The pruning itself, without the question: what was untagged and deleted, in Docker's order, and
 * the bytes reclaimed.
 */
export async function removeUnusedImages(
  ctx: RuntimeContext,
  opts: Pick<ImagePruneOptions, 'all' | 'filters'>,
): Promise<{ items: PruneItem[]; reclaimed: number }> {
  const filter = parsePruneFilters(opts.filters);
  return pruneImages(ctx, { all: opts.all, filter, inUse: await imagesInUse(ctx) });
}

export async function imagePrune(ctx: RuntimeContext, opts: ImagePruneOptions): Promise<void> {
  parsePruneFilters(opts.filters);
  const warning = opts.all
    ? 'WARNING! This will remove all images without at least one container associated to them.'
    : 'WARNING! This will remove all dangling images.';
  if (!opts.force && !(await confirm(ctx, warning))) return;
  const { items, reclaimed } = await removeUnusedImages(ctx, opts);
  ctx.stdio.stdout.write(`${deletedImagesReport(items)}Total reclaimed space: ${humanSize(reclaimed)}\n`);
}
