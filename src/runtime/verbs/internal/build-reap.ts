/** `tsdock internal build-reap PID`: started by a build with its first RUN step, cleans up if the build is killed. */
import type { RuntimeContext } from '../../context.js';
import { reap } from '../../build/leftovers.js';

export async function buildReap(ctx: RuntimeContext, pid: number): Promise<void> {
  await reap(ctx, pid, ctx.stdio.stdin);
}
