/**
 * Finding images as commands and containers see them: by name, id or id prefix (Docker's order),
 * over containerd's image records. An image ID is the config digest, as in Docker.
 */
import type { RuntimeContext } from '../context.js';
import type { ContainerdClient } from '../containerd/client.js';
import type { Image } from '../containerd/types.js';
import { NotFoundError, RequestError } from '../errors.js';
import { isDanglingName, isNotFound, layerSizes, readJsonBlob, resolveManifest } from './content.js';
import { type Descriptor, type ImageConfig, type Manifest, chainId } from './oci.js';
import { familiar, parseAnyReference, referenceString, type Reference } from './reference.js';
import { readTargetEntry, writeTargetEntry, type UserFiles } from './target-cache.js';

export interface ResolvedImage {
  /** The containerd image name that matched (the first name of the image when found by id). */
  name: string;
  /** Every non-dangling containerd name pointing at this image's config. */
  names: string[];
  /** Image records pointing at this config (names and dangling records). */
  records: Image[];
  target: Descriptor;
  manifest: Manifest;
  /** This platform's manifest (the target itself unless the target is an index). */
  manifestDescriptor: Descriptor;
  config: ImageConfig;
  /** sha256:… of the config: the image ID. */
  configDigest: string;
  /** Chain ID of the top layer: the committed snapshot a container's rootfs is prepared from. */
  chainId: string;
  diffIds: string[];
  createdAt?: Date;
  /** Its /etc/passwd and /etc/group, when a container was made from it before (target-cache.ts). */
  userFiles?: UserFiles;
}

export interface Loaded {
  record: Image;
  manifest: Manifest;
  manifestDescriptor: Descriptor;
  manifestDigest: string;
  config: ImageConfig;
  configDigest: string;
}

