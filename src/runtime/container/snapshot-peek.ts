/**
 * A container's snapshots as containerd has them: the chain of committed layers under a snapshot,
 * and — for a container not made yet — the layers' directories, learnt from a temporary read-only
 * view of the image's top layer. The view lives under a lease labelled with this process (a
 * crashed tsdock's is collected by repair.ts) and both are removed before the function returns.
 */
import { randomHex } from '../state/ids.js';
import type { ContainerdClient } from '../containerd/client.js';
import type { UserFiles } from '../images/target-cache.js';
import { LEASE_PID_LABEL } from './repair.js';
import { layerDirs, readUserFiles } from './rootfs.js';

/** Snapshot names from `top` down to the base layer. */
export async function snapshotChain(client: ContainerdClient, top: string): Promise<string[]> {
  const chain: string[] = [];
  for (let name = top; name && chain.length < 256;) {
    chain.push(name);
    name = (await client.snapshots.stat(name)).parent;
  }
  return chain;
}

/** Where the overlayfs snapshotter keeps its snapshots (`<root>/snapshots/<n>/fs`), as it reports. */
export async function overlayRoot(client: ContainerdClient): Promise<string> {
  const [plugin] = await client.introspection.plugins(['type==io.containerd.snapshotter.v1,id==overlayfs']);
  return plugin?.exports?.root ?? '';
}

export interface ImageLayers {
  /** The image's committed snapshots, top first. */
  chain: string[];
  /** Their directories, in the same order: the lowerdir list of a container's overlay. */
  dirs: string[];
  root: string;
  /** The image's /etc/passwd and /etc/group, read through the view. */
  userFiles: UserFiles;
}

/** The image's layers without preparing anything that outlives the call. */
export async function peekImageLayers(client: ContainerdClient, chainId: string): Promise<ImageLayers> {
  if (!chainId) {
    return { chain: [], dirs: [], root: await overlayRoot(client), userFiles: { passwd: null, group: null } };
  }
  // Deleted with `sync`: containerd's GC removes the view's directory before the call returns.
  const lease = await client.leases.create({
    labels: {
      'containerd.io/gc.expire': new Date(Date.now() + 300_000).toISOString().replace(/\.\d+Z$/, 'Z'),
      [LEASE_PID_LABEL]: String(process.pid),
    },
  });
  const key = `tsdock-dry-run-${process.pid}-${randomHex(8)}`;
  try {
    const [mounts, chain, root] = await Promise.all([
      client.usingLease(lease.id).snapshots.view(key, chainId),
      snapshotChain(client, chainId),
      overlayRoot(client),
    ]);
    try {
      return { chain, dirs: layerDirs(mounts), root, userFiles: await readUserFiles(mounts) };
    } finally {
      await client.snapshots.remove(key).catch(() => undefined);
    }
  } finally {
    await client.leases.delete(lease.id, true).catch(() => undefined);
  }
}
