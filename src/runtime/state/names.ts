/**
 * Container names. A name is reserved by creating `names/<name>` with O_EXCL, which is atomic
 * without any lock: of 20 parallel `run --name same`, exactly one creates the file. The file holds
 * the owner id and the pid of the tsdock that reserved it, so a reservation left by a killed tsdock
 * (pid gone, no container) is recognised as stale and reclaimed — under a lock, because two
 * reclaimers must not delete each other's fresh reservation.
 */
import { mkdirSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { ConflictError, CorruptRecordError } from '../errors.js';
import { createExclusive, pidAlive, readJsonSync } from './files.js';
import { withLock } from './lock.js';
import type { StatePaths } from './paths.js';

interface Reservation {
  id: string;
  pid: number;
}

export function conflictMessage(name: string, id: string): string {
  return (
    `Error response from daemon: Conflict. The container name "/${name}" is already in use by container "${id}". ` +
    'You have to remove (or rename) that container to be able to reuse that name.'
  );
}

/**
 * A reservation, or undefined when the name is free. One that cannot be read is never taken for
 * free (that would let the name be given twice): reservations are written whole (createExclusive),
 * so an unreadable one is damage, reported with its path.
 */
async function readReservation(file: string): Promise<Reservation | undefined> {
  const r = readJsonSync<Reservation>(file);
  if (r !== undefined && (typeof r !== 'object' || r === null || typeof r.id !== 'string')) {
    throw new CorruptRecordError(file, 'not a name reservation');
  }
  return r;
}

function damagedConflict(name: string, err: CorruptRecordError): ConflictError {
  return new ConflictError(
    `Error response from daemon: Conflict. The container name "/${name}" is held by a ${err.message}; ` +
      'remove that file to free the name',
  );
}

function tryCreate(file: string, r: Reservation): Promise<boolean> {
  return createExclusive(file, JSON.stringify(r));
}

export class NameStore {
  constructor(
    private readonly paths: StatePaths,
    /** Whether containerd still has a container with this id. */
    private readonly containerExists: (id: string) => Promise<boolean>,
  ) {}

  private file(name: string): string {
    return join(this.paths.names, name);
  }

  async reserve(name: string, id: string): Promise<void> {
    mkdirSync(this.paths.names, { recursive: true });
    const file = this.file(name);
    const mine = { id, pid: process.pid };
    if (await tryCreate(file, mine)) return;
    const held = await readReservation(file).catch((err: unknown) => {
      throw err instanceof CorruptRecordError ? damagedConflict(name, err) : err;
    });
    if (held && !(await this.isStale(held))) throw new ConflictError(conflictMessage(name, held.id));
    await withLock(this.paths.locks, async () => {
      const again = await readReservation(file);
      if (again && !(await this.isStale(again))) throw new ConflictError(conflictMessage(name, again.id));
      await fsp.unlink(file).catch(() => undefined);
      if (!(await tryCreate(file, mine))) {
        const winner = await readReservation(file);
        throw new ConflictError(conflictMessage(name, winner?.id ?? ''));
      }
    });
  }

  /** Fails as reserve would when the name is held, reserving nothing (a dry run). */
  async check(name: string): Promise<void> {
    const held = await readReservation(this.file(name)).catch((err: unknown) => {
      throw err instanceof CorruptRecordError ? damagedConflict(name, err) : err;
    });
    if (held && !(await this.isStale(held))) throw new ConflictError(conflictMessage(name, held.id));
  }

  /** Release only if the name still belongs to `id` (a rename may have moved it). */
  async release(name: string, id: string): Promise<void> {
    const held = await readReservation(this.file(name)).catch(() => undefined);
    // Not synced: a reservation that outlives a crash is stale and reclaimed (isStale).
    if (held && held.id === id) await fsp.unlink(this.file(name)).catch(() => undefined);
  }

  /** The id the name is reserved for; a damaged reservation names no one (and is reported by reserve). */
  async lookup(name: string): Promise<string | undefined> {
    const held = await readReservation(this.file(name)).catch(() => undefined);
    return held?.id || undefined;
  }

  private async isStale(r: Reservation, existing?: Set<string>): Promise<boolean> {
    if (r.pid !== process.pid && pidAlive(r.pid)) return false; // creation in flight elsewhere
    if (!r.id) return true;
    if (existing) return !existing.has(r.id);
    return !(await this.containerExists(r.id));
  }

  /**
   * Drop reservations whose container is gone and whose creator is dead. `existing` (ids from one
   * Containers/List) spares a lookup per name; the final check under the lock asks containerd.
   */
  async reconcile(existing?: Set<string>, opts: { spareOwn?: boolean } = {}): Promise<string[]> {
    let names: string[];
    try {
      names = await fsp.readdir(this.paths.names);
    } catch {
      return [];
    }
    const dropped: string[] = [];
    for (const name of names) {
      if (name.startsWith('.')) continue;
      // A damaged reservation is not dropped: it may hold the name of a living container.
      const r = await readReservation(this.file(name)).catch(() => undefined);
      // A create running beside this repair holds its name under this pid before its container exists.
      if (opts.spareOwn && r?.pid === process.pid) continue;
      if (r && (await this.isStale(r, existing))) {
        await withLock(this.paths.locks, async () => {
          const again = await readReservation(this.file(name));
          if (again && (await this.isStale(again))) {
            await fsp.unlink(this.file(name)).catch(() => undefined);
            dropped.push(name);
          }
        });
      }
    }
    return dropped;
  }
}
