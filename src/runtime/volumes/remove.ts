/** Removing volumes: one by name (`volume rm`), or a removed container's anonymous ones (`rm -v`). */
import type { RuntimeContext } from '../context.js';
import { ConflictError } from '../errors.js';
import { recordVolumeEvent } from '../events/record.js';
import { StatePaths } from '../state/paths.js';
import { volumeStore } from './store.js';
import { volumeUsers } from './usage.js';

/** `volume rm`: refused while a container uses the volume (Docker's message lists them). */
export async function removeVolume(ctx: RuntimeContext, name: string, force: boolean): Promise<boolean> {
  const store = volumeStore(ctx);
  return store.locked(async () => {
    if (!store.get(name)) {
      if (force) return false;
      store.find(name);
    }
    const users = volumeUsers(new StatePaths(ctx.stateDir)).get(name) ?? [];
    if (users.length > 0) {
      throw new ConflictError(
        `Error response from daemon: remove ${name}: volume is in use - [${users.join(', ')}]`,
      );
    }
    await store.remove(name);
    await recordVolumeEvent(ctx, name, 'destroy', { driver: 'local' });
    return true;
  });
}

/**
 * A removed container's anonymous volumes; one another container still mounts (through
 * --volumes-from) stays, as the daemon's "in use" is no error there.
 */
export async function removeAnonymousVolumes(ctx: RuntimeContext, names: string[]): Promise<void> {
  const store = volumeStore(ctx);
  const removed = await store.locked(async () => {
    const users = volumeUsers(new StatePaths(ctx.stateDir));
    const gone: string[] = [];
    for (const name of names) {
      if ((users.get(name) ?? []).length > 0 || !store.get(name)) continue;
      await store.remove(name);
      gone.push(name);
    }
    return gone;
  });
  await Promise.all(removed.map((n) => recordVolumeEvent(ctx, n, 'destroy', { driver: 'local' })));
}
