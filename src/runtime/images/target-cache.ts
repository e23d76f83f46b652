/**
 * An image target's manifest and config, kept under the data root by the target's digest. Content
 * is addressed by digest and never changes, so an entry stays right for as long as an image record
 * points at that digest: `run` then needs one Images/Get instead of that plus two or three
 * sequential reads from containerd's content store. It is only a cache: a missing or unreadable
 * entry is read from containerd again, and removing an image removes its entry.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readJson, writeJsonAtomic } from '../state/files.js';
import type { Descriptor, ImageConfig, Manifest } from './oci.js';

export interface TargetEntry {
  manifest: Manifest;
  manifestDescriptor: Descriptor;
  manifestDigest: string;
  config: ImageConfig;
  configDigest: string;
  /**
   * The image's /etc/passwd and /etc/group (null: not in the image), once a container was made from
   * it: user resolution then needs no rootfs, and the container can be created while its snapshot
   * is prepared. The files are in the image's layers, so they are as fixed as the digest.
   */
  userFiles?: UserFiles;
}

export interface UserFiles {
  passwd: string | null;
  group: string | null;
}

function entryPath(stateDir: string, digest: string): string | undefined {
  const m = /^sha256:([a-f0-9]{64})$/.exec(digest);
  return m ? join(stateDir, 'image-cache', `${m[1]}.json`) : undefined;
}

export async function readTargetEntry(stateDir: string, digest: string): Promise<TargetEntry | undefined> {
  const path = entryPath(stateDir, digest);
  if (!path) return undefined;
  const entry = await readJson<TargetEntry>(path).catch(() => undefined);
  // A torn or foreign file is not trusted: the entry must describe what it is filed under.
  return entry?.configDigest && entry.manifest?.config?.digest === entry.configDigest ? entry : undefined;
}

export async function writeTargetEntry(stateDir: string, digest: string, entry: TargetEntry): Promise<void> {
  const path = entryPath(stateDir, digest);
  if (!path) return;
  await mkdir(join(stateDir, 'image-cache'), { recursive: true });
  await writeJsonAtomic(path, entry);
}

export async function dropTargetEntry(stateDir: string, digest: string): Promise<void> {
  const path = entryPath(stateDir, digest);
  if (path) await rm(path, { force: true });
}

/** Adds the image's user files to its entry (best effort: it is a cache). */
export async function rememberUserFiles(stateDir: string, digest: string, files: UserFiles): Promise<void> {
  const entry = await readTargetEntry(stateDir, digest);
  if (entry && !entry.userFiles) await writeTargetEntry(stateDir, digest, { ...entry, userFiles: files });
}
