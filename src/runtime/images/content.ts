/**
 * The containerd operations images need, in one place: blobs in the content store (with their GC
 * labels), layers unpacked into overlayfs snapshots by containerd's diff service, and image records.
 * Mirrors containerd 1.6's own importer/unpacker so `ctr` sees the same layout.
 */
import { createReadStream } from 'node:fs';
import { randomBytes } from '../state/ids.js';
import type { ContainerdClient } from '../containerd/client.js';
import { GrpcStatus, grpcCode } from '../containerd/status.js';
import type { Image } from '../containerd/types.js';
import { DaemonError, NotFoundError } from '../errors.js';
import type { SpooledFile } from './archive.js';
import {
  type Descriptor,
  type ImageConfig,
  type Index,
  type Manifest,
  Label,
  chainIds,
  isIndexMediaType,
  pickPlatformManifest,
} from './oci.js';

export const SNAPSHOTTER = 'overlayfs';

/** Docker's containerd image store names untagged images this way; so do we. */
export const DANGLING_PREFIX = 'moby-dangling@';

/**
 * containerd's CRI plugin names every image it pulls also by its id, `sha256:<config digest>`
 * (besides `repo:tag` and `repo@digest`): a name for the plugin's lookups, not one a user gave.
 */
const CRI_ID_NAME = /^sha256:[0-9a-f]{64}$/;

/**
 * A record that keeps an image without naming it: Docker's dangling records, and the CRI plugin's
 * id names (nerdctl likewise shows those as <none>). An image with nothing else is dangling.
 */
export function isDanglingName(name: string): boolean {
  return name.startsWith(DANGLING_PREFIX) || CRI_ID_NAME.test(name);
}

export function danglingName(target: Descriptor): string {
  return `${DANGLING_PREFIX}${target.digest}`;
}

export function isNotFound(err: unknown): boolean {
  return err instanceof NotFoundError || grpcCode(err) === GrpcStatus.NOT_FOUND;
}

export function isAlreadyExists(err: unknown): boolean {
  return grpcCode(err) === GrpcStatus.ALREADY_EXISTS;
}

