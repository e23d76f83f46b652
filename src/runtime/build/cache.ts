/**
 * The build cache, kept in containerd itself so it survives between builds and needs no files of
 * ours: one small record blob per step result in the content store, labelled with the step's cache
 * key and the result (layer, diff ID, creation time). Its `containerd.io/gc.root` label makes the
 * record a GC root, and its gc.ref labels keep the step's layer blob and committed snapshot alive;
 * removing records (`builder prune`) lets containerd's GC collect whatever no image still uses.
 *
 * A step's key is content-addressed, as BuildKit's: the parent's root filesystem (its chain ID),
 * the instruction after expansion, the state it runs with (env, user, workdir, shell, network) and
 * for COPY/ADD the digest of the sources' contents and metadata.
 */
import { createHash } from 'node:crypto';
import type { ContainerdClient } from '../containerd/client.js';
import { isNotFound, putBlob, SNAPSHOTTER } from '../images/content.js';
import { type Descriptor, Label, MediaType, encodeJson, sha256 } from '../images/oci.js';

export const CACHE_KEY_LABEL = 'tsdock.build/cache-key';
const CREATED_LABEL = 'tsdock.build/created';
const LAYER_LABEL = 'tsdock.build/layer';
const LAYER_SIZE_LABEL = 'tsdock.build/layer-size';
const DIFF_ID_LABEL = 'tsdock.build/diff-id';
const CHAIN_LABEL = 'tsdock.build/chain-id';
const DESCRIPTION_LABEL = 'tsdock.build/description';
const GC_ROOT = 'containerd.io/gc.root';
export const CACHE_MEDIA_TYPE = 'application/vnd.tsdock.build.cache.v1+json';

/** What a step produced. No layer: the step changed nothing on disk (an empty diff). */
export interface StepResult {
  layer?: Descriptor;
  diffId?: string;
  /** Chain ID of the root after the step ('' for an empty scratch root). */
  chainId: string;
  created: string;
}

export interface CacheRecord extends StepResult {
  key: string;
  digest: string;
  description: string;
  size: number;
  createdAt?: Date;
  updatedAt?: Date;
}

/** The cache key of a step: a digest of everything its result depends on. */
export function cacheKey(input: Record<string, unknown>): string {
  return `sha256:${createHash('sha256').update(stableJson(input)).digest('hex')}`;
}

/** JSON with object keys sorted, so equal inputs give equal keys whatever their construction order. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

function recordOf(info: {
  digest: string;
  size: number;
  labels?: Record<string, string>;
  createdAt?: Date;
  updatedAt?: Date;
}): CacheRecord | undefined {
  const l = info.labels ?? {};
  const key = l[CACHE_KEY_LABEL];
  const created = l[CREATED_LABEL];
  if (!key || !created) return undefined;
  const layerDigest = l[LAYER_LABEL];
  return {
    key,
    digest: info.digest,
    chainId: l[CHAIN_LABEL] ?? '',
    created,
    description: l[DESCRIPTION_LABEL] ?? '',
    size: Number(l[LAYER_SIZE_LABEL] ?? 0),
    ...(layerDigest
      ? {
          layer: {
            mediaType: MediaType.dockerLayerGzip,
            digest: layerDigest,
            size: Number(l[LAYER_SIZE_LABEL] ?? 0),
          },
          diffId: l[DIFF_ID_LABEL] ?? '',
        }
      : {}),
    ...(info.createdAt ? { createdAt: info.createdAt } : {}),
    ...(info.updatedAt ? { updatedAt: info.updatedAt } : {}),
  };
}

/** Every cache record, one List call. */
export async function listCache(client: ContainerdClient): Promise<CacheRecord[]> {
  const infos = await client.content.list([`labels."${CACHE_KEY_LABEL}"`]);
  return infos.map(recordOf).filter((r): r is CacheRecord => r !== undefined);
}

/** The cache as a key → record map (the newest record of a key wins). */
export async function loadCache(client: ContainerdClient): Promise<Map<string, CacheRecord>> {
  const map = new Map<string, CacheRecord>();
  for (const r of await listCache(client)) {
    const prev = map.get(r.key);
    if (!prev || (r.updatedAt?.getTime() ?? 0) > (prev.updatedAt?.getTime() ?? 0)) map.set(r.key, r);
  }
  return map;
}

/** A record is usable when what it points at is still there (another tool may have removed it). */
export async function recordUsable(client: ContainerdClient, r: CacheRecord): Promise<boolean> {
  try {
    if (r.layer) await client.content.info(r.layer.digest);
    if (r.chainId) await client.snapshots.stat(r.chainId);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** Stores a step's result under its key. */
export async function saveRecord(
  client: ContainerdClient,
  key: string,
  result: StepResult,
  description: string,
): Promise<void> {
  const body = encodeJson({ key, ...result, description });
  const labels: Record<string, string> = {
    [GC_ROOT]: result.created,
    [CACHE_KEY_LABEL]: key,
    [CREATED_LABEL]: result.created,
    [CHAIN_LABEL]: result.chainId,
    // Label values are limited (4 KiB with the key); the description is for `builder` listings.
    [DESCRIPTION_LABEL]: description.slice(0, 1000),
  };
  if (result.layer && result.diffId) {
    labels[LAYER_LABEL] = result.layer.digest;
    labels[LAYER_SIZE_LABEL] = String(result.layer.size);
    labels[DIFF_ID_LABEL] = result.diffId;
    labels[`${Label.gcLayerPrefix}0`] = result.layer.digest;
  }
  if (result.chainId) labels[Label.gcSnapshot(SNAPSHOTTER)] = result.chainId;
  await putBlob(
    client,
    { mediaType: CACHE_MEDIA_TYPE, digest: sha256(body), size: body.length },
    body,
    labels,
  );
}

/** Removes records; containerd's GC then collects what nothing else references. */
export async function removeRecords(client: ContainerdClient, records: CacheRecord[]): Promise<void> {
  for (const r of records) {
    await client.content.delete(r.digest).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }
}
