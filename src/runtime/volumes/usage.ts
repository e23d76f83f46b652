/**
 * Which containers use which volumes. A container's mounts are written to `mounts.json` in its
 * directory when it is created, under the volumes lock, before the volumes it names can be seen
 * as unused; the directory goes when the container goes (or when a crashed creation is repaired),
 * so "in use" is read from the containers that exist, never from a counter that could drift.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonSync, writeJsonAtomic } from '../state/files.js';
import type { StatePaths } from '../state/paths.js';
import type { MountPoint } from '../opts/mounts.js';

export const MOUNTS_FILE = 'mounts.json';

/** A container's mount points as recorded at create (moby's Container.MountPoints). */
export interface ContainerMounts {
  version: 1;
  mounts: MountPoint[];
}

export function readContainerMounts(containerDir: string): MountPoint[] {
  return readJsonSync<ContainerMounts>(join(containerDir, MOUNTS_FILE))?.mounts ?? [];
}

export function writeContainerMounts(containerDir: string, mounts: MountPoint[]): Promise<void> {
  return writeJsonAtomic(join(containerDir, MOUNTS_FILE), { version: 1, mounts } satisfies ContainerMounts);
}

/** Volume name → ids of the containers that mount it. */
export function volumeUsers(paths: Pick<StatePaths, 'containers'>): Map<string, string[]> {
  const users = new Map<string, string[]>();
  let ids: string[];
  try {
    ids = readdirSync(paths.containers);
  } catch {
    return users;
  }
  for (const id of ids) {
    for (const m of readContainerMounts(join(paths.containers, id))) {
      if (m.Type !== 'volume' || !m.Name) continue;
      const list = users.get(m.Name) ?? [];
      if (!list.includes(id)) list.push(id);
      users.set(m.Name, list);
    }
  }
  return users;
}

/** Docker's MountPoint in inspect's `Mounts` (Name and Driver only when set). */
export function inspectMounts(points: MountPoint[]): Record<string, unknown>[] {
  return points.map((m) => ({
    Type: m.Type,
    ...(m.Name ? { Name: m.Name } : {}),
    Source: m.Source,
    Destination: m.Destination,
    ...(m.Driver ? { Driver: m.Driver } : {}),
    Mode: m.Mode,
    RW: m.RW,
    Propagation: m.Propagation,
  }));
}

/** An anonymous volume: its name was generated, and `rm -v` / `--rm` remove it (moby: no Spec.Source). */
export const isAnonymous = (m: MountPoint): boolean => m.Type === 'volume' && !m.Spec.Source && m.Name !== '';
