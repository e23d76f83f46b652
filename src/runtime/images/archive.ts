/**
 * Reading image archives (`docker save` output and OCI image layouts, plain or gzip-compressed).
 * The tar is streamed once into numbered files of a private temp dir, hashing as it goes, so no
 * layer is ever held in memory and no archive-controlled path touches the filesystem.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { posix, join } from 'node:path';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { RequestError } from '../errors.js';
import {
  Annotation,
  type Descriptor,
  type ImageConfig,
  type Index,
  type Manifest,
  MediaType,
  dockerManifest,
  isIndexMediaType,
  isManifestMediaType,
  pickPlatformManifest,
  sha256,
} from './oci.js';
import { parseReference, referenceString } from './reference.js';

export type ArchiveFormat = 'docker' | 'oci';

export interface SpooledFile {
  /** Where the bytes are on disk (inside the spool dir). */
  path: string;
  size: number;
  digest: string;
  /** First bytes, for compression sniffing. */
  head: Buffer;
}

export interface SpooledArchive {
  dir: string;
  files: Map<string, SpooledFile>;
  cleanup(): Promise<void>;
}

/** A blob of the archive as it must go into the content store. */
export interface Blob {
  descriptor: Descriptor;
  file: SpooledFile;
}

/** One image found in an archive, with everything needed to store and unpack it. */
export interface ArchiveImage {
  /** Full containerd names (`docker.io/library/busybox:latest`); empty for an untagged image. */
  names: string[];
  /** What the containerd image record points at (a manifest, or an index for OCI multi-platform). */
  target: Descriptor;
  /** Blobs to write: index/manifest, config, layers. Synthesised ones carry `data` instead of a file. */
  blobs: (Blob | { descriptor: Descriptor; data: Buffer })[];
  manifest: Manifest;
  config: ImageConfig;
  configDescriptor: Descriptor;
  /** The index blob, when the target is one (for its GC labels). */
  index?: Index;
}

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head.subarray(0, 2).equals(GZIP_MAGIC);
}

/** Which layout an archive uses, from its file names. OCI wins when both are present (docker ≥ 25 writes both). */
export function detectArchiveFormat(names: Iterable<string>): ArchiveFormat | undefined {
  const set = new Set(names);
  if (set.has('oci-layout') && set.has('index.json')) return 'oci';
  if (set.has('manifest.json')) return 'docker';
  return undefined;
}

function cleanName(name: string): string {
  return posix
    .normalize(name)
    .replace(/^(\.\/)+/, '')
    .replace(/^\/+/, '')
    .replace(/\/+$/, '');
}

/** Yields the stream's chunks with gzip undone when the first bytes say so. */
export async function maybeGunzip(input: Readable): Promise<Readable> {
  const it = input[Symbol.asyncIterator]();
  const first = await it.next();
  const out = new PassThrough();
  const rest = async function* () {
    if (!first.done) yield first.value as Buffer;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value as Buffer;
    }
  };
  const src = Readable.from(rest());
  const head = first.done ? Buffer.alloc(0) : Buffer.from(first.value as Buffer);
  if (isGzip(head)) {
    src
      .pipe(createGunzip())
      .on('error', (e) => out.destroy(e))
      .pipe(out);
  } else {
    src.on('error', (e) => out.destroy(e)).pipe(out);
  }
  return out;
}

