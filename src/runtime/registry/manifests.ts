/**
 * Manifests as a registry serves them: the media types we ask for, and platform selection in
 * manifest lists / OCI indexes (containerd's platforms package: `os[/arch[/variant]]`, arch aliases
 * normalised, arm64 implying v8 and arm v7 when no variant is written).
 */
import { RegistryError, UsageError } from '../errors.js';
import {
  type Descriptor,
  type Index,
  MediaType,
  hostPlatform,
  isIndexMediaType,
  isManifestMediaType,
} from '../images/oci.js';

/** What we accept, in preference order (the same set containerd's resolver sends). */
export const MANIFEST_ACCEPT = [
  MediaType.dockerManifest,
  MediaType.dockerManifestList,
  MediaType.ociManifest,
  MediaType.ociIndex,
  '*/*',
];

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

const ARCH_ALIASES: Record<string, string> = {
  x86_64: 'amd64',
  'x86-64': 'amd64',
  aarch64: 'arm64',
  armhf: 'arm',
  armel: 'arm',
  i386: '386',
};

export function normalizePlatform(p: Platform): Platform {
  const os = p.os.toLowerCase() === 'macos' ? 'darwin' : p.os.toLowerCase();
  let architecture = p.architecture.toLowerCase();
  let variant = p.variant?.toLowerCase() || undefined;
  architecture = ARCH_ALIASES[architecture] ?? architecture;
  if (p.architecture.toLowerCase() === 'armhf') variant ??= 'v7';
  if (p.architecture.toLowerCase() === 'armel') variant ??= 'v6';
  if (architecture === 'arm64' && (variant === '8' || variant === undefined)) variant = 'v8';
  if (architecture === 'arm' && variant === undefined) variant = 'v7';
  if (architecture === 'arm' && variant && /^\d$/.test(variant)) variant = `v${variant}`;
  if (architecture === 'amd64' && variant === 'v1') variant = undefined;
  return { os, architecture, ...(variant ? { variant } : {}) };
}

/** `--platform` text → platform; the host's when empty. */
export function parsePlatform(text: string | undefined): Platform {
  if (!text) return normalizePlatform(hostPlatform());
  const parts = text.split('/');
  const valid = /^[A-Za-z0-9_-]+$/;
  if (parts.length > 3 || parts.some((p) => !valid.test(p))) {
    throw new UsageError(`"${text}": unknown operating system or architecture: invalid argument`);
  }
  if (parts.length === 1) {
    // A lone word is an OS when it is one containerd knows, else an architecture on the host OS.
    const knownOs = ['linux', 'windows', 'darwin', 'freebsd'];
    if (knownOs.includes(parts[0]!.toLowerCase())) {
      return normalizePlatform({ os: parts[0]!, architecture: hostPlatform().architecture });
    }
    return normalizePlatform({ os: 'linux', architecture: parts[0]! });
  }
  return normalizePlatform({
    os: parts[0]!,
    architecture: parts[1]!,
    ...(parts[2] ? { variant: parts[2] } : {}),
  });
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

export function platformMatches(want: Platform, have: Platform | undefined): boolean {
  if (!have) return false;
  const a = normalizePlatform(want);
  const b = normalizePlatform(have);
  if (a.os !== b.os || a.architecture !== b.architecture) return false;
  // An arm v7 host also runs v6 and v5 images (containerd's platforms.Only).
  if (a.architecture === 'arm' && a.variant && b.variant) return b.variant <= a.variant;
  return (a.variant ?? '') === (b.variant ?? '');
}

/** The index entry for `want`, or Docker's error when there is none. */
export function selectManifest(index: Index, want: Platform): Descriptor {
  const candidates = index.manifests.filter(
    (m) => isManifestMediaType(m.mediaType) || isIndexMediaType(m.mediaType),
  );
  const exact = candidates.filter((m) => platformMatches(want, m.platform));
  // Prefer the exact variant, then older compatible ones (arm), in list order.
  exact.sort((x, y) => (y.platform?.variant ?? '').localeCompare(x.platform?.variant ?? ''));
  const found = exact[0];
  if (!found) {
    throw new RegistryError(`no matching manifest for ${formatPlatform(want)} in the manifest list entries`);
  }
  return found;
}
