/**
 * `pull` (progress on stdout, the reference last, as the Docker CLI prints it), and the pull that
 * `run`/`create` make for a missing image. Registry failures read as the daemon's.
 */
import type { RuntimeContext } from '../../context.js';
import { RegistryError } from '../../errors.js';
import { closeAgents } from '../../registry/http.js';
import { progressFor } from '../../registry/progress.js';

export interface PullCommandOptions {
  image: string;
  quiet: boolean;
  platform?: string;
  /** -a: every tag of the repository. */
  allTags?: boolean;
}

/** Registry failures read `Error response from daemon: …` in Docker, whose daemon did the talking. */
export function asDaemonResponse(err: unknown): unknown {
  if (err instanceof RegistryError && !err.message.startsWith('Error response from daemon')) {
    return new RegistryError(`Error response from daemon: ${err.message}`, { cause: err });
  }
  return err;
}

export async function pullCommand(ctx: RuntimeContext, opts: PullCommandOptions): Promise<void> {
  const { pullImage, listTags } = await import('../../registry/pull.js');
  const progress = await progressFor(ctx.stdio.stdout, opts.quiet);
  const platform = opts.platform ? { platform: opts.platform } : {};
  try {
    if (opts.allTags) {
      // Every tag of the repository, one after the other; the repository name last, as Docker prints it.
      const { repository, tags } = await listTags(ctx, opts.image);
      for (const tag of tags) await pullImage(ctx, `${repository}:${tag}`, { progress, ...platform });
      await progress.close();
      ctx.stdio.stdout.write(`${repository}\n`);
      return;
    }
    const r = await pullImage(ctx, opts.image, { progress, announceDefaultTag: true, ...platform });
    await progress.close();
    ctx.stdio.stdout.write(`${r.name}\n`);
  } catch (err) {
    await progress.close();
    throw asDaemonResponse(err);
  } finally {
    closeAgents();
  }
}

/** `run`/`create` pulling a missing image: progress on stderr, no reference line. */
export async function pullForRun(
  ctx: RuntimeContext,
  image: string,
  opts: { quiet: boolean; platform?: string },
): Promise<void> {
  const { pullImage } = await import('../../registry/pull.js');
  const progress = await progressFor(ctx.stdio.stderr, opts.quiet);
  try {
    await pullImage(ctx, image, { progress, ...(opts.platform ? { platform: opts.platform } : {}) });
    await progress.close();
  } catch (err) {
    await progress.close();
    throw asDaemonResponse(err);
  } finally {
    closeAgents();
  }
}