export async function blobExists(client: ContainerdClient, digest: string): Promise<boolean> {
  try {
    await client.content.info(digest);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/**
 * Writes a blob unless the store has it (containerd answers that before any byte is sent); labels
 * are (re)applied either way, `newLabels` only to a blob this call stores. True when it stored it.
 */
export async function putBlob(
  client: ContainerdClient,
  desc: Descriptor,
  source: Buffer | SpooledFile,
  labels: Record<string, string> = {},
  newLabels: Record<string, string> = {},
): Promise<boolean> {
  const written = await client.content.write({
    ref: `tsdock-${desc.digest}`,
    expected: desc.digest,
    total: desc.size,
    labels: { ...labels, ...newLabels },
    source: Buffer.isBuffer(source)
      ? source
      : async (offset) => ({ source: createReadStream(source.path, { start: offset }), offset }),
  });
  if (!written && Object.keys(labels).length) await setBlobLabels(client, desc.digest, labels);
  return written;
}

export async function setBlobLabels(
  client: ContainerdClient,
  digest: string,
  labels: Record<string, string>,
): Promise<void> {
  await client.content.update(
    { digest, labels },
    Object.keys(labels).map((k) => `labels.${k}`),
  );
}

export async function readJsonBlob<T>(client: ContainerdClient, digest: string): Promise<T> {
  const data = await client.content.readAll(digest);
  return JSON.parse(Buffer.from(data).toString('utf8')) as T;
}

/** Follows an image target down to this platform's manifest. */
export async function resolveManifest(
  client: ContainerdClient,
  target: Descriptor,
): Promise<{ manifest: Manifest; descriptor: Descriptor }> {
  let desc = target;
  for (let depth = 0; depth < 4 && isIndexMediaType(desc.mediaType); depth++) {
    const idx = await readJsonBlob<Index>(client, desc.digest);
    const picked = pickPlatformManifest(idx);
    if (!picked)
      throw new NotFoundError(`no matching manifest for this platform in the manifest list entries`);
    desc = picked;
  }
  return { manifest: await readJsonBlob<Manifest>(client, desc.digest), descriptor: desc };
}

export interface LayerToApply {
  blob: Descriptor;
  diffId: string;
}

/**
 * containerd's rootfs.ApplyLayers: for each layer, skip if the committed snapshot named by its
 * chain ID exists, else prepare an extraction snapshot on the parent chain, let the diff service
 * apply the blob (it decompresses and verifies), check the diff ID, and commit under the chain ID.
 * Returns the chain IDs.
 */
export async function unpackLayers(client: ContainerdClient, layers: LayerToApply[]): Promise<string[]> {
  const chain = chainIds(layers.map((l) => l.diffId));
  for (let i = 0; i < layers.length; i++) {
    await applyLayer(client, layers[i]!, chain[i]!, i > 0 ? chain[i - 1]! : '');
  }
  return chain;
}

/**
 * One step of unpackLayers: the layer becomes the committed snapshot `chainId` on top of `parent`.
 * Returns false when that snapshot existed already (nothing applied).
 */
export async function applyLayer(
  client: ContainerdClient,
  layer: LayerToApply,
  id: string,
  parent: string,
): Promise<boolean> {
  if (await snapshotExists(client, id)) return false;
  const key = `extract-${process.hrtime.bigint() % 1_000_000_000n}-${randomBytes(3).toString('base64url')} ${id}`;
  const mounts = await client.snapshots.prepare(key, parent, { [Label.snapshotRef]: id });
  try {
    const applied = await client.diff.apply(layer.blob, mounts);
    if (applied.digest !== layer.diffId) {
      throw new DaemonError(`wrong diff id calculated on extraction "${applied.digest}"`);
    }
    try {
      await client.snapshots.commit(id, key);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      await client.snapshots.remove(key);
    }
  } catch (err) {
    await client.snapshots.remove(key).catch(() => undefined);
    throw err;
  }
  if (layer.blob.digest !== layer.diffId) {
    // As containerd's unpacker: record the uncompressed digest once apply has verified it.
    await setBlobLabels(client, layer.blob.digest, { [Label.uncompressed]: layer.diffId });
  }
  return true;
}

export async function snapshotExists(client: ContainerdClient, key: string): Promise<boolean> {
  try {
    await client.snapshots.stat(key);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** Unpacks an image already in the content store and labels its config with the top snapshot. */
export async function unpackImage(
  client: ContainerdClient,
  manifest: Manifest,
  config: ImageConfig,
): Promise<string | undefined> {
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length) {
    throw new DaemonError(`mismatched image rootfs and manifest layers`);
  }
  const chain = await unpackLayers(
    client,
    manifest.layers.map((blob, i) => ({ blob, diffId: diffIds[i]! })),
  );
  const top = chain.at(-1);
  if (top) await setBlobLabels(client, manifest.config.digest, { [Label.gcSnapshot(SNAPSHOTTER)]: top });
  return top;
}

export async function getImage(client: ContainerdClient, name: string): Promise<Image | undefined> {
  try {
    return await client.images.get(name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * Points `name` at `target`, creating or moving the name. When the name moves off an image that no
 * other name keeps, that image stays as a dangling one (Docker keeps it as `<none>`). Returns the
 * previous target when the name moved.
 */
export async function setImageName(
  client: ContainerdClient,
  name: string,
  target: Descriptor,
  labels: Record<string, string> = {},
): Promise<Descriptor | undefined> {
  const existing = await getImage(client, name);
  const img = { name, labels, target } as Image;
  if (!existing) {
    try {
      await client.images.create(img);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      await client.images.update(img);
    }
  } else if (existing.target.digest !== target.digest) {
    await client.images.update(img);
    await keepAsDangling(client, existing.target, name);
    return existing.target;
  }
  // The same content named again: drop a dangling record of it.
  if (!isDanglingName(name)) await client.images.delete(danglingName(target)).catch(() => undefined);
  return undefined;
}

async function keepAsDangling(client: ContainerdClient, target: Descriptor, except: string): Promise<void> {
  const all = await client.images.list();
  if (all.some((i) => i.name !== except && i.target.digest === target.digest)) return;
  await client.images
    .create({ name: danglingName(target), labels: {}, target } as Image)
    .catch((err: unknown) => {
      if (!isAlreadyExists(err)) throw err;
    });
}

/** Sum of the image's unpacked snapshot usage; compressed layer sizes when not unpacked. */
export async function layerSizes(
  client: ContainerdClient,
  manifest: Manifest,
  config: ImageConfig,
): Promise<number[]> {
  const chain = chainIds(config.rootfs?.diff_ids ?? []);
  return Promise.all(
    chain.map(async (id, i) => {
      try {
        const u = await client.snapshots.usage(id);
        return Number(u.size);
      } catch {
        return manifest.layers[i]?.size ?? 0;
      }
    }),
  );
}
