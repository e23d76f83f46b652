/**
 * A container's changes (`docker diff`, and the size `container prune` reports), read from its
 * overlay upper dir and classified as moby's archive.OverlayChanges does — a whiteout (0/0
 * character device) is `D`, an entry also present in a lower layer is `C`, anything else `A`; a
 * directory that merely holds changes is `C` too (its parent entry is added before its first
 * change). Docker prints the walk in the upper dir's
 * directory order, which on ext4 is hash order; tsdock walks in name order so the output is stable.
 */
import type { Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { posix } from 'node:path';
import { mountOption } from './rootfs.js';
import type { ContainerdClient } from '../containerd/client.js';
import type { Found } from './store.js';

export type ChangeKind = 'A' | 'C' | 'D';
export interface Change {
  kind: ChangeKind;
  path: string;
}

async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await lstat(p);
  } catch {
    return undefined;
  }
}

function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

/**
 * The changes of `upper` against `lowers` (top first). `ignore`: empty files runc created as
 * mount points (/etc/hosts …) — Docker keeps those in its init layer, so they are no change.
 */
export async function overlayChanges(
  upper: string,
  lowers: string[],
  ignore: ReadonlySet<string> = new Set(),
): Promise<Change[]> {
  const changes: Change[] = [];
  const changedDirs = new Set<string>();
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(posix.join(upper, rel))).sort();
    for (const name of names) {
      const path = posix.join(rel, name);
      const st = await lstat(posix.join(upper, path));
      if (ignore.has(path) && st.isFile() && st.size === 0) continue;
      let kind: ChangeKind | undefined;
      if (isWhiteout(st)) kind = 'D';
      else {
        kind = 'A';
        for (const lower of lowers) {
          const below = await lstatOrUndefined(posix.join(lower, path));
          if (!below) continue;
          if (isWhiteout(below)) break; // deleted below: added again here
          const same =
            below.isDirectory() &&
            st.isDirectory() &&
            below.size === st.size &&
            below.mode === st.mode &&
            Math.floor(below.mtimeMs) === Math.floor(st.mtimeMs);
          kind = same ? undefined : 'C';
          break;
        }
      }
      if (st.isDirectory() && kind) changedDirs.add(path);
      if (kind === 'A' || kind === 'D') {
        const parent = posix.dirname(path);
        if (parent !== '/' && !changedDirs.has(parent)) {
          changes.push({ kind: 'C', path: parent });
          changedDirs.add(parent);
        }
      }
      if (kind) changes.push({ kind, path });
      if (st.isDirectory() && !isWhiteout(st)) await walk(path);
    }
  };
  await walk('/');
  // A directory first recorded as a parent and later found changed itself is one entry.
  const seen = new Set<string>();
  return changes.filter((c) => {
    const key = `${c.kind} ${c.path}`;
    if (seen.has(key) || (c.kind === 'C' && seen.has(`A ${c.path}`))) return false;
    seen.add(key);
    return true;
  });
}

/** moby's archive.ChangesSize: bytes of the files added or changed (each inode once). */
export async function changesSize(upper: string, changes: Change[]): Promise<number> {
  let size = 0;
  const inodes = new Set<number>();
  for (const c of changes) {
    if (c.kind === 'D') continue;
    const st = await lstatOrUndefined(posix.join(upper, c.path));
    if (!st || st.isDirectory()) continue;
    if (st.nlink > 1) {
      if (inodes.has(st.ino)) continue;
      inodes.add(st.ino);
    }
    size += st.size;
  }
  return size;
}

/** The container's SizeRw as Docker computes it; 0 when its snapshot cannot be read. */
export async function containerSizeRw(
  client: ContainerdClient,
  found: Pick<Found, 'id' | 'container'>,
): Promise<number> {
  try {
    const [m] = await client.snapshots.mounts(found.container.snapshotKey || found.id);
    const upper = m?.type === 'overlay' ? mountOption(m, 'upperdir') : m?.source;
    if (!m || !upper) return 0;
    const lowers = m.type === 'overlay' ? (mountOption(m, 'lowerdir') ?? '').split(':').filter(Boolean) : [];
    return await changesSize(upper, await overlayChanges(upper, lowers, mountPoints(found.container.spec)));
  } catch {
    return 0;
  }
}

/** The destinations of the container's OCI mounts. */
export function mountPoints(spec: unknown): Set<string> {
  const mounts = (spec as { mounts?: { destination?: string }[] } | undefined)?.mounts ?? [];
  return new Set(mounts.map((m) => m.destination ?? '').filter(Boolean));
}
