/** `volume rm`: each volume by name; one in use by a container is refused (exit 1). */
import type { RuntimeContext } from '../../context.js';
import { PartialFailureError, TsdockError } from '../../errors.js';
import { removeVolume } from '../../volumes/remove.js';

export async function volumeRemove(ctx: RuntimeContext, names: string[], force: boolean): Promise<void> {
  let failed = false;
  for (const name of names) {
    try {
      await removeVolume(ctx, name, force);
      ctx.print(`${name}\n`);
    } catch (err) {
      if (!(err instanceof TsdockError)) throw err;
      failed = true;
      ctx.stdio.stderr.write(`${err.message}\n`);
    }
  }
  if (failed) throw new PartialFailureError();
}
