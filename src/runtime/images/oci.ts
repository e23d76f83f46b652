/**
 * The image data model as containerd stores it: OCI / Docker schema2 manifests, configs, layer
 * media types, chain IDs, and the garbage-collection labels containerd itself sets (images/
 * handlers, unpacker.go, image.go in containerd 1.6) so content and snapshots survive its GC.
 */
import { sha256Hex } from '../state/ids.js';

export const MediaType = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
} as const;

export const Annotation = {
  /** containerd's full image name on an index entry. */
  imageName: 'io.containerd.image.name',
  /** OCI's ref name (containerd puts the tag there, other tools a full reference). */
  refName: 'org.opencontainers.image.ref.name',
} as const;

export const Label = {
  uncompressed: 'containerd.io/uncompressed',
  gcConfig: 'containerd.io/gc.ref.content.config',
  gcLayerPrefix: 'containerd.io/gc.ref.content.l.',
  gcManifestPrefix: 'containerd.io/gc.ref.content.m.',
  gcSnapshot: (snapshotter: string) => `containerd.io/gc.ref.snapshot.${snapshotter}`,
  /** Lets a snapshotter know which committed snapshot an extraction will become. */
  snapshotRef: 'containerd.io/snapshot.ref',
} as const;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string; variant?: string };
  urls?: string[];
}

export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface Index {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The container part of an image config; Docker's field names (capitalised) are part of the format. */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Healthcheck?: Record<string, unknown>;
  Shell?: string[];
  OnBuild?: string[] | null;
  [k: string]: unknown;
}

export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
  /** Docker-built images carry these; OCI images usually do not. */
  container?: string;
  container_config?: ContainerConfig;
  docker_version?: string;
  comment?: string;
  [k: string]: unknown;
}

export function sha256(data: Buffer | string): string {
  return `sha256:${sha256Hex(data)}`;
}

export function hexOf(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1);
}

/** OCI identity.ChainID: chain(0) = diffID(0); chain(n) = sha256(chain(n-1) + " " + diffID(n)). */
export function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? d : sha256(`${prev} ${d}`));
  }
  return out;
}

export function chainId(diffIds: string[]): string | undefined {
  return chainIds(diffIds).at(-1);
}

export function isGzipLayer(mediaType: string): boolean {
  return mediaType.endsWith('+gzip') || mediaType.endsWith('.tar.gzip');
}

export function isLayerMediaType(mediaType: string): boolean {
  return (
    mediaType.startsWith('application/vnd.docker.image.rootfs.') ||
    mediaType.startsWith('application/vnd.oci.image.layer.')
  );
}

export function isManifestMediaType(mediaType: string): boolean {
  return mediaType === MediaType.dockerManifest || mediaType === MediaType.ociManifest;
}

export function isIndexMediaType(mediaType: string): boolean {
  return mediaType === MediaType.dockerManifestList || mediaType === MediaType.ociIndex;
}

/** Serialises as Docker and containerd do: compact JSON, which also fixes the digest. */
export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/** The Docker schema2 manifest containerd's importer synthesises for a docker-archive image. */
export function dockerManifest(config: Descriptor, layers: Descriptor[]): Manifest {
  return {
    schemaVersion: 2,
    mediaType: MediaType.dockerManifest,
    config: { mediaType: MediaType.dockerConfig, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  };
}

/** Labels on a manifest blob that keep its config and layers alive (images.SetChildrenLabels). */
export function manifestGcLabels(m: Manifest): Record<string, string> {
  const labels: Record<string, string> = { [Label.gcConfig]: m.config.digest };
  m.layers.forEach((l, i) => (labels[`${Label.gcLayerPrefix}${i}`] = l.digest));
  return labels;
}

/** Labels on an index blob that keep its manifests alive. */
export function indexGcLabels(idx: Index): Record<string, string> {
  const labels: Record<string, string> = {};
  idx.manifests.forEach((m, i) => (labels[`${Label.gcManifestPrefix}${i}`] = m.digest));
  return labels;
}

/** The platform this host runs images for, in OCI/Go terms. */
export function hostPlatform(): { architecture: string; os: string; variant?: string } {
  const map: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'arm',
    ia32: '386',
    ppc64: 'ppc64le',
    s390x: 's390x',
  };
  const architecture = map[process.arch] ?? process.arch;
  return architecture === 'arm64'
    ? { architecture, os: 'linux', variant: 'v8' }
    : { architecture, os: 'linux' };
}

/** Picks the manifest for this host out of an index (first match, else the first entry like containerd's default). */
export function pickPlatformManifest(idx: Index): Descriptor | undefined {
  const host = hostPlatform();
  const candidates = idx.manifests.filter(
    (m) => isManifestMediaType(m.mediaType) || isIndexMediaType(m.mediaType),
  );
  return (
    candidates.find((m) => m.platform?.os === host.os && m.platform?.architecture === host.architecture) ??
    candidates.find((m) => !m.platform) ??
    candidates[0]
  );
}
