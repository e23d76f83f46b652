/**
 * The image store as commands and containers see it: lookup by name, id or id prefix (Docker's
 * order), list rows, inspect JSON, tag, remove and history, all over containerd's image records.
 * An image ID is the config digest, as in Docker.
 */
import type { RuntimeContext } from '../context.js';
import type { ContainerdClient } from '../containerd/client.js';
import type { Image } from '../containerd/types.js';
import { ConflictError, NotFoundError, RequestError } from '../errors.js';
import { humanDuration, humanSize } from '../format/units.js';
import { goTimeString } from '../format/gofmt.js';
import {
  DANGLING_PREFIX,
  SNAPSHOTTER,
  isDanglingName,
  isNotFound,
  layerSizes,
  readJsonBlob,
  resolveManifest,
  setImageName,
} from './content.js';
import {
  type ContainerConfig,
  type Descriptor,
  type HistoryEntry,
  type ImageConfig,
  type Manifest,
  chainId,
} from './oci.js';
import {
  type Reference,
  familiar,
  normalize,
  parseAnyReference,
  referenceString,
  shortImageId,
  splitRepositoryTag,
} from './reference.js';
import { dropTargetEntry, readTargetEntry, writeTargetEntry, type UserFiles } from './target-cache.js';

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

interface Loaded {
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
async function loadAll(client: ContainerdClient): Promise<Loaded[]> {
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
export async function resolveImageForRun(ctx: RuntimeContext, ref: string): Promise<ResolvedImage> {
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
      if (one && !cached)
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

// ---------------------------------------------------------------------------------------------
// docker images

export interface ListImagesOptions {
  /** -a: Docker also shows intermediate build images; we have none, so it changes nothing. */
  all: boolean;
  /** --filter values, `key=value`. */
  filters: string[];
  /** Positional REPOSITORY[:TAG]: a `reference` filter. */
  reference?: string;
  digests: boolean;
  noTrunc: boolean;
}

/** One row of `docker images`, with the field names its templates use. */
export interface ImageRow {
  Containers: string;
  CreatedAt: string;
  CreatedSince: string;
  Digest: string;
  ID: string;
  Repository: string;
  SharedSize: string;
  Size: string;
  Tag: string;
  UniqueSize: string;
  VirtualSize: string;
}

const IMAGE_FILTERS = new Set(['dangling', 'label', 'before', 'since', 'reference', 'until']);

function parseImageFilters(raw: string[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const f of raw) {
    const eq = f.indexOf('=');
    if (eq <= 0) {
      throw new RequestError(
        `invalid argument "${f}" for "-f, --filter" flag: bad format of filter (expected name=value)`,
      );
    }
    const key = f.slice(0, eq).toLowerCase();
    if (!IMAGE_FILTERS.has(key))
      throw new RequestError(`Error response from daemon: invalid filter '${key}'`);
    m.set(key, [...(m.get(key) ?? []), f.slice(eq + 1)]);
  }
  for (const v of m.get('dangling') ?? []) {
    if (!['true', 'false', '1', '0'].includes(v.toLowerCase())) {
      throw new RequestError(`Error response from daemon: invalid filter 'dangling=${v}'`);
    }
  }
  return m;
}

/** Go's path.Match, which reference filters use (`*` does not cross `/`). */
export function pathMatch(pattern: string, name: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) return false;
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = `^${cls.slice(1)}`;
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else re += c.replace(/[.+^${}()|\]\\/]/g, '\\$&');
  }
  try {
    return new RegExp(`${re}$`).test(name);
  } catch {
    return false;
  }
}

/** distribution/reference FamiliarMatch: the pattern against `repo:tag` and against `repo`. */
function referenceMatches(pattern: string, name: string): boolean {
  const fam = familiar(name);
  const { repository } = splitRepositoryTag(name);
  return pathMatch(pattern, fam) || pathMatch(pattern, repository);
}

function createdOf(l: Pick<Loaded, 'config' | 'record'>): Date {
  if (l.config.created) {
    const d = new Date(l.config.created);
    if (!Number.isNaN(d.getTime())) return d;
  }
  return l.record.createdAt ?? new Date(0);
}

function labelMatches(labels: Record<string, string> | undefined, want: string): boolean {
  const eq = want.indexOf('=');
  const key = eq < 0 ? want : want.slice(0, eq);
  if (!labels || !(key in labels)) return false;
  return eq < 0 || labels[key] === want.slice(eq + 1);
}

