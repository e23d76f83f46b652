/** `stop`: each container in parallel, Docker's timeout then SIGKILL (container/stop.ts). */
import type { RuntimeContext } from '../../context.js';
import { stopContainer, type StopOptions } from '../../container/stop.js';
import { stopForeign } from '../../container/foreign-task.js';
import { printDone } from '../../format/done.js';
import { forEachContainer } from './batch.js';

/** Stops each container; returns those stopped, as typed (PartialFailureError if any failed). */
export function stopContainers(ctx: RuntimeContext, refs: string[], opts: StopOptions): Promise<string[]> {
  return forEachContainer(ctx, refs, (f) => stopContainer(ctx, f, opts), {
    parallel: true,
    foreign: (f) => stopForeign(ctx, f, opts),
  });
}

export function containerStop(ctx: RuntimeContext, refs: string[], opts: StopOptions): Promise<void> {
  return printDone(ctx, stopContainers(ctx, refs, opts));
}
