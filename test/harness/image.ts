/**
 * Builds the test image without Docker: a one-layer busybox rootfs from Debian's busybox-static,
 * wrapped as a docker-archive (what `docker save` writes) or an OCI image layout. Entries have a
 * fixed mtime so the same options always give the same digests.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

export const BUSYBOX = '/usr/bin/busybox';
const MTIME = new Date('2024-01-01T00:00:00Z');

export interface ArchiveEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  mode?: number;
  uid?: number;
  gid?: number;
  data?: Buffer | string;
  linkname?: string;
}

export function packTar(entries: ArchiveEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c) => void chunks.push(c as Buffer));
  const done = new Promise<Buffer>((resolve, reject) => {
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
  for (const e of entries) {
    const type = e.type ?? 'file';
    const data = type === 'file' ? Buffer.from(e.data ?? '') : undefined;
    const header = {
      name: e.name,
      type,
      mode: e.mode ?? (type === 'directory' ? 0o755 : type === 'symlink' ? 0o777 : 0o644),
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      mtime: MTIME,
      linkname: e.linkname,
      size: data?.length ?? 0,
    };
    pack.entry(header, data ?? '');
  }
  pack.finalize();
  return done;
}

function digestOf(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

export interface BusyboxImageOptions {
  /** Repo tag recorded in the archive (docker-archive RepoTags / OCI index annotations). */
  name?: string;
  /** Extra regular files for the rootfs, path → content (replacing the base image's file there). */
  extraFiles?: Record<string, string>;
  /** Further rootfs entries (directories with owners, symlinks …), after the files. */
  extraEntries?: ArchiveEntry[];
  /** Merged into the image config's `config` (Cmd, Env, Entrypoint, WorkingDir, User, Labels…). */
  config?: Record<string, unknown>;
  /** Archive flavour: `docker` (docker save layout, default) or `oci` (OCI image layout). */
  format?: 'docker' | 'oci';
  /** Gzip the layer blob (docker load and containerd accept both). */
  gzipLayer?: boolean;
  /** Leave the archive without a name (docker: empty RepoTags; OCI: no ref annotations). */
  untagged?: boolean;
}

export const DEFAULT_TEST_IMAGE = 'tsdock-test/busybox:latest';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  'nobody:x:65534:65534:nobody:/home:/bin/false',
  'app:x:1000:1000:app:/home/app:/bin/sh',
  '',
].join('\n');
const GROUP = ['root:x:0:', 'nobody:x:65534:', 'app:x:1000:app', ''].join('\n');

/** The rootfs of the test image as tar entries. */
export function busyboxRootfs(
  extraFiles: Record<string, string> = {},
  extraEntries: ArchiveEntry[] = [],
): ArchiveEntry[] {
  const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' })
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s && s !== 'busybox');
  const entries: ArchiveEntry[] = [
    { name: 'bin/', type: 'directory' },
    { name: 'bin/busybox', data: readFileSync(BUSYBOX), mode: 0o755 },
    ...applets.map((a): ArchiveEntry => ({ name: `bin/${a}`, type: 'symlink', linkname: 'busybox' })),
    { name: 'dev/', type: 'directory' },
    { name: 'etc/', type: 'directory' },
    { name: 'etc/passwd', data: PASSWD },
    { name: 'etc/group', data: GROUP },
    { name: 'home/', type: 'directory' },
    { name: 'home/app/', type: 'directory', uid: 1000, gid: 1000 },
    { name: 'proc/', type: 'directory' },
    { name: 'root/', type: 'directory', mode: 0o700 },
    { name: 'sys/', type: 'directory' },
    { name: 'tmp/', type: 'directory', mode: 0o1777 },
    { name: 'usr/', type: 'directory' },
    { name: 'usr/bin/', type: 'directory' },
    { name: 'var/', type: 'directory' },
  ];
  const replaced = new Set(Object.keys(extraFiles).map((p) => p.replace(/^\/+/, '')));
  for (let i = entries.length - 1; i >= 0; i--) if (replaced.has(entries[i]!.name)) entries.splice(i, 1);
  const dirs = new Set(entries.filter((e) => e.type === 'directory').map((e) => e.name));
  for (const [path, content] of Object.entries(extraFiles)) {
    const rel = path.replace(/^\/+/, '');
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = `${parts.slice(0, i).join('/')}/`;
      if (!dirs.has(dir)) {
        dirs.add(dir);
        entries.push({ name: dir, type: 'directory' });
      }
    }
    entries.push({ name: rel, data: content });
  }
  return [...entries, ...extraEntries];
}

export interface BuiltImage {
  /** Config digest: the image ID Docker prints. */
  id: string;
  diffId: string;
  layerDigest: string;
  manifestDigest?: string;
}

