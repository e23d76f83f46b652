/**
 * `push`: every blob of the image that the registry lacks goes up — mounted from another
 * repository of the same registry when containerd's distribution-source label says the blob came
 * from there, otherwise uploaded (small blobs in one PUT, layers as PATCH chunks then a closing
 * PUT) streaming out of containerd's content store — then the manifests, children before the index.
 */
import { RegistryError } from '../errors.js';
import type { RuntimeContext } from '../context.js';
import type { ContainerdClient } from '../containerd/client.js';
import { getImage, readJsonBlob } from '../images/content.js';
import {
  type Descriptor,
  type ImageConfig,
  type Index,
  type Manifest,
  isIndexMediaType,
} from '../images/oci.js';
import {
  type Reference,
  familiar,
  familiarRepository,
  parseNormalizedNamed,
  referenceString,
  repositoryName,
} from '../images/reference.js';
import { recordImageEvent } from '../events/record.js';
import { Readable } from 'node:stream';
import { RegistryClient, withQuery } from './client.js';
import { endpointFor } from './endpoint.js';
import { discard } from '../http/request.js';
import type { ProgressSink } from './jsonmessage.js';
import { addDistributionSource, distributionSources, shortId } from './pull.js';

export interface PushOptions {
  progress: ProgressSink;
}

export interface PushResult {
  tag: string;
  digest: string;
  size: number;
}

/** Blobs up to this size go up in one PUT; larger ones in PATCH chunks of this size. */
export const MONOLITHIC_MAX = 1 << 20;
export const CHUNK_SIZE = 16 << 20;

async function descriptorsOf(
  client: ContainerdClient,
  target: Descriptor,
): Promise<{
  manifests: { desc: Descriptor; manifest: Manifest; config: ImageConfig }[];
  index?: Descriptor;
}> {
  if (!isIndexMediaType(target.mediaType)) {
    const manifest = await readJsonBlob<Manifest>(client, target.digest);
    const config = await readJsonBlob<ImageConfig>(client, manifest.config.digest);
    return { manifests: [{ desc: target, manifest, config }] };
  }
  const idx = await readJsonBlob<Index>(client, target.digest);
  const manifests = [];
  for (const m of idx.manifests) {
    let manifest: Manifest;
    try {
      manifest = await readJsonBlob<Manifest>(client, m.digest);
    } catch {
      continue; // a platform that was never pulled: the registry must already have it (checked below)
    }
    const config = await readJsonBlob<ImageConfig>(client, manifest.config.digest);
    manifests.push({ desc: m, manifest, config });
  }
  return { manifests, index: target };
}

/** Streams [offset, offset+size) of a blob out of containerd. */
function blobStream(client: ContainerdClient, digest: string, offset = 0, size = 0): Readable {
  return Readable.from(client.content.read(digest, { offset, size }), { objectMode: false });
}

async function uploadBlob(
  client: ContainerdClient,
  reg: RegistryClient,
  desc: Descriptor,
  onBytes: (n: number) => void,
): Promise<void> {
  const { location } = await reg.startUpload();
  if (desc.size <= MONOLITHIC_MAX) {
    const res = await reg.send({
      method: 'PUT',
      path: withQuery(location, { digest: desc.digest }),
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(desc.size) },
      body: () => blobStream(client, desc.digest),
      ok: [201, 204],
    });
    discard(res);
    onBytes(desc.size);
    return;
  }
  let url = location;
  for (let offset = 0; offset < desc.size; offset += CHUNK_SIZE) {
    const n = Math.min(CHUNK_SIZE, desc.size - offset);
    const res = await reg.send({
      method: 'PATCH',
      path: url,
      headers: {
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(n),
        'Content-Range': `${offset}-${offset + n - 1}`,
      },
      body: () => {
        const s = blobStream(client, desc.digest, offset, n);
        s.on('data', (c: Buffer) => onBytes(c.length));
        return s;
      },
      ok: [202],
    });
    discard(res);
    url = reg.url(new URL(res.headers.location as string, res.url).href);
  }
  const res = await reg.send({
    method: 'PUT',
    path: withQuery(url, { digest: desc.digest }),
    headers: { 'Content-Length': '0' },
    ok: [201, 204],
  });
  discard(res);
}

