/** `push`: progress on stdout as the Docker CLI prints it; registry failures read as the daemon's. */
import type { RuntimeContext } from '../../context.js';
import { closeAgents } from '../../registry/http.js';
import { progressFor } from '../../registry/progress.js';
import { asDaemonResponse } from './pull.js';

export async function pushCommand(
  ctx: RuntimeContext,
  opts: { image: string; quiet: boolean },
): Promise<void> {
  const { pushImage } = await import('../../registry/push.js');
  const progress = await progressFor(ctx.stdio.stdout, opts.quiet);
  try {
    await pushImage(ctx, opts.image, { progress });
    await progress.close();
  } catch (err) {
    await progress.close();
    throw asDaemonResponse(err);
  } finally {
    closeAgents();
  }
}