/** Writes a loadable archive of the busybox test image to destPath. */
export async function buildBusyboxArchive(
  destPath: string,
  opts: BusyboxImageOptions = {},
): Promise<BuiltImage> {
  const name = opts.name ?? DEFAULT_TEST_IMAGE;
  const layerTar = await packTar(busyboxRootfs(opts.extraFiles, opts.extraEntries));
  const diffId = digestOf(layerTar);
  const layerBlob = opts.gzipLayer ? gzipSync(layerTar) : layerTar;
  const layerDigest = digestOf(layerBlob);
  const config = {
    architecture: process.arch === 'arm64' ? 'arm64' : 'amd64',
    os: 'linux',
    created: MTIME.toISOString(),
    config: {
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Cmd: ['sh'],
      ...opts.config,
    },
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [
      {
        created: MTIME.toISOString(),
        created_by: '/bin/sh -c #(nop) ADD busybox rootfs in / ',
        comment: 'tsdock test',
      },
      { created: MTIME.toISOString(), created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true },
    ],
  };
  const configBlob = Buffer.from(JSON.stringify(config));
  const configDigest = digestOf(configBlob);
  const hex = (d: string) => d.slice('sha256:'.length);
  let archive: Buffer;
  let manifestDigest: string | undefined;

  if ((opts.format ?? 'docker') === 'docker') {
    const layerPath = `${hex(diffId)}/layer.tar`;
    const manifest = [
      { Config: `${hex(configDigest)}.json`, RepoTags: opts.untagged ? [] : [name], Layers: [layerPath] },
    ];
    const [repo, tag] = splitNameTag(name);
    archive = await packTar([
      { name: `${hex(diffId)}/`, type: 'directory' },
      { name: `${hex(diffId)}/VERSION`, data: '1.0' },
      { name: layerPath, data: layerBlob },
      { name: `${hex(configDigest)}.json`, data: configBlob },
      { name: 'manifest.json', data: JSON.stringify(manifest) },
      ...(opts.untagged
        ? []
        : [{ name: 'repositories', data: JSON.stringify({ [repo]: { [tag]: hex(diffId) } }) }]),
    ]);
  } else {
    const manifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: configDigest,
        size: configBlob.length,
      },
      layers: [
        {
          mediaType: opts.gzipLayer
            ? 'application/vnd.oci.image.layer.v1.tar+gzip'
            : 'application/vnd.oci.image.layer.v1.tar',
          digest: layerDigest,
          size: layerBlob.length,
        },
      ],
    };
    const manifestBlob = Buffer.from(JSON.stringify(manifest));
    manifestDigest = digestOf(manifestBlob);
    const full = fullName(name);
    const index = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: manifest.mediaType,
          digest: manifestDigest,
          size: manifestBlob.length,
          ...(opts.untagged
            ? {}
            : {
                annotations: {
                  'io.containerd.image.name': full,
                  'org.opencontainers.image.ref.name': full.slice(full.lastIndexOf(':') + 1),
                },
              }),
        },
      ],
    };
    archive = await packTar([
      { name: 'oci-layout', data: JSON.stringify({ imageLayoutVersion: '1.0.0' }) },
      { name: 'blobs/', type: 'directory' },
      { name: 'blobs/sha256/', type: 'directory' },
      { name: `blobs/sha256/${hex(configDigest)}`, data: configBlob },
      { name: `blobs/sha256/${hex(layerDigest)}`, data: layerBlob },
      { name: `blobs/sha256/${hex(manifestDigest)}`, data: manifestBlob },
      { name: 'index.json', data: JSON.stringify(index) },
    ]);
  }
  writeFileSync(destPath, archive);
  return { id: configDigest, diffId, layerDigest, ...(manifestDigest ? { manifestDigest } : {}) };
}

function splitNameTag(name: string): [string, string] {
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash ? [name.slice(0, colon), name.slice(colon + 1)] : [name, 'latest'];
}

/** Minimal normalisation for the names the suite uses (`a/b:c` → `docker.io/a/b:c`). */
function fullName(name: string): string {
  const [repo, tag] = splitNameTag(name);
  const first = repo.split('/')[0]!;
  const hasDomain = repo.includes('/') && (/[.:]/.test(first) || first === 'localhost');
  const full = hasDomain ? repo : repo.includes('/') ? `docker.io/${repo}` : `docker.io/library/${repo}`;
  return `${full}:${tag}`;
}

/** A plain rootfs tarball (for `import`), optionally gzip-compressed. */
export async function buildRootfsTarball(
  destPath: string,
  opts: { gzip?: boolean; extraFiles?: Record<string, string> } = {},
): Promise<void> {
  const t = await packTar(busyboxRootfs(opts.extraFiles));
  writeFileSync(destPath, opts.gzip ? gzipSync(t) : t);
}
