/**
 * The images' share of `system df` (moby's image DiskUsage): every layer counted once however many
 * images share it; reclaimable, the layers of images no container uses that no other image shares.
 */
import type { ContainerdClient } from '../containerd/client.js';
import { chainIds } from './oci.js';
import { loadAll } from './resolve.js';

export interface UsageLine {
  total: number;
  active: number;
  /** Bytes. */
  size: number;
  reclaimable: number;
}

/** `used`: the image IDs (config digests) that at least one container was made from. */
export async function imagesDiskUsage(client: ContainerdClient, used: Set<string>): Promise<UsageLine> {
  const images = new Map<string, string[]>();
  for (const l of await loadAll(client)) {
    if (!images.has(l.configDigest)) images.set(l.configDigest, chainIds(l.config.rootfs?.diff_ids ?? []));
  }
  const layers = new Set([...images.values()].flat());
  const sizes = new Map<string, number>();
  await Promise.all(
    [...layers].map(async (id) => {
      // A layer not unpacked (yet) takes no snapshot space.
      const size = await client.snapshots.usage(id).then(
        (u) => Number(u.size),
        () => 0,
      );
      sizes.set(id, size);
    }),
  );
  const sum = (ids: Iterable<string>) => [...ids].reduce((n, id) => n + (sizes.get(id) ?? 0), 0);
  const sharers = new Map<string, number>();
  for (const chain of images.values())
    for (const id of new Set(chain)) sharers.set(id, (sharers.get(id) ?? 0) + 1);
  let reclaimable = 0;
  for (const [id, chain] of images) {
    if (!used.has(id)) reclaimable += sum(new Set(chain.filter((l) => sharers.get(l) === 1)));
  }
  const active = [...images.keys()].filter((id) => used.has(id)).length;
  return { total: images.size, active, size: sum(layers), reclaimable };
}
