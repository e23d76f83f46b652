/** `wait`: block until the container stops, then its exit code. */
import type { RuntimeContext } from '../../context.js';
import { NotFoundError } from '../../errors.js';
import { finalizeExit } from '../../container/exit.js';
import { getTask, type Found } from '../../container/store.js';

export async function waitContainer(ctx: RuntimeContext, found: Found): Promise<number> {
  const client = await ctx.client();
  const task = await getTask(client, found.id);
  if (task && task.status !== 'STOPPED') {
    try {
      const r = await client.tasks.wait(found.id);
      const state = await finalizeExit(ctx, found);
      return state.status === 'exited' ? state.exitCode : r.exitStatus;
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
  const state = await finalizeExit(ctx, found);
  return state.exitCode;
}
