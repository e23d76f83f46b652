/** `push`: progress on stdout as the Docker CLI prints it; registry failures read as the daemon's. */
import type { RuntimeContext } from '../../context.js';
import { withProgress } from './pull.js';

export async function pushCommand(
  ctx: RuntimeContext,
  opts: { image: string; quiet: boolean },
): Promise<void> {
  const { pushImage } = await import('../../registry/push.js');
  await withProgress(ctx.stdio.stdout, opts.quiet, (progress) => pushImage(ctx, opts.image, { progress }));
}
