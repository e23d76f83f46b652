/**
 * `pull`: manifest (through a manifest list for the wanted platform), config, then the layers —
 * downloaded a few at a time straight into containerd's content store (containerd checks each
 * digest on commit), resumed from what an interrupted download left in the store, and unpacked
 * in order by containerd's diff service as soon as each one and those below it are there. The
 * image record is written last, everything under one lease.
 */
import { DaemonError, RegistryError, RequestError } from '../errors.js';
import type { RuntimeContext } from '../context.js';
import type { ContainerdClient } from '../containerd/client.js';
import { GrpcStatus, grpcCode } from '../containerd/status.js';
import {
  applyLayer,
  blobExists,
  getImage,
  isAlreadyExists,
  putBlob,
  setBlobLabels,
  setImageName,
  snapshotExists,
} from '../images/content.js';
import {
  type Descriptor,
  type ImageConfig,
  type Index,
  type Manifest,
  Label,
  chainIds,
  hostPlatform,
  indexGcLabels,
  isIndexMediaType,
  isLayerMediaType,
  isManifestMediaType,
  manifestGcLabels,
  sha256,
} from '../images/oci.js';
import {
  type Reference,
  familiar,
  familiarRepository,
  parse,
  parseNormalizedNamed,
  referenceString,
  repositoryName,
} from '../images/reference.js';
import { recordImageEvent } from '../events/record.js';
import { RegistryClient, RegistryFailure } from './client.js';
import { type Endpoint, pullEndpoints } from './endpoint.js';
import { readBody } from '../http/request.js';
import {
  type Platform,
  normalizePlatform,
  parsePlatform,
  platformMatches,
  selectManifest,
} from './manifests.js';
import type { ProgressSink } from './jsonmessage.js';

export interface PullOptions {
  platform?: string;
  progress: ProgressSink;
  /** Say `Using default tag: latest` when the reference has no tag (the pull command does, run does not). */
  announceDefaultTag?: boolean;
}

export interface PullResult {
  /** containerd image name (`127.0.0.1:5000/x:latest`), what Docker prints last. */
  name: string;
  digest: string;
  upToDate: boolean;
}

/** containerd keeps the repository a blob came from, so push can mount it instead of uploading. */
export const distributionSourceLabel = (host: string) => `containerd.io/distribution.source.${host}`;

/** Adds `repo` to the blob's list of source repositories on `host` (comma-separated, as containerd keeps it). */
export async function addDistributionSource(
  client: ContainerdClient,
  digest: string,
  host: string,
  repo: string,
): Promise<void> {
  const info = await client.content.info(digest);
  const sources = distributionSources(info.labels, host);
  if (sources.includes(repo)) return;
  await setBlobLabels(client, digest, { [distributionSourceLabel(host)]: [...sources, repo].join(',') });
}

export function distributionSources(labels: Record<string, string>, host: string): string[] {
  return (labels[distributionSourceLabel(host)] ?? '').split(',').filter(Boolean);
}

const MAX_RETRIES = 5;

export function shortId(digest: string): string {
  return digest.replace(/^[a-z0-9]+:/, '').slice(0, 12);
}

/** Docker's wording for a missing manifest: `manifest for x:tag not found: manifest unknown: …`. */
function manifestError(err: unknown, ref: Reference): unknown {
  if (err instanceof RegistryFailure && err.status === 404) {
    const what = familiar(referenceString(ref));
    return new RegistryError(`manifest for ${what} not found: ${err.message}`, { cause: err });
  }
  if (err instanceof RegistryFailure && (err.status === 401 || err.status === 403)) {
    const repo = familiar(referenceString({ domain: ref.domain, path: ref.path }));
    return new RegistryError(
      `pull access denied for ${repo}, repository does not exist or may require 'docker login': ${err.message}`,
      { cause: err },
    );
  }
  return err;
}

function isTransient(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  const msg = (err as Error).message ?? '';
  // containerd holds an ingest's lock until the Write call of a killed client has wound down.
  if (grpcCode(err) === GrpcStatus.UNAVAILABLE && /locked/.test(msg)) return true;
  return (
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'ETIMEDOUT' ||
    code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    msg === 'aborted' ||
    /socket hang up|premature close|terminated/i.test(msg)
  );
}

