/**
 * A container's (or a build step's) changes as a layer: containerd's Diff service compares a
 * read-only view of the parent chain with the active snapshot and writes the gzip tar into the
 * content store. `commit` and `build` both make their layers here.
 */
import type { ContainerdClient } from '../containerd/client.js';
import { DaemonError } from '../errors.js';
import { randomHex } from '../state/ids.js';
import { type Descriptor, Label, MediaType } from './oci.js';

/** sha256 of an empty tar (1024 zero bytes): moby's layer.EmptyLayer DiffID. */
export const EMPTY_LAYER_DIFF_ID = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';

export async function layerDiff(
  lc: ContainerdClient,
  chainId: string,
  snapshotKey: string,
): Promise<{ layer: Descriptor; diffId: string }> {
  const viewKey = `tsdock-diff-${randomHex(6)}`;
  const lower = chainId ? await lc.snapshots.view(viewKey, chainId) : [];
  try {
    const upper = await lc.snapshots.mounts(snapshotKey);
    const desc = await lc.diff.diff({
      left: lower,
      right: upper,
      mediaType: MediaType.ociLayerGzip,
      ref: `tsdock-diff-${snapshotKey}-${Date.now()}`,
    });
    const info = await lc.content.info(desc.digest);
    const diffId = info.labels?.[Label.uncompressed];
    if (!diffId)
      throw new DaemonError('Error response from daemon: the diff service gave no uncompressed digest');
    // The bytes are a gzip tar either way; Docker's manifests name it with Docker's media type.
    return { layer: { mediaType: MediaType.dockerLayerGzip, digest: desc.digest, size: desc.size }, diffId };
  } finally {
    if (chainId) await lc.snapshots.remove(viewKey).catch(() => undefined);
  }
}
