/**
 * `rmi` / `image rm`: each argument on its own (images/remove.ts); failures are printed as they
 * happen and the command ends with status 1 if any failed.
 */
import type { RuntimeContext } from '../../context.js';
import { ConflictError, NotFoundError, PartialFailureError, RequestError } from '../../errors.js';
import { summaries } from '../../container/list.js';
import { removeImage, type ContainerUse } from '../../images/remove.js';

/** Containers and their images, for rmi's conflict checks. */
async function containerUses(ctx: RuntimeContext): Promise<ContainerUse[]> {
  return (await summaries(ctx)).map((s) => ({
    id: s.id,
    imageId: s.record.imageId,
    ...(s.foreign ? { imageName: s.record.imageRef } : {}),
    running: s.state.status === 'running' || s.state.status === 'paused' || s.state.status === 'restarting',
  }));
}

export async function removeImages(
  ctx: RuntimeContext,
  opts: { images: string[]; force: boolean },
): Promise<void> {
  const containers = await containerUses(ctx);
  let failed = false;
  for (const ref of opts.images) {
    try {
      await removeImage(ctx, ref, { force: opts.force, containers });
    } catch (err) {
      if (!(err instanceof NotFoundError || err instanceof ConflictError || err instanceof RequestError))
        throw err;
      ctx.stdio.stderr.write(`${err.message}\n`);
      failed = true;
    }
  }
  if (failed) throw new PartialFailureError();
}
