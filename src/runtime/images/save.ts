/**
 * `save`: images as the archive Docker ≥ 25 writes, readable by both old and new `docker load`
 * and by `ctr import`: every blob under blobs/sha256/, an OCI index.json + oci-layout, and the
 * legacy manifest.json + repositories. Blobs stream from the content store into the tar as-is.
 */
import { recordImageEvent } from '../events/record.js';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { RuntimeContext } from '../context.js';
import type { ContainerdClient } from '../containerd/client.js';
import { type Descriptor, Annotation, MediaType, encodeJson, hexOf } from './oci.js';
import { familiar, normalize, parseAnyReference, splitRepositoryTag } from './reference.js';
import { type ResolvedImage, resolveWith } from './resolve.js';

interface SaveEntry {
  image: ResolvedImage;
  /** Full names to record; empty when saved by id. */
  names: string[];
}

/** Which names an argument saves: the tag given, the repository's tags of that image, or none for an id. */
export function namesToSave(arg: string, image: ResolvedImage): string[] {
  let parsed: ReturnType<typeof parseAnyReference> | undefined;
  try {
    parsed = parseAnyReference(arg);
  } catch {
    return [];
  }
  if (!('ref' in parsed)) return [];
  const full = normalize(arg);
  if (image.names.includes(full)) {
    if (parsed.ref.tag || parsed.ref.digest) return [full];
    const repo = splitRepositoryTag(full).repository;
    return image.names.filter((n) => splitRepositoryTag(n).repository === repo);
  }
  return [];
}

export function legacyManifest(entries: SaveEntry[]): unknown[] {
  return entries.map(({ image, names }) => ({
    Config: `blobs/sha256/${hexOf(image.configDigest)}`,
    RepoTags: names.length ? names.map(familiar) : null,
    Layers: image.manifest.layers.map((l) => `blobs/sha256/${hexOf(l.digest)}`),
  }));
}

export function repositoriesFile(entries: SaveEntry[]): Record<string, Record<string, string>> | undefined {
  const repos: Record<string, Record<string, string>> = {};
  for (const { image, names } of entries) {
    const top = image.manifest.layers.at(-1);
    if (!top) continue;
    for (const n of names) {
      const { repository, tag } = splitRepositoryTag(n);
      if (tag === '<none>') continue;
      (repos[repository] ??= {})[tag] = hexOf(top.digest);
    }
  }
  return Object.keys(repos).length ? repos : undefined;
}

export function ociIndex(entries: { manifest: Descriptor; names: string[] }[]): unknown {
  const manifests: Descriptor[] = [];
  for (const { manifest, names } of entries) {
    if (names.length === 0) manifests.push(manifest);
    for (const n of names) {
      const tag = n.includes('@') ? n.slice(n.indexOf('@') + 1) : n.slice(n.lastIndexOf(':') + 1);
      manifests.push({ ...manifest, annotations: { [Annotation.imageName]: n, [Annotation.refName]: tag } });
    }
  }
  return { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests };
}

async function addBlob(
  pack: tar.Pack,
  client: ContainerdClient,
  d: { digest: string; size: number },
): Promise<void> {
  const sink = pack.entry({ name: `blobs/sha256/${hexOf(d.digest)}`, size: d.size, mode: 0o444 });
  await pipeline(client.content.read(d.digest), sink);
}

export async function saveImages(ctx: RuntimeContext, refs: string[], output: Writable): Promise<void> {
  const client = await ctx.client();
  const entries: SaveEntry[] = [];
  for (const ref of refs) {
    const image = await resolveWith(client, ref);
    const names = namesToSave(ref, image);
    const prev = entries.find((e) => e.image.configDigest === image.configDigest);
    if (!prev) {
      entries.push({ image, names });
      continue;
    }
    for (const n of names) if (!prev.names.includes(n)) prev.names.push(n);
  }

  const pack = tar.pack();
  const done = pipeline(pack, output);
  try {
    const written = new Set<string>();
    const oci: { manifest: Descriptor; names: string[] }[] = [];
    for (const { image, names } of entries) {
      // The platform manifest as it is in the store (its digest must not change: RepoDigests).
      const { manifest, manifestDescriptor: manifestDesc } = image;
      for (const d of [manifestDesc, manifest.config, ...manifest.layers]) {
        if (written.has(d.digest)) continue;
        written.add(d.digest);
        await addBlob(pack, client, d);
      }
      oci.push({ manifest: manifestDesc, names });
    }
    const addJson = (name: string, value: unknown) =>
      new Promise<void>((resolve, reject) =>
        pack.entry({ name, mode: 0o444 }, encodeJson(value), (err) => (err ? reject(err) : resolve())),
      );
    await addJson('index.json', ociIndex(oci));
    await addJson('manifest.json', legacyManifest(entries));
    await addJson('oci-layout', { imageLayoutVersion: '1.0.0' });
    const repos = repositoriesFile(entries);
    if (repos) await addJson('repositories', repos);
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
    await done.catch(() => undefined);
    throw err;
  }
  await done;
  for (const { image } of entries)
    await recordImageEvent(ctx, 'save', { id: image.configDigest, labels: image.config.config?.Labels });
}
