/** `wait`: block until each container stops, then print its exit code. */
import type { RuntimeContext } from '../../context.js';
import { ContainerExit, NotFoundError } from '../../errors.js';
import { finalizeExit } from '../../container/exit.js';
import { findContainer, getTask, type Found } from '../../container/store.js';

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

export async function waitContainers(ctx: RuntimeContext, refs: string[]): Promise<void> {
  let failed = false;
  for (const ref of refs) {
    try {
      const code = await waitContainer(ctx, await findContainer(ctx, ref));
      ctx.stdio.stdout.write(`${code}\n`);
    } catch (err) {
      failed = true;
      ctx.stdio.stderr.write(`${(err as Error).message}\n`);
    }
  }
  if (failed) throw new ContainerExit(1);
}