export async function listImages(ctx: RuntimeContext, opts: ListImagesOptions): Promise<ImageRow[]> {
  const filters = parseImageFilters(opts.filters);
  if (opts.reference) filters.set('reference', [...(filters.get('reference') ?? []), opts.reference]);
  const client = await ctx.client();
  const all = await loadAll(client);
  const named = new Set(all.filter((l) => !isDanglingName(l.record.name)).map((l) => l.configDigest));
  // A dangling record of content that also has a name is not shown twice.
  const visible = all.filter((l) => !isDanglingName(l.record.name) || !named.has(l.configDigest));

  const refTime = async (ref: string) => createdOf((await resolveLoaded(client, all, ref)).matched);
  const before = filters.get('before')?.[0];
  const since = filters.get('since')?.[0];
  const beforeT = before ? await refTime(before) : undefined;
  const sinceT = since ? await refTime(since) : undefined;
  const dangling = filters.get('dangling')?.[0]?.toLowerCase();

  const sizes = new Map<string, number>();
  const rows: { row: ImageRow; created: Date }[] = [];
  for (const l of visible) {
    const isDangling = isDanglingName(l.record.name);
    if (dangling !== undefined && (dangling === 'true' || dangling === '1') !== isDangling) continue;
    const refs = filters.get('reference');
    if (refs && (isDangling || !refs.some((p) => referenceMatches(p, l.record.name)))) continue;
    const labels = l.config.config?.Labels;
    if (!(filters.get('label') ?? []).every((want) => labelMatches(labels ?? undefined, want))) continue;
    const created = createdOf(l);
    if (beforeT && created >= beforeT) continue;
    if (sinceT && created <= sinceT) continue;
    const until = filters.get('until')?.[0];
    if (until && created > untilTime(until)) continue;

    let size = sizes.get(l.configDigest);
    if (size === undefined) {
      size = await imageSize(client, l);
      sizes.set(l.configDigest, size);
    }
    const split = isDangling ? { repository: '<none>', tag: '<none>' } : splitRepositoryTag(l.record.name);
    const digest = 'digest' in split && split.digest ? split.digest : '<none>';
    const sizeText = humanSize(size);
    rows.push({
      created,
      row: {
        Containers: 'N/A',
        // docker/cli prints time.Unix(created, 0): whole seconds.
        CreatedAt: goTimeString(new Date(Math.floor(created.getTime() / 1000) * 1000)),
        CreatedSince: `${humanDuration(Date.now() - created.getTime())} ago`,
        Digest: digest,
        ID: opts.noTrunc ? l.configDigest : shortImageId(l.configDigest),
        Repository: split.repository,
        SharedSize: 'N/A',
        Size: sizeText,
        Tag: split.tag,
        UniqueSize: 'N/A',
        VirtualSize: sizeText,
      },
    });
  }
  // Newest first, as Docker; ties by name for a stable order.
  rows.sort(
    (a, b) =>
      b.created.getTime() - a.created.getTime() ||
      a.row.Repository.localeCompare(b.row.Repository) ||
      a.row.Tag.localeCompare(b.row.Tag),
  );
  return rows.map((r) => r.row);
}

function untilTime(v: string): Date {
  if (/^\d+(\.\d+)?$/.test(v)) return new Date(Number(v) * 1000);
  const m = /^(\d+)(ns|us|ms|s|m|h)$/.exec(v);
  if (m) {
    const mult: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6 };
    return new Date(Date.now() - Number(m[1]) * mult[m[2]!]!);
  }
  const d = new Date(v);
  if (Number.isNaN(d.getTime()))
    throw new RequestError(`Error response from daemon: invalid filter 'until=${v}'`);
  return d;
}

async function resolveLoaded(
  client: ContainerdClient,
  all: Loaded[],
  ref: string,
): Promise<{ matched: Loaded }> {
  const r = await resolveWith(client, ref);
  return { matched: all.find((l) => l.configDigest === r.configDigest)! };
}

// ---------------------------------------------------------------------------------------------
// docker image inspect

const CONFIG_DEFAULTS: ContainerConfig = {
  Hostname: '',
  Domainname: '',
  User: '',
  AttachStdin: false,
  AttachStdout: false,
  AttachStderr: false,
  Tty: false,
  OpenStdin: false,
  StdinOnce: false,
  Env: null as unknown as string[],
  Cmd: null,
  Image: '',
  Volumes: null as unknown as Record<string, object>,
  WorkingDir: '',
  Entrypoint: null,
  OnBuild: null,
  Labels: null as unknown as Record<string, string>,
};