/**
 * Downloads one blob into the content store under `ref`, unless the store has it (containerd says
 * so before anything is requested from the registry). An ingest already holding part of it (a cut
 * connection, an earlier killed pull) is continued with an HTTP Range request; a failure in the
 * middle is retried the same way. True when this call stored the blob (with `labels`).
 */
export async function fetchBlob(
  client: ContainerdClient,
  reg: RegistryClient,
  desc: Descriptor,
  labels: Record<string, string>,
  onProgress?: (current: number, total: number) => void,
): Promise<boolean> {
  const ref = `tsdock-${desc.digest}`;
  for (let attempt = 0; ; attempt++) {
    let current = 0;
    try {
      return await client.content.write({
        ref,
        expected: desc.digest,
        total: desc.size,
        labels,
        source: async (offset) => {
          // An ingest that holds the whole blob (a pull killed just before the commit): nothing to
          // ask the registry for (a Range from the end would be refused).
          if (offset >= desc.size) return { source: Buffer.alloc(0), offset };
          const { res, start } = await reg.blob(desc.digest, offset);
          current = start;
          onProgress?.(current, desc.size);
          // The content writer fails with a premature close when the body ends before the blob does.
          return { source: res.body, offset: start };
        },
        onBytes: (n) => {
          current += n;
          onProgress?.(current, desc.size);
        },
      });
    } catch (err) {
      if (isAlreadyExists(err)) return false;
      // FAILED_PRECONDITION on commit: the bytes do not hash to the digest. Start over clean.
      if (
        grpcCode(err) === GrpcStatus.FAILED_PRECONDITION ||
        /unexpected (commit )?(digest|size)/.test((err as Error).message)
      ) {
        await client.content.abort(ref).catch(() => undefined);
        throw new RegistryError(`filesystem layer verification failed for digest ${desc.digest}`, {
          cause: err,
        });
      }
      if (attempt >= MAX_RETRIES || !(isTransient(err) || isTransient((err as Error).cause))) throw err;
      await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 2000)));
    }
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Runs fn over items with at most `limit` at once. */
async function eachLimit<T>(
  items: T[],
  limit: number,
  fn: (item: T, i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const i = next++;
      try {
        await fn(items[i]!, i);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed;
}

async function getSmallBlob(reg: RegistryClient, desc: Descriptor): Promise<Buffer> {
  const { res } = await reg.blob(desc.digest);
  const data = await readBody(res, 64 << 20);
  if (sha256(data) !== desc.digest) throw new RegistryError(`digest mismatch for ${desc.digest}`);
  return data;
}

function parseJson<T>(data: Buffer, what: string): T {
  try {
    return JSON.parse(data.toString('utf8')) as T;
  } catch {
    throw new RegistryError(`invalid ${what}`);
  }
}

export async function pullImage(ctx: RuntimeContext, text: string, opts: PullOptions): Promise<PullResult> {
  const ref = parseNormalizedNamed(text);
  const p = opts.progress;
  if (!ref.tag && !ref.digest) {
    ref.tag = 'latest';
    if (opts.announceDefaultTag) p.status('Using default tag: latest');
  }
  const platform: Platform = parsePlatform(opts.platform);
  return await eachEndpoint(ctx, ref.domain, (ep) => pullFrom(ctx, ref, ep, platform, p));
}

/**
 * Tries the registry's endpoints in order (Docker Hub's mirrors, then Hub itself), as the daemon's
 * pullEndpoints: a mirror that fails in any way short of a local one (containerd's) or a
 * cancellation hands over to the next; the last endpoint's error is the one reported.
 */
async function eachEndpoint<T>(
  ctx: RuntimeContext,
  domain: string,
  fn: (ep: Endpoint) => Promise<T>,
): Promise<T> {
  const endpoints = pullEndpoints(domain, ctx.config);
  for (let i = 0; ; i++) {
    const ep = endpoints[i]!;
    try {
      return await fn(ep);
    } catch (err) {
      const local = err instanceof DaemonError || grpcCode(err) !== undefined;
      if (!ep.mirror || i === endpoints.length - 1 || local || (err as Error).name === 'AbortError')
        throw err;
    }
  }
}

async function pullFrom(
  ctx: RuntimeContext,
  ref: Reference,
  ep: Endpoint,
  platform: Platform,
  p: ProgressSink,
): Promise<PullResult> {
  const name = referenceString(ref);
  const reg = new RegistryClient(ep, ref.path, 'pull');
  // Docker's ping: learns the auth challenge, and an unreachable registry is reported for /v2/.
  // Sent first: the registry answers while the containerd client loads, and the manifest's round
  // trips are spent connecting to containerd.
  const ping = reg.authorise();
  ping.catch(() => undefined);
  const client = await ctx.client();

  let top;
  try {
    await ping;
    top = await reg.manifest(ref.digest ?? ref.tag!);
  } catch (err) {
    throw manifestError(err, ref);
  }
  // Only once the manifest is there, as Docker: a missing image or registry prints no progress at all.
  p.status(`${ref.digest ?? ref.tag}: Pulling from ${ref.path}`);
  const topDesc: Descriptor = { mediaType: top.mediaType, digest: top.digest, size: top.data.length };

  let manifestData = top.data;
  let manifestDesc = topDesc;
  let index: Index | undefined;
  if (isIndexMediaType(top.mediaType)) {
    index = parseJson<Index>(top.data, 'manifest list');
    const picked = selectManifest(index, platform);
    const child = await reg.manifest(picked.digest);
    manifestData = child.data;
    manifestDesc = {
      mediaType: picked.mediaType || child.mediaType,
      digest: picked.digest,
      size: child.data.length,
    };
  } else if (!isManifestMediaType(top.mediaType)) {
    throw new RegistryError(`unsupported manifest media type ${top.mediaType}`);
  }
  const manifest = parseJson<Manifest>(manifestData, 'manifest');
  if (!manifest.config?.digest || !Array.isArray(manifest.layers))
    throw new RegistryError('invalid manifest');
  for (const l of manifest.layers) {
    if (!isLayerMediaType(l.mediaType))
      throw new RegistryError(`unsupported layer media type ${l.mediaType}`);
  }

  // Not client.withLease: a failed pull keeps its lease (it expires in an hour) so the partial
  // downloads it protects are still there for the next attempt to resume.
  const expire = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const lease = await client.leases.create({ labels: { 'containerd.io/gc.expire': expire } });
  const lc = client.usingLease(lease.id);
  const result = await (async () => {
    const [configData, existing] = await Promise.all([
      (async () =>
        (await blobExists(lc, manifest.config.digest))
          ? await lc.content.readAll(manifest.config.digest)
          : await getSmallBlob(reg, manifest.config))(),
      getImage(lc, name),
    ]);
    const config = parseJson<ImageConfig>(configData, 'image config');
    const diffIds = config.rootfs?.diff_ids ?? [];
    if (diffIds.length !== manifest.layers.length) {
      throw new RegistryError('mismatched image rootfs and manifest layers');
    }
    const chain = chainIds(diffIds);
    const topSnapshot = chain.at(-1);
    if (
      (existing?.target.digest === topDesc.digest || existing?.target.digest === manifestDesc.digest) &&
      (!topSnapshot || (await snapshotExists(lc, topSnapshot)))
    ) {
      return { upToDate: true };
    }

    // What is there already: unpacked snapshots, or blobs awaiting unpack.
    const layers = manifest.layers;
    const unpacked = await Promise.all(chain.map((id) => snapshotExists(lc, id)));
    // A layer below an unpacked one is unpacked too (chain IDs include everything beneath).
    const lastUnpacked = unpacked.lastIndexOf(true);
    const state = layers.map((l, i) => ({ desc: l, id: shortId(l.digest), done: i <= lastUnpacked }));
    for (const s of state) p.layer(s.id, s.done ? 'Already exists' : 'Pulling fs layer');

    // Where each blob can be found again (push mounts from there instead of uploading): set as a
    // blob is stored, or added afterwards to the labels of one that was there already.
    const source = { [distributionSourceLabel(ep.name)]: ref.path };
    const stored = new Set<string>();
    const todo = state.filter((s) => !s.done);
    const limit = ctx.config.maxConcurrentDownloads;
    if (todo.length > limit) for (const s of todo.slice(limit)) p.layer(s.id, 'Waiting');
    const waiters = new Map(todo.map((s) => [s, deferred()]));
    for (const w of waiters.values()) w.promise.catch(() => undefined);
    const downloads = eachLimit(todo, limit, async (s) => {
      const w = waiters.get(s)!;
      try {
        const started = Date.now();
        let downloading = false;
        const written = await fetchBlob(lc, reg, s.desc, source, (current, total) => {
          downloading = true;
          p.layer(s.id, 'Downloading', { current, total, start: started });
        });
        if (written) stored.add(s.desc.digest);
        if (downloading) p.layer(s.id, 'Verifying Checksum');
        p.layer(s.id, 'Download complete');
        w.resolve();
      } catch (err) {
        w.reject(err);
        throw err;
      }
    });
    downloads.catch(() => undefined);

    // Unpack in order, each layer as soon as it is downloaded.
    const unpacking = (async () => {
      for (let i = 0; i < state.length; i++) {
        const s = state[i]!;
        if (s.done) continue;
        await waiters.get(s)!.promise;
        p.layer(s.id, 'Extracting', { current: 0, total: s.desc.size });
        const applied = await applyLayer(
          lc,
          { blob: s.desc, diffId: diffIds[i]! },
          chain[i]!,
          i > 0 ? chain[i - 1]! : '',
        );
        if (applied) p.layer(s.id, 'Extracting', { current: s.desc.size, total: s.desc.size });
        p.layer(s.id, 'Pull complete');
      }
    })();
    unpacking.catch(() => undefined);
    // A failed unpack is reported at once, not after the downloads still running.
    await Promise.race([downloads, unpacking.then(() => downloads)]);

    // While the last layers unpack: the image's own blobs, children before parents, so a GC label
    // never points at content not stored yet — the config's label for its snapshot comes once the
    // unpack has made that snapshot.
    const put = async (desc: Descriptor, data: Buffer, labels: Record<string, string>) => {
      if (await putBlob(lc, desc, data, labels, source)) stored.add(desc.digest);
    };
    await put(manifest.config, configData, {});
    await put(manifestDesc, manifestData, manifestGcLabels(manifest));
    if (index) await putBlob(lc, topDesc, top.data, indexGcLabels(index));
    await Promise.all(
      [...layers.map((l) => l.digest), manifest.config.digest, manifestDesc.digest]
        .filter((d) => !stored.has(d))
        .map((d) => addDistributionSource(lc, d, ep.name, ref.path)),
    );
    await unpacking;
    if (topSnapshot)
      await setBlobLabels(lc, manifest.config.digest, { [Label.gcSnapshot('overlayfs')]: topSnapshot });
    // A platform other than the host's is recorded as that platform's image, so resolving the name
    // later (run, inspect) finds what was pulled rather than the host's entry of the list.
    const target =
      index && !platformMatches(normalizePlatform(hostPlatform()), platform) ? manifestDesc : topDesc;
    await setImageName(lc, name, target);
    return { upToDate: false };
  })().catch((err: unknown) => {
    if (err instanceof RegistryError || grpcCode(err) === undefined) throw err;
    throw new DaemonError(`failed to register layer: ${(err as Error).message}`, { cause: err });
  });

  await client.leases.delete(lease.id, false).catch(() => undefined);
  p.status(`Digest: ${topDesc.digest}`);
  p.status(
    result.upToDate
      ? `Status: Image is up to date for ${familiar(name)}`
      : `Status: Downloaded newer image for ${familiar(name)}`,
  );
  // dockerd's pull event: the reference as pulled, and its repository as the name.
  await recordImageEvent(ctx, 'pull', { id: familiar(name), name: familiarRepository(parse(name)) });
  return { name, digest: topDesc.digest, upToDate: result.upToDate };
}

/** `pull -a`: the repository's tags (`GET /v2/<name>/tags/list`), for a reference without tag or digest. */
export async function listTags(
  ctx: RuntimeContext,
  text: string,
): Promise<{ repository: string; tags: string[] }> {
  const ref = parseNormalizedNamed(text);
  if (ref.tag || ref.digest) throw new RequestError("tag can't be used with --all-tags/-a");
  const doc = await eachEndpoint(ctx, ref.domain, async (ep) => {
    const reg = new RegistryClient(ep, ref.path, 'pull');
    const res = await reg.send({ method: 'GET', path: `/v2/${ref.path}/tags/list`, ok: [200] });
    return parseJson<{ tags?: string[] | null }>(await readBody(res), 'tag list');
  });
  return { repository: repositoryName(ref), tags: [...(doc.tags ?? [])].sort() };
}
