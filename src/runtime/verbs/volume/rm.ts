/** `volume rm`: each volume by name; one in use by a container is refused (exit 1). */
import type { RuntimeContext } from '../../context.js';
import { PartialFailureError, TsdockError, type Failure } from '../../errors.js';
import { printDone } from '../../format/done.js';
import { removeVolume } from '../../volumes/remove.js';

/** Removes each volume; returns the names removed (PartialFailureError if any failed). */
export async function removeVolumes(ctx: RuntimeContext, names: string[], force: boolean): Promise<string[]> {
  const done: string[] = [];
  const failures: Failure[] = [];
  for (const name of names) {
    try {
      await removeVolume(ctx, name, force);
      done.push(name);
    } catch (err) {
      if (!(err instanceof TsdockError)) throw err;
      failures.push({ ref: name, error: err });
    }
  }
  if (failures.length > 0) throw new PartialFailureError(failures, done);
  return done;
}

export function volumeRemove(ctx: RuntimeContext, names: string[], force: boolean): Promise<void> {
  return printDone(ctx, removeVolumes(ctx, names, force));
}
