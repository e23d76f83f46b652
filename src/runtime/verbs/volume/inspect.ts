/** `volume inspect`: Docker's volume objects, or a --format template over them. */
import type { RuntimeContext } from '../../context.js';
import { NotFoundError, PartialFailureError, type Failure } from '../../errors.js';
import { renderInspect } from '../../format/output.js';
import { volumeStore, type Volume } from '../../volumes/store.js';

/** One volume's document by name (NotFoundError otherwise). */
export function inspectVolume(ctx: RuntimeContext, name: string): Volume {
  return volumeStore(ctx).find(name);
}

export async function volumeInspect(ctx: RuntimeContext, names: string[], format?: string): Promise<void> {
  const store = volumeStore(ctx);
  const found: Volume[] = [];
  const failures: Failure[] = [];
  for (const name of names) {
    try {
      found.push(store.find(name));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      failures.push({ ref: name, error: err });
    }
  }
  ctx.print(renderInspect(found, format));
  if (failures.length > 0) throw new PartialFailureError(failures);
}