/** One image record with its manifest and config; undefined when its content is gone. */
async function loadTarget(
  client: ContainerdClient,
  record: Image,
): Promise<Omit<Loaded, 'record'> | undefined> {
  try {
    const { manifest, descriptor } = await resolveManifest(client, record.target);
    const config = await readJsonBlob<ImageConfig>(client, manifest.config.digest);
    return {
      manifest,
      manifestDescriptor: {
        mediaType: descriptor.mediaType,
        digest: descriptor.digest,
        size: descriptor.size,
      },
      manifestDigest: descriptor.digest,
      config,
      configDigest: manifest.config.digest,
    };
  } catch (err) {
    // Records whose content is gone (or not for this platform) are not usable images.
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Every image record with its manifest and config, reading each target once. */
export async function loadAll(client: ContainerdClient): Promise<Loaded[]> {
  const records = await client.images.list();
  const byTarget = new Map<string, Promise<Omit<Loaded, 'record'> | undefined>>();
  const rows = await Promise.all(
    records.map(async (record) => {
      let p = byTarget.get(record.target.digest);
      if (!p) {
        p = loadTarget(client, record);
        byTarget.set(record.target.digest, p);
      }
      const l = await p;
      return l ? { record, ...l } : undefined;
    }),
  );
  return rows.filter((r): r is Loaded => r !== undefined);
}

function toResolved(matched: Loaded, all: Loaded[]): ResolvedImage {
  const same = all.filter((l) => l.configDigest === matched.configDigest);
  const diffIds = matched.config.rootfs?.diff_ids ?? [];
  return {
    name: matched.record.name,
    names: same.map((l) => l.record.name).filter((n) => !isDanglingName(n)),
    records: same.map((l) => l.record),
    target: matched.record.target,
    manifest: matched.manifest,
    manifestDescriptor: matched.manifestDescriptor,
    config: matched.config,
    configDigest: matched.configDigest,
    chainId: chainId(diffIds) ?? '',
    diffIds,
    ...(matched.record.createdAt ? { createdAt: matched.record.createdAt } : {}),
  };
}

function withDefaultTag(r: Reference): Reference {
  return r.tag || r.digest ? r : { ...r, tag: 'latest' };
}

export function noSuchImage(ref: string): NotFoundError {
  return new NotFoundError(`Error response from daemon: No such image: ${ref}`);
}

/**
 * Docker's image lookup: a full id or digest, then the normalised name, then a unique id prefix.
 * Throws NotFoundError (`No such image: busybox:latest`) or RequestError for a malformed reference.
 */
export async function resolveImage(ctx: RuntimeContext, ref: string): Promise<ResolvedImage> {
  return resolveWith(await ctx.client(), ref);
}

/**
 * For `run`/`create`: a name is looked up directly (one Get and two blob reads) instead of loading
 * every image; ids, prefixes and digests fall back to the full lookup. `names` then lists only the
 * matched name, which is all container creation needs.
 */
export async function resolveImageForRun(
  ctx: RuntimeContext,
  ref: string,
  /** Fill the target cache (target-cache.ts); a dry run writes nothing. */
  opts: { remember?: boolean } = {},
): Promise<ResolvedImage> {
  const client = await ctx.client();
  let parsed: ReturnType<typeof parseAnyReference> | undefined;
  try {
    parsed = parseAnyReference(ref);
  } catch {
    parsed = undefined;
  }
  if (parsed && 'ref' in parsed && !parsed.ref.digest) {
    try {
      const record = await client.images.get(referenceString(withDefaultTag(parsed.ref)));
      const cached = await readTargetEntry(ctx.stateDir, record.target.digest);
      const one = cached ?? (await loadTarget(client, record));
      if (one && !cached && opts.remember !== false)
        await writeTargetEntry(ctx.stateDir, record.target.digest, one).catch(() => undefined);
      if (one) {
        const resolved = toResolved({ record, ...one }, [{ record, ...one }]);
        return cached?.userFiles ? { ...resolved, userFiles: cached.userFiles } : resolved;
      }
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return resolveWith(client, ref);
}

export async function resolveWith(client: ContainerdClient, ref: string): Promise<ResolvedImage> {
  const all = await loadAll(client);
  const parsed = (() => {
    try {
      return parseAnyReference(ref);
    } catch (err) {
      // Not a name; it may still be an id prefix like `0123ab`.
      if (/^(sha256:)?[a-f0-9]{1,64}$/.test(ref)) return undefined;
      throw err;
    }
  })();
  if (parsed && 'id' in parsed) {
    const hit = all.find((l) => l.configDigest === parsed.id || l.manifestDigest === parsed.id);
    if (hit) return toResolved(hit, all);
    throw noSuchImage(ref);
  }
  if (parsed && 'ref' in parsed) {
    const r = parsed.ref;
    const name = referenceString(withDefaultTag(r));
    const hit = all.find((l) => l.record.name === name);
    if (hit) return toResolved(hit, all);
    // `repo@sha256:<manifest digest>` also finds the image loaded under another name of that repo.
    if (r.digest) {
      const byDigest = all.find((l) => l.manifestDigest === r.digest || l.record.target.digest === r.digest);
      if (byDigest) return toResolved(byDigest, all);
    }
  }
  const hex = ref.replace(/^sha256:/, '');
  if (/^[a-f0-9]+$/.test(hex)) {
    const ids = new Set(
      all.filter((l) => l.configDigest.slice(7).startsWith(hex)).map((l) => l.configDigest),
    );
    if (ids.size === 1) {
      const id = [...ids][0]!;
      return toResolved(
        all.find((l) => l.configDigest === id)!,
        all,
      );
    }
    if (ids.size > 1)
      throw new RequestError(
        `Error response from daemon: ambiguous reference: ${ref} matches ${ids.size} images`,
      );
  }
  const shown = parsed && 'ref' in parsed ? familiar(referenceString(withDefaultTag(parsed.ref))) : ref;
  throw noSuchImage(shown);
}

/** Unpacked size of an image (sum of its layers' snapshot usage; compressed sizes for layers not unpacked). */
export async function imageSize(
  client: ContainerdClient,
  img: Pick<ResolvedImage, 'manifest' | 'config'>,
): Promise<number> {
  return (await layerSizes(client, img.manifest, img.config)).reduce((a, b) => a + b, 0);
}