/** Docker's Config block: its fixed keys first, then whatever else the image config has. */
export function dockerContainerConfig(c: ContainerConfig | undefined): ContainerConfig {
  const out: ContainerConfig = { ...CONFIG_DEFAULTS };
  const src = c ?? {};
  if (src.ExposedPorts) out.ExposedPorts = src.ExposedPorts;
  for (const [k, v] of Object.entries(src)) {
    if (k === 'ExposedPorts') continue;
    out[k] = v;
  }
  // Key order as Docker prints it: ExposedPorts right after AttachStderr.
  const ordered: ContainerConfig = {};
  for (const k of ['Hostname', 'Domainname', 'User', 'AttachStdin', 'AttachStdout', 'AttachStderr'])
    ordered[k] = out[k];
  if (out.ExposedPorts) ordered.ExposedPorts = out.ExposedPorts;
  for (const [k, v] of Object.entries(out)) if (!(k in ordered)) ordered[k] = v;
  return ordered;
}

/** Go's RFC3339Nano of a parsed timestamp: fraction kept to the nanosecond, trailing zeros dropped, UTC as Z. */
export function rfc3339Nano(iso: string | undefined): string {
  if (!iso) return '0001-01-01T00:00:00Z';
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/i.exec(iso);
  if (!m) return iso;
  const frac = (m[2] ?? '').slice(0, 9).replace(/0+$/, '');
  const zone = m[3] === '+00:00' || m[3] === '-00:00' || m[3]!.toUpperCase() === 'Z' ? 'Z' : m[3];
  return `${m[1]}${frac ? `.${frac}` : ''}${zone}`;
}

/** Go's time.RFC3339 (seconds) in UTC, as `history -H=false` prints on a UTC host. */
function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

export async function inspectImage(ctx: RuntimeContext, ref: string): Promise<Record<string, unknown>> {
  const client = await ctx.client();
  const img = await resolveWith(client, ref);
  const size = await imageSize(client, img);
  const c = img.config;
  return {
    Id: img.configDigest,
    RepoTags: img.names.filter((n) => !n.includes('@')).map(familiar),
    RepoDigests: img.names.filter((n) => n.includes('@')).map(familiar),
    Parent: '',
    Comment: c.comment ?? historyComment(c) ?? '',
    Created: rfc3339Nano(c.created),
    DockerVersion: c.docker_version ?? '',
    Author: c.author ?? '',
    Config: dockerContainerConfig(c.config),
    Architecture: c.architecture,
    ...(c.variant ? { Variant: c.variant } : {}),
    Os: c.os,
    Size: size,
    GraphDriver: { Data: null, Name: SNAPSHOTTER },
    RootFS: { Type: 'layers', Layers: img.diffIds },
    Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
  };
}

/** `docker import -m` stores its message as the last history comment; Docker shows it as Comment. */
function historyComment(c: ImageConfig): string | undefined {
  const h = c.history;
  return h && h.length === 1 ? h[0]!.comment || undefined : undefined;
}

// ---------------------------------------------------------------------------------------------
// docker tag

