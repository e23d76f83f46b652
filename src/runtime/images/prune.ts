/**
 * Removing unused images as the daemon's ImagesPrune does: the dangling ones (no name left), or
 * with `all` every image no container uses, that the prune filter lets go. The space reclaimed is
 * measured: the content blobs and unpacked layers (snapshots) of the removed images that are
 * really gone afterwards, at the sizes they had before — a layer another image still shares is not
 * counted.
 */
import type { RuntimeContext } from '../context.js';
import type { ContainerdClient } from '../containerd/client.js';
import { pruneMatches, type PruneFilter } from '../opts/prune-filters.js';
import { recordImageEvent, recordTypePrune } from '../events/record.js';
import { blobExists, isDanglingName, isNotFound, snapshotExists } from './content.js';
import { chainIds } from './oci.js';
import { familiar } from './reference.js';
import { loadAll, type Loaded } from './resolve.js';
import { dropTargetEntry } from './target-cache.js';

/** One line of Docker's prune report: an untagged name, or a deleted image. */
export type PruneItem = { untagged: string } | { deleted: string };

/** An image (every record on one config), what it is made of, and whether it still has a name. */
interface Candidate {
  configDigest: string;
  records: Loaded[];
  dangling: boolean;
  created: number;
  labels: Record<string, string> | undefined;
}

function candidates(all: Loaded[]): Candidate[] {
  const byConfig = new Map<string, Loaded[]>();
  for (const l of all) byConfig.set(l.configDigest, [...(byConfig.get(l.configDigest) ?? []), l]);
  return [...byConfig].map(([configDigest, records]) => {
    const first = records[0]!;
    const created = first.config.created ? Date.parse(first.config.created) : NaN;
    return {
      configDigest,
      records,
      dangling: records.every((r) => isDanglingName(r.record.name)),
      created: Number.isNaN(created) ? (first.record.createdAt?.getTime() ?? 0) : created,
      labels: first.config.config?.Labels ?? undefined,
    };
  });
}

/** Its blobs (target, manifest, config, layers) and unpacked layers, with their sizes now. */
async function footprint(
  client: ContainerdClient,
  c: Candidate,
  blobs: Map<string, number>,
  snapshots: Map<string, number>,
): Promise<void> {
  for (const { record, manifest, manifestDescriptor } of c.records) {
    blobs.set(record.target.digest, record.target.size);
    blobs.set(manifestDescriptor.digest, manifestDescriptor.size);
    blobs.set(manifest.config.digest, manifest.config.size);
    for (const layer of manifest.layers) blobs.set(layer.digest, layer.size);
  }
  for (const key of chainIds(c.records[0]!.config.rootfs?.diff_ids ?? [])) {
    if (snapshots.has(key)) continue;
    const size = await client.snapshots.usage(key).then(
      (u) => Number(u.size),
      () => 0,
    );
    snapshots.set(key, size);
  }
}

export async function pruneImages(
  ctx: RuntimeContext,
  opts: {
    /** Every unused image, not only the dangling ones (`-a`). */
    all: boolean;
    filter: PruneFilter;
    /** The config digests of the images containers use: never pruned. */
    inUse: Set<string>;
  },
): Promise<{ items: PruneItem[]; reclaimed: number }> {
  const client = await ctx.client();
  const doomed = candidates(await loadAll(client)).filter(
    (c) =>
      (opts.all || c.dangling) &&
      !opts.inUse.has(c.configDigest) &&
      pruneMatches(opts.filter, c.created, c.labels),
  );
  const blobs = new Map<string, number>();
  const snapshots = new Map<string, number>();
  for (const c of doomed) await footprint(client, c, blobs, snapshots);

  const items: PruneItem[] = [];
  for (const c of doomed) {
    const names = c.records.map((r) => r.record.name);
    try {
      for (const [i, name] of names.entries()) {
        // The last record goes with a synchronous GC: what it held is gone before it is measured.
        await client.images.delete(name, i === names.length - 1).catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
        if (!isDanglingName(name)) {
          items.push({ untagged: familiar(name) });
          await recordImageEvent(ctx, 'untag', {
            id: c.configDigest,
            name: familiar(name),
            labels: c.labels,
          });
        }
      }
    } catch {
      continue; // taken by a container or removed meanwhile: the daemon skips it too
    }
    for (const r of c.records)
      await dropTargetEntry(ctx.stateDir, r.record.target.digest).catch(() => undefined);
    items.push({ deleted: c.configDigest });
    await recordImageEvent(ctx, 'delete', { id: c.configDigest });
  }

  let reclaimed = 0;
  for (const [digest, size] of blobs) if (!(await blobExists(client, digest))) reclaimed += size;
  for (const [key, size] of snapshots) if (!(await snapshotExists(client, key))) reclaimed += size;
  await recordTypePrune(ctx, 'image', reclaimed);
  return { items, reclaimed };
}
