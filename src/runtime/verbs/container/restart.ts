/** `restart`: stop (with stop's options), then start again; a `restart` event for each. */
import type { RuntimeContext } from '../../context.js';
import { stopContainer, type StopOptions } from '../../container/stop.js';
import { recordEvent } from '../../events/record.js';
import { printDone } from '../../format/done.js';
import { forEachContainer } from './batch.js';

export async function restartContainers(
  ctx: RuntimeContext,
  refs: string[],
  opts: StopOptions,
): Promise<void> {
  const { startContainer } = await import('../../container/start.js');
  const restarted = forEachContainer(ctx, refs, async (f) => {
    await stopContainer(ctx, f, opts);
    await startContainer(ctx, f, { stdin: false });
    await recordEvent(ctx, f.record, 'restart');
  });
  return printDone(ctx, restarted);
}