/** Streams a tar (optionally gzip'd) into a fresh directory under tmpRoot. */
export async function spoolArchive(input: Readable, tmpRoot: string): Promise<SpooledArchive> {
  await mkdir(tmpRoot, { recursive: true });
  const dir = await mkdtemp(join(tmpRoot, 'load-'));
  const files = new Map<string, SpooledFile>();
  const symlinks = new Map<string, string>();
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const extract = tar.extract();
    let n = 0;
    const consume = (async () => {
      for await (const entry of extract) {
        const name = cleanName(entry.header.name);
        if (entry.header.type === 'file' || entry.header.type === 'contiguous-file') {
          const path = join(dir, String(n++));
          const hash = createHash('sha256');
          let size = 0;
          let head = Buffer.alloc(0);
          const tap = new Transform({
            transform(chunk: Buffer, _enc, cb) {
              hash.update(chunk);
              if (head.length < 16) head = Buffer.concat([head, chunk.subarray(0, 16 - head.length)]);
              size += chunk.length;
              cb(null, chunk);
            },
          });
          await pipeline(entry, tap, createWriteStream(path));
          files.set(name, { path, size, digest: `sha256:${hash.digest('hex')}`, head });
        } else {
          if (entry.header.type === 'symlink' && entry.header.linkname) {
            symlinks.set(name, posix.normalize(posix.join(posix.dirname(name), entry.header.linkname)));
          } else if (entry.header.type === 'link' && entry.header.linkname) {
            symlinks.set(name, cleanName(entry.header.linkname));
          }
          entry.resume();
        }
      }
    })();
    await Promise.all([pipeline(await maybeGunzip(input), extract), consume]);
    // docker save links repeated layers to the first copy (`<id>/layer.tar -> ../<id2>/layer.tar`).
    for (const [name, target] of symlinks) {
      const f = files.get(cleanName(target));
      if (f) files.set(name, f);
    }
  } catch (err) {
    await cleanup();
    if (err instanceof RequestError) throw err;
    throw new RequestError(`Error processing tar file: ${(err as Error).message}`, { cause: err });
  }
  return { dir, files, cleanup };
}

async function readJson<T>(archive: SpooledArchive, name: string): Promise<T> {
  const f = archive.files.get(name);
  if (!f) throw new RequestError(`invalid archive: ${name} not found`);
  try {
    return JSON.parse(await readFile(f.path, 'utf8')) as T;
  } catch (err) {
    throw new RequestError(`invalid archive: ${name}: ${(err as Error).message}`, { cause: err });
  }
}

interface DockerManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

/** Layer media type for a docker-archive layer file, from its first bytes. */
export function dockerLayerMediaType(head: Buffer): string {
  return isGzip(head) ? MediaType.dockerLayerGzip : MediaType.dockerLayer;
}

function normalizeTag(tag: string): string {
  return referenceString(parseReference(tag));
}

async function dockerImages(archive: SpooledArchive): Promise<ArchiveImage[]> {
  const entries = await readJson<DockerManifestEntry[]>(archive, 'manifest.json');
  if (!Array.isArray(entries)) throw new RequestError('invalid archive: manifest.json is not a list');
  const out: ArchiveImage[] = [];
  for (const e of entries) {
    const configFile = archive.files.get(cleanName(e.Config));
    if (!configFile) throw new RequestError(`invalid archive: image config ${e.Config} not found`);
    const config = await readJson<ImageConfig>(archive, cleanName(e.Config));
    const diffIds = config.rootfs?.diff_ids ?? [];
    if (diffIds.length !== e.Layers.length) {
      throw new RequestError(
        `invalid archive: ${e.Config} lists ${diffIds.length} layers, manifest.json ${e.Layers.length}`,
      );
    }
    const layers: Blob[] = e.Layers.map((l) => {
      const file = archive.files.get(cleanName(l));
      if (!file) throw new RequestError(`invalid archive: layer ${l} not found`);
      return {
        file,
        descriptor: { mediaType: dockerLayerMediaType(file.head), digest: file.digest, size: file.size },
      };
    });
    const configDescriptor: Descriptor = {
      mediaType: MediaType.dockerConfig,
      digest: configFile.digest,
      size: configFile.size,
    };
    const manifest = dockerManifest(
      configDescriptor,
      layers.map((l) => l.descriptor),
    );
    const data = Buffer.from(JSON.stringify(manifest));
    const target: Descriptor = {
      mediaType: MediaType.dockerManifest,
      digest: sha256(data),
      size: data.length,
    };
    out.push({
      names: (e.RepoTags ?? []).map(normalizeTag),
      target,
      blobs: [{ descriptor: target, data }, { descriptor: configDescriptor, file: configFile }, ...layers],
      manifest,
      config,
      configDescriptor,
    });
  }
  return out;
}

