/**
 * The build's result into containerd's image store, as `commit` stores its image: the config
 * (Docker's field names, BuildKit's history), a Docker schema2 manifest with GC labels, the config
 * labelled with its top snapshot (already committed by the steps), and the names.
 */
import type { ContainerdClient } from '../containerd/client.js';
import { danglingName, putBlob, setImageName, unpackImage } from '../images/content.js';
import {
  type Descriptor,
  MediaType,
  dockerManifest,
  encodeJson,
  manifestGcLabels,
  sha256,
} from '../images/oci.js';
import { imageConfigOf } from './builder.js';
import type { StageState } from './state.js';
import { fillHistoryTimes } from './state.js';

export interface StoredImage {
  id: string;
  target: Descriptor;
  config: Buffer;
}

export function finalConfig(state: StageState, labels: Record<string, string>): Buffer {
  const cfg = imageConfigOf(state, labels);
  const { history, created } = fillHistoryTimes(cfg.history ?? []);
  // BuildKit's exporter writes the config's top-level keys in Go's map order (sorted).
  const sorted = Object.fromEntries(
    Object.entries({ ...cfg, history, ...(created ? { created } : {}) }).sort(([a], [b]) => (a < b ? -1 : 1)),
  );
  return encodeJson(sorted);
}

export async function storeImage(
  lc: ContainerdClient,
  state: StageState,
  labels: Record<string, string>,
  names: string[],
  onName?: (name: string) => void,
): Promise<StoredImage> {
  const configData = finalConfig(state, labels);
  const configDesc: Descriptor = {
    mediaType: MediaType.dockerConfig,
    digest: sha256(configData),
    size: configData.length,
  };
  const manifest = dockerManifest(configDesc, state.layers);
  const manifestData = encodeJson(manifest);
  const target: Descriptor = {
    mediaType: MediaType.dockerManifest,
    digest: sha256(manifestData),
    size: manifestData.length,
  };
  await putBlob(lc, configDesc, configData);
  await putBlob(lc, target, manifestData, manifestGcLabels(manifest));
  await unpackImage(lc, manifest, JSON.parse(configData.toString()) as never);
  if (names.length === 0) await setImageName(lc, danglingName(target), target);
  for (const n of names) {
    await setImageName(lc, n, target);
    onName?.(n);
  }
  return { id: configDesc.digest, target, config: configData };
}
