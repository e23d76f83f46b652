/**
 * `rmi` / `image rm`: each argument on its own (images/remove.ts); the failures are collected, the
 * command ends with status 1 if any failed.
 */
import type { RuntimeContext } from '../../context.js';
import {
  ConflictError,
  NotFoundError,
  PartialFailureError,
  RequestError,
  type Failure,
} from '../../errors.js';
import { summaries } from '../../container/list.js';
import { removeImage, type ContainerUse } from '../../images/remove.js';
import type { PruneItem } from '../../images/prune.js';

/** Containers and their images, for rmi's conflict checks. */
async function containerUses(ctx: RuntimeContext): Promise<ContainerUse[]> {
  return (await summaries(ctx)).map((s) => ({
    id: s.id,
    imageId: s.record.imageId,
    ...(s.foreign ? { imageName: s.record.imageRef } : {}),
    running: s.state.status === 'running' || s.state.status === 'paused' || s.state.status === 'restarting',
  }));
}

export interface ImageRemoveOptions {
  images: string[];
  force: boolean;
}

/**
 * Removes each image argument; returns what was untagged and deleted, in order. If any failed
 * (missing, in use, refused): PartialFailureError, with what the others untagged and deleted.
 */
export async function removeImages(ctx: RuntimeContext, opts: ImageRemoveOptions): Promise<PruneItem[]> {
  const containers = await containerUses(ctx);
  const done: PruneItem[] = [];
  const failures: Failure[] = [];
  for (const ref of opts.images) {
    try {
      await removeImage(ctx, ref, { force: opts.force, containers }, (item) => done.push(item));
    } catch (err) {
      if (!(err instanceof NotFoundError || err instanceof ConflictError || err instanceof RequestError))
        throw err;
      failures.push({ ref, error: err });
    }
  }
  if (failures.length > 0) throw new PartialFailureError(failures, done);
  return done;
}

/** `rmi`: Docker's `Untagged:`/`Deleted:` lines, also when some arguments failed. */
export async function imageRemove(ctx: RuntimeContext, opts: ImageRemoveOptions): Promise<void> {
  const lines = (items: PruneItem[]) =>
    items.map((i) => ('untagged' in i ? `Untagged: ${i.untagged}\n` : `Deleted: ${i.deleted}\n`)).join('');
  try {
    ctx.print(lines(await removeImages(ctx, opts)));
  } catch (err) {
    if (err instanceof PartialFailureError) ctx.print(lines((err as PartialFailureError<PruneItem>).done));
    throw err;
  }
}