export async function tagImage(ctx: RuntimeContext, source: string, target: string): Promise<void> {
  const client = await ctx.client();
  let dst: string;
  try {
    dst = normalize(target);
  } catch (err) {
    throw new RequestError(
      `Error parsing reference: "${target}" is not a valid repository/tag: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  if (dst.includes('@'))
    throw new RequestError('Error response from daemon: refusing to create a tag with a digest reference');
  const img = await resolveWith(client, source);
  await setImageName(client, dst, img.target);
}

// ---------------------------------------------------------------------------------------------
// docker rmi

export interface ContainerUse {
  /** Full container id. */
  id: string;
  /** sha256:… config digest of its image. */
  imageId: string;
  running: boolean;
}

export interface RemoveImagesOptions {
  force: boolean;
  /** Containers and the images they use: an image in use is not deleted (Docker's conflicts). */
  containers: ContainerUse[];
}

/** Removes one image argument, printing `Untagged:`/`Deleted:` lines; throws Docker's errors. */
export async function removeImage(
  ctx: RuntimeContext,
  ref: string,
  opts: RemoveImagesOptions,
): Promise<void> {
  const client = await ctx.client();
  const out = ctx.stdio.stdout;
  const img = await resolveWith(client, ref);
  const users = opts.containers.filter((c) => c.imageId === img.configDigest);
  const running = users.find((c) => c.running);
  const id12 = shortImageId(img.configDigest);

  // Named (a tag goes, the image only with its last tag) or given by id (the whole image goes)?
  const asName = normalizeSafe(ref);
  const byName = asName !== undefined && img.names.includes(asName);
  const names = byName ? [asName] : img.names;

  if (byName && img.names.length > 1) {
    await client.images.delete(asName);
    out.write(`Untagged: ${familiar(asName)}\n`);
    return;
  }
  if (!byName && img.names.length > 1 && !opts.force) {
    throw new ConflictError(
      `Error response from daemon: conflict: unable to delete ${id12} (must be forced) - image is referenced in multiple repositories`,
    );
  }
  if (users.length && !opts.force) {
    throw new ConflictError(
      byName
        ? `Error response from daemon: conflict: unable to remove repository reference "${ref}" (must force) - container ${users[0]!.id.slice(0, 12)} is using its referenced image ${id12}`
        : running
          ? `Error response from daemon: conflict: unable to delete ${id12} (cannot be forced) - image is being used by running container ${running.id.slice(0, 12)}`
          : `Error response from daemon: conflict: unable to delete ${id12} (must be forced) - image is being used by stopped container ${users[0]!.id.slice(0, 12)}`,
    );
  }
  if (running && !byName) {
    throw new ConflictError(
      `Error response from daemon: conflict: unable to delete ${id12} (cannot be forced) - image is being used by running container ${running.id.slice(0, 12)}`,
    );
  }
  const ignoreMissing = (err: unknown) => {
    if (!isNotFound(err)) throw err;
  };
  if (users.length) {
    // Forced while a stopped container uses it: Docker untags but keeps the image (as <none>).
    // The dangling record comes first so the content is never unreferenced.
    await setImageName(client, `${DANGLING_PREFIX}${img.target.digest}`, img.target);
  }
  const dangling = users.length ? [] : img.records.filter((r) => isDanglingName(r.name)).map((r) => r.name);
  const doomed = [...names, ...dangling];
  for (const [i, n] of doomed.entries()) {
    // The last record goes with a synchronous GC: content and snapshots are gone before we report.
    const last = i === doomed.length - 1 && !users.length;
    await client.images.delete(n, last).catch(ignoreMissing);
    if (!isDanglingName(n)) out.write(`Untagged: ${familiar(n)}\n`);
  }
  if (users.length) return;
  await dropTargetEntry(ctx.stateDir, img.target.digest).catch(() => undefined);
  out.write(`Deleted: ${img.configDigest}\n`);
}

function normalizeSafe(ref: string): string | undefined {
  try {
    return normalize(ref);
  } catch {
    return undefined;
  }
}

/**
 * `docker rmi A B …`: each argument on its own; failures are printed as they happen and the
 * command ends with status 1 (returned as the count of failures, the caller maps it).
 */
export async function removeImages(
  ctx: RuntimeContext,
  refs: string[],
  opts: RemoveImagesOptions,
): Promise<number> {
  let failed = 0;
  for (const ref of refs) {
    try {
      await removeImage(ctx, ref, opts);
    } catch (err) {
      if (!(err instanceof NotFoundError || err instanceof ConflictError || err instanceof RequestError))
        throw err;
      ctx.stdio.stderr.write(`${err.message}\n`);
      failed++;
    }
  }
  return failed;
}

// ---------------------------------------------------------------------------------------------
// docker history

export interface HistoryOptions {
  noTrunc: boolean;
  /** -H (default true): sizes and dates for humans; false gives RFC 3339 and bytes. */
  human: boolean;
}

/** One row of `docker history`, with the field names its templates use. */
export interface HistoryRow {
  ID: string;
  CreatedSince: string;
  CreatedAt: string;
  CreatedBy: string;
  Size: string;
  Comment: string;
}

function ellipsis(s: string, max: number): string {
  const chars = [...s];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : s;
}

export async function imageHistory(
  ctx: RuntimeContext,
  ref: string,
  opts: HistoryOptions,
): Promise<HistoryRow[]> {
  const client = await ctx.client();
  const img = await resolveWith(client, ref);
  const sizes = await layerSizes(client, img.manifest, img.config);
  const history: HistoryEntry[] = img.config.history?.length
    ? img.config.history
    : img.diffIds.map(() => ({ created: img.config.created, created_by: '', empty_layer: false }));
  let layer = 0;
  const rows = history.map((h) => {
    const size = h.empty_layer ? 0 : (sizes[layer++] ?? 0);
    const created = h.created ? new Date(h.created) : undefined;
    const createdBy = (h.created_by ?? '').replace(/\t/g, ' ');
    return {
      ID: '<missing>',
      CreatedSince: created
        ? opts.human
          ? `${humanDuration(Date.now() - created.getTime())} ago`
          : rfc3339(created)
        : 'N/A',
      CreatedAt: created ? rfc3339(created) : '',
      CreatedBy: opts.noTrunc ? createdBy : ellipsis(createdBy, 45),
      Size: opts.human ? humanSize(size) : String(size),
      Comment: h.comment ?? '',
    };
  });
  rows.reverse();
  // The newest entry is the image itself; older ones have no image of their own.
  if (rows[0]) rows[0].ID = opts.noTrunc ? img.configDigest : shortImageId(img.configDigest);
  return rows;
}
