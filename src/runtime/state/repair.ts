/**
 * Repairs what a killed tsdock left half-done, run by every command that creates: leases whose
 * owner process is gone are deleted (containerd then collects the snapshots and blobs they held),
 * and where a creation died half-way, its container directory is removed (or only its marker, if
 * the container reached containerd) and name reservations without a container are dropped.
 */
import { existsSync, promises as fsp, readdirSync } from 'node:fs';
import type { ContainerdClient } from '../containerd/client.js';
import { pidAlive, readJsonSync } from './files.js';
import { NameStore } from './names.js';
import type { StatePaths } from './paths.js';

export const LEASE_PID_LABEL = 'tsdock/pid';
/** Written in a container directory while its creation is in flight; holds the creator's pid. */
export const CREATING_FILE = 'creating.json';

export async function repairState(
  client: ContainerdClient,
  paths: StatePaths,
  names: NameStore,
): Promise<void> {
  // Cheap before costly: one Leases/List (leases are few) and one stat per container directory.
  // containerd's whole container list and the scan of every name are only needed when a create
  // died half-way; without that, a stale name is harmless, and reserve reclaims it when asked for.
  const leases = await client.leases.list();
  await Promise.all(
    leases
      .filter((l) => l.labels?.[LEASE_PID_LABEL] && !pidAlive(Number(l.labels[LEASE_PID_LABEL])))
      .map((l) => client.leases.delete(l.id, true).catch(() => undefined)),
  );
  let dirs: string[] = [];
  try {
    dirs = readdirSync(paths.containers);
  } catch {
    /* nothing created yet */
  }
  const crashed = dirs.filter((id) => {
    const marker = `${paths.container(id)}/${CREATING_FILE}`;
    if (!existsSync(marker)) return false;
    try {
      const creating = readJsonSync<{ pid: number }>(marker);
      return creating !== undefined && !pidAlive(creating.pid);
    } catch {
      return false; // written atomically: unreadable means being removed right now
    }
  });
  if (crashed.length === 0) return;
  const existing = new Set((await client.containers.list()).map((c) => c.id));
  for (const id of crashed) {
    if (existing.has(id)) await fsp.rm(`${paths.container(id)}/${CREATING_FILE}`, { force: true });
    else await fsp.rm(paths.container(id), { recursive: true, force: true });
  }
  await names.reconcile(existing, { spareOwn: true });
}
