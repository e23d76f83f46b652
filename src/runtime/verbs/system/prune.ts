/**
 * `system prune`: what its warning lists, in Docker's order — stopped containers, unused networks,
 * dangling images (with -a every image no container uses), the unused build cache (-a: all of it)
 * — each through the filters, then the space reclaimed, as measured by each pruner (containers'
 * writable layers, images' blobs and layers that are really gone, the cache's records); with
 * --volumes the unused anonymous volumes too, after the networks (docker/cli's pruner order).
 */
import type { RuntimeContext } from '../../context.js';
import { pruneStoppedContainers } from '../../container/prune.js';
import { pruneCache } from '../../build/prune.js';
import { humanSize } from '../../format/units.js';
import { pruneImages } from '../../images/prune.js';
import { pruneNetworks } from '../../network/remove.js';
import { parsePruneFilters, type PruneFilter } from '../../opts/prune-filters.js';
import { confirm } from '../../prompt.js';
import { RequestError } from '../../errors.js';
import { pruneVolumes } from '../volume/prune.js';
import { deletedImagesReport, imagesInUse } from '../image/prune.js';

export interface SystemPruneOptions {
  force: boolean;
  /** -a: every unused image, not only the dangling ones. */
  all: boolean;
  /** --volumes: the anonymous volumes no container uses (never named ones, even with -a). */
  volumes?: boolean;
  filters: string[];
}

/** docker/cli's confirmation message for the options given. */
function warning(opts: SystemPruneOptions, filter: PruneFilter): string {
  const removes = [
    'all stopped containers',
    'all networks not used by at least one container',
    ...(opts.volumes ? ['all anonymous volumes not used by at least one container'] : []),
    opts.all ? 'all images without at least one container associated to them' : 'all dangling images',
    opts.all ? 'all build cache' : 'unused build cache',
  ];
  let text = `WARNING! This will remove:\n${removes.map((w) => `  - ${w}\n`).join('')}`;
  if (filter.shown.length > 0) {
    text += `\n  Items to be pruned will be filtered with:\n${filter.shown.map((f) => `  - ${f}\n`).join('')}`;
  }
  return text;
}

export async function systemPrune(ctx: RuntimeContext, opts: SystemPruneOptions): Promise<void> {
  const filter = parsePruneFilters(opts.filters);
  if (opts.volumes && filter.until !== undefined) {
    throw new RequestError('ERROR: The "until" filter is not supported with "--volumes"');
  }
  if (!opts.force && !(await confirm(ctx, warning(opts, filter)))) return;
  let out = '';
  const containers = await pruneStoppedContainers(ctx, filter);
  if (containers.deleted.length > 0) out += `Deleted Containers:\n${containers.deleted.join('\n')}\n\n`;
  const networks = await pruneNetworks(ctx, filter);
  if (networks.length > 0) out += `Deleted Networks:\n${networks.join('\n')}\n\n`;
  const volumes = opts.volumes
    ? await pruneVolumes(ctx, {
        all: false,
        filters: [...filter.labels.map((l) => `label=${l}`), ...filter.notLabels.map((l) => `label!=${l}`)],
      })
    : { deleted: [], reclaimed: 0 };
  if (volumes.deleted.length > 0) out += `Deleted Volumes:\n${volumes.deleted.join('\n')}\n\n`;
  // After the containers: the images of the ones just removed are unused now.
  const images = await pruneImages(ctx, { all: opts.all, filter, inUse: await imagesInUse(ctx) });
  out += deletedImagesReport(images.items);
  // Cache records carry no labels: a label filter leaves them all.
  const cache =
    filter.labels.length > 0
      ? { removed: [], reclaimed: 0 }
      : await pruneCache(await ctx.client(), {
          all: opts.all,
          ...(filter.until !== undefined ? { until: filter.until } : {}),
        });
  if (cache.removed.length > 0)
    out += `Deleted build cache objects:\n${cache.removed.map((r) => r.key.slice(7, 32)).join('\n')}\n\n`;
  out += `Total reclaimed space: ${humanSize(containers.reclaimed + volumes.reclaimed + images.reclaimed + cache.reclaimed)}\n`;
  ctx.stdio.stdout.write(out);
}
