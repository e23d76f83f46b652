/**
 * Repairs what a killed tsdock left half-done, run by every command that creates: leases whose
 * owner process is gone are deleted (containerd then collects the snapshots and blobs they held),
 * and where a creation died half-way, what it made is removed — its directory, its container in
 * containerd and snapshot, the network namespace its monitor made — or only its marker, if it had
 * written its record, the last step; name reservations without a container are dropped.
 */
import { ContainerFiles } from '../state/records.js';
import { existsSync, promises as fsp, readdirSync } from 'node:fs';
import type { ContainerdClient } from '../containerd/client.js';
import { pidAlive, readJsonSync } from '../state/files.js';
import { NameStore } from '../state/names.js';
import type { StatePaths } from '../state/paths.js';

export const LEASE_PID_LABEL = 'tsdock/pid';
/**
 * Written in a container directory while its creation is in flight; holds the creator's pid and
 * the network namespace the container's monitor is making for it, if any.
 */
export const CREATING_FILE = 'creating.json';

export interface CreatingMarker {
  pid: number;
  /** The namespace's name (under /run/netns). */
  netns?: string;
}

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
  const crashed = new Map<string, CreatingMarker>();
  for (const id of dirs) {
    const marker = `${paths.container(id)}/${CREATING_FILE}`;
    if (!existsSync(marker)) continue;
    try {
      const creating = readJsonSync<CreatingMarker>(marker);
      if (creating !== undefined && !pidAlive(creating.pid)) crashed.set(id, creating);
    } catch {
      // written atomically: unreadable means being removed right now
    }
  }
  if (crashed.size === 0) return;
  const existing = new Set((await client.containers.list()).map((c) => c.id));
  for (const [id, marker] of crashed) {
    // The record is written once everything else is made (create.ts), its snapshot included: with
    // it, the creation died just before removing its mark; without it, whatever it had made goes —
    // the container in containerd (which may already hold its snapshot) as well.
    if (existing.has(id) && existsSync(new ContainerFiles(paths.container(id)).recordPath)) {
      await fsp.rm(`${paths.container(id)}/${CREATING_FILE}`, { force: true });
      continue;
    }
    if (existing.has(id)) {
      await client.containers.delete(id).catch(() => undefined);
      existing.delete(id);
    }
    await client.snapshots.remove(id).catch(() => undefined);
    await fsp.rm(paths.container(id), { recursive: true, force: true });
    // Its monitor would notice the directory gone within seconds and remove the namespace too;
    // nothing of the dead creation should outlast this repair.
    if (marker.netns) await import('../network/links.js').then((m) => m.deleteNetns(marker.netns!));
  }
  await names.reconcile(existing, { spareOwn: true });
}
