/**
 * Removing build cache records (cache.ts): all of them (`builder prune -a`), or only those whose
 * layer no image uses any more (the default, BuildKit's "dangling" cache), optionally only those
 * older than a time. containerd's GC then frees the layers and snapshots nothing else holds.
 */
import type { ContainerdClient } from '../containerd/client.js';
import { listCache, removeRecords, type CacheRecord } from './cache.js';

export interface CachePruneOptions {
  all: boolean;
  /** Only records created before this time (ms since the epoch). */
  until?: number;
}

/** Layer digests used by some image (every manifest in the content store). */
async function layersInUse(client: ContainerdClient): Promise<Set<string>> {
  const { resolveManifest } = await import('../images/content.js');
  const used = new Set<string>();
  for (const img of await client.images.list()) {
    try {
      const { manifest } = await resolveManifest(client, img.target);
      for (const l of manifest.layers) used.add(l.digest);
    } catch {
      /* content gone: uses nothing */
    }
  }
  return used;
}

/** A record's disk use: its snapshot's, or its compressed layer's when the snapshot is gone. */
export async function recordSize(client: ContainerdClient, r: CacheRecord): Promise<number> {
  if (!r.layer) return 0;
  try {
    return Number((await client.snapshots.usage(r.chainId)).size);
  } catch {
    return r.size;
  }
}

export async function pruneCache(
  client: ContainerdClient,
  opts: CachePruneOptions,
): Promise<{ removed: CacheRecord[]; reclaimed: number }> {
  let records = await listCache(client);
  if (opts.until !== undefined) records = records.filter((r) => Date.parse(r.created) < opts.until!);
  if (!opts.all) {
    const used = await layersInUse(client);
    records = records.filter((r) => !r.layer || !used.has(r.layer.digest));
  }
  let reclaimed = 0;
  for (const r of records) reclaimed += await recordSize(client, r);
  await removeRecords(client, records);
  return { removed: records, reclaimed };
}

/** What `system df` reports for the build cache. */
export async function cacheUsage(
  client: ContainerdClient,
): Promise<{ total: number; active: number; size: number; reclaimable: number }> {
  const records = await listCache(client);
  const used = await layersInUse(client);
  let size = 0;
  let reclaimable = 0;
  let active = 0;
  for (const r of records) {
    const s = await recordSize(client, r);
    size += s;
    if (r.layer && used.has(r.layer.digest)) active++;
    else reclaimable += s;
  }
  return { total: records.length, active, size, reclaimable };
}