function ociBlob(archive: SpooledArchive, desc: Descriptor): SpooledFile {
  const [alg, hex] = desc.digest.split(':');
  const f = archive.files.get(`blobs/${alg}/${hex}`);
  if (!f) throw new RequestError(`invalid archive: blob ${desc.digest} not found`);
  if (f.digest !== desc.digest)
    throw new RequestError(`invalid archive: blob ${desc.digest} has digest ${f.digest}`);
  return f;
}

/** The name an OCI index entry carries: containerd's full name, else a ref.name that is a full reference. */
export function ociEntryName(desc: Descriptor): string | undefined {
  const full = desc.annotations?.[Annotation.imageName];
  if (full) return normalizeTag(full);
  const ref = desc.annotations?.[Annotation.refName];
  // A bare tag (`latest`, what containerd writes there) does not name a repository.
  if (ref && /[/:]/.test(ref)) {
    try {
      return normalizeTag(ref);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

async function ociImages(archive: SpooledArchive): Promise<ArchiveImage[]> {
  const index = await readJson<Index>(archive, 'index.json');
  const byTarget = new Map<string, ArchiveImage>();
  for (const entry of index.manifests ?? []) {
    let image = byTarget.get(entry.digest);
    if (!image) {
      const blobs: ArchiveImage['blobs'] = [];
      let manifestDesc = entry;
      let nested: Index | undefined;
      if (isIndexMediaType(entry.mediaType)) {
        const file = ociBlob(archive, entry);
        nested = JSON.parse(await readFile(file.path, 'utf8')) as Index;
        blobs.push({ descriptor: stripAnnotations(entry), file });
        const picked = pickPlatformManifest(nested);
        if (!picked)
          throw new RequestError(`invalid archive: index ${entry.digest} has no manifest for this platform`);
        manifestDesc = picked;
      } else if (!isManifestMediaType(entry.mediaType)) {
        continue;
      }
      const mfile = ociBlob(archive, manifestDesc);
      const manifest = JSON.parse(await readFile(mfile.path, 'utf8')) as Manifest;
      blobs.push({ descriptor: stripAnnotations(manifestDesc), file: mfile });
      const cfile = ociBlob(archive, manifest.config);
      const config = JSON.parse(await readFile(cfile.path, 'utf8')) as ImageConfig;
      blobs.push({ descriptor: manifest.config, file: cfile });
      for (const l of manifest.layers) blobs.push({ descriptor: l, file: ociBlob(archive, l) });
      image = {
        names: [],
        target: stripAnnotations(entry),
        blobs,
        manifest,
        config,
        configDescriptor: manifest.config,
        ...(nested ? { index: nested } : {}),
      };
      byTarget.set(entry.digest, image);
    }
    const name = ociEntryName(entry);
    if (name && !image.names.includes(name)) image.names.push(name);
  }
  return [...byTarget.values()];
}

function stripAnnotations(d: Descriptor): Descriptor {
  return { mediaType: d.mediaType, digest: d.digest, size: d.size };
}

/** Every image described by a spooled archive. */
export async function archiveImages(archive: SpooledArchive): Promise<ArchiveImage[]> {
  const format = detectArchiveFormat(archive.files.keys());
  if (format === 'oci') return ociImages(archive);
  if (format === 'docker') return dockerImages(archive);
  if (archive.files.has('repositories')) {
    throw new RequestError('legacy docker archives (without manifest.json) are not supported');
  }
  throw new RequestError('unrecognized image format: no manifest.json or index.json in archive');
}
