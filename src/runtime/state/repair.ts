/**
 * Repairs what a killed tsdock left half-done, run by every command that creates: leases whose
 * owner process is gone are deleted (containerd then collects the snapshots and blobs they held),
 * name reservations without a container are dropped, and container directories whose creation
 * never reached containerd are removed.
 */
import { promises as fsp } from 'node:fs';
import type { ContainerdClient } from '../containerd/client.js';
import { pidAlive, readJson } from './files.js';
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
  const [leases, containers] = await Promise.all([client.leases.list(), client.containers.list()]);
  const existing = new Set(containers.map((c) => c.id));
  await Promise.all(
    leases
      .filter((l) => l.labels?.[LEASE_PID_LABEL] && !pidAlive(Number(l.labels[LEASE_PID_LABEL])))
      .map((l) => client.leases.delete(l.id, true).catch(() => undefined)),
  );
  let dirs: string[] = [];
  try {
    dirs = await fsp.readdir(paths.containers);
  } catch {
    /* nothing created yet */
  }
  for (const id of dirs) {
    const creating = await readJson<{ pid: number }>(`${paths.container(id)}/${CREATING_FILE}`);
    if (!creating || pidAlive(creating.pid)) continue;
    if (existing.has(id)) await fsp.rm(`${paths.container(id)}/${CREATING_FILE}`, { force: true });
    else await fsp.rm(paths.container(id), { recursive: true, force: true });
  }
  await names.reconcile(existing, { spareOwn: true });
}