/** One blob: there already, mounted, or uploaded; reports Docker's layer statuses when `id` is set. */
async function pushBlob(
  client: ContainerdClient,
  reg: RegistryClient,
  ref: Reference,
  desc: Descriptor,
  p: ProgressSink,
  id?: string,
): Promise<void> {
  const host = reg.endpoint.name;
  if (await reg.blobExists(desc.digest)) {
    if (id) p.layer(id, 'Layer already exists');
    return;
  }
  const info = await client.content.info(desc.digest);
  const sources = distributionSources(info.labels, host);
  // The most recent source first: the likeliest to still hold the blob.
  for (const from of sources.filter((s) => s !== ref.path).reverse()) {
    try {
      const r = await reg.startUpload({ digest: desc.digest, from });
      if (r.mounted) {
        if (id) p.layer(id, `Mounted from ${from}`);
        await addDistributionSource(client, desc.digest, host, ref.path);
        return;
      }
      // The registry opened an ordinary upload instead; ours starts a fresh one below.
    } catch {
      /* no access to the source repository: upload instead */
    }
  }
  const started = Date.now();
  let done = 0;
  if (id) p.layer(id, 'Pushing', { current: 0, total: desc.size, start: started });
  await uploadBlob(client, reg, desc, (n) => {
    done += n;
    if (id) p.layer(id, 'Pushing', { current: done, total: desc.size, start: started });
  });
  if (id) p.layer(id, 'Pushed');
  await addDistributionSource(client, desc.digest, host, ref.path);
}

export async function pushImage(ctx: RuntimeContext, text: string, opts: PushOptions): Promise<PushResult> {
  const ref = parseNormalizedNamed(text);
  const p = opts.progress;
  if (!ref.tag && !ref.digest) {
    ref.tag = 'latest';
    p.status('Using default tag: latest');
  }
  const name = referenceString(ref);
  const client = await ctx.client();
  const image = await getImage(client, name);
  if (!image)
    throw new RegistryError(`An image does not exist locally with the tag: ${familiar(repositoryName(ref))}`);
  const ep = endpointFor(ref.domain, ctx.config);
  const reg = new RegistryClient(ep, ref.path, 'pull,push');
  p.status(`The push refers to repository [${repositoryName(ref)}]`);
  // Fail early (one line) on an unreachable registry or refused credentials, before any progress.
  await reg.authorise();

  const { manifests, index } = await descriptorsOf(client, image.target);
  // Layers in the order Docker lists them: top of the image first.
  const layers = new Map<string, { desc: Descriptor; id: string }>();
  for (const m of manifests) {
    const diffIds = m.config.rootfs?.diff_ids ?? [];
    m.manifest.layers.forEach((l, i) =>
      layers.set(l.digest, { desc: l, id: shortId(diffIds[i] ?? l.digest) }),
    );
  }
  const ordered = [...layers.values()].reverse();
  const limit = ctx.config.maxConcurrentUploads;
  for (const l of ordered) p.layer(l.id, 'Preparing');
  for (const l of ordered.slice(limit)) p.layer(l.id, 'Waiting');
  let next = 0;
  let failed: unknown;
  await Promise.all(
    Array.from({ length: Math.min(limit, ordered.length) }, async () => {
      while (failed === undefined && next < ordered.length) {
        const l = ordered[next++]!;
        await pushBlob(client, reg, ref, l.desc, p, l.id).catch((err: unknown) => (failed ??= err));
      }
    }),
  );
  if (failed !== undefined) throw failed;

  let digest = image.target.digest;
  let size = image.target.size;
  for (const m of manifests) {
    await pushBlob(client, reg, ref, m.manifest.config, p);
    const data = await client.content.readAll(m.desc.digest);
    // An index's children go up by digest; a single manifest by the tag itself.
    const reference = index ? m.desc.digest : (ref.tag ?? ref.digest!);
    digest = await reg.putManifest(reference, m.desc.mediaType, data);
    size = data.length;
  }
  if (index) {
    const data = await client.content.readAll(index.digest);
    digest = await reg.putManifest(ref.tag ?? ref.digest!, index.mediaType, data);
    size = data.length;
  }
  const tag = ref.tag ?? ref.digest!;
  p.status(`${tag}: digest: ${digest} size: ${size}`);
  await recordImageEvent(ctx, 'push', { id: familiar(referenceString(ref)), name: familiarRepository(ref) });
  return { tag, digest, size };
}
