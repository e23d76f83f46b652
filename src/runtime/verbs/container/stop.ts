/** `stop`: each container in parallel, Docker's timeout then SIGKILL (container/stop.ts). */
import type { RuntimeContext } from '../../context.js';
import { stopContainer, type StopOptions } from '../../container/stop.js';
import { stopForeign } from '../../container/foreign-task.js';
import { forEachContainer } from './batch.js';

export function stopContainers(ctx: RuntimeContext, refs: string[], opts: StopOptions): Promise<void> {
  return forEachContainer(ctx, refs, (f) => stopContainer(ctx, f, opts), {
    parallel: true,
    foreign: (f) => stopForeign(ctx, f, opts),
  });
}
