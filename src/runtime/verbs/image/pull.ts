/**
 * `pull` (progress on stdout, the reference last, as the Docker CLI prints it), and the pull that
 * `run`/`create` make for a missing image. Registry failures read as the daemon's.
 */
import type { RuntimeContext } from '../../context.js';
import { RegistryError } from '../../errors.js';
import { closeAgents } from '../../http/request.js';
import type { ProgressSink } from '../../registry/jsonmessage.js';
import { progressFor } from '../../registry/progress.js';

export interface PullCommandOptions {
  image: string;
  quiet: boolean;
  platform?: string;
  /** -a: every tag of the repository. */
  allTags?: boolean;
}

/** Registry failures read `Error response from daemon: …` in Docker, whose daemon did the talking. */
function asDaemonResponse(err: unknown): unknown {
  if (err instanceof RegistryError && !err.message.startsWith('Error response from daemon')) {
    return new RegistryError(`Error response from daemon: ${err.message}`, { cause: err });
  }
  return err;
}

/**
 * A registry conversation with its progress on `out`: the view is closed before anything else is
 * printed, failures read as the daemon's, and the HTTP agents are closed so that no keep-alive
 * socket holds the CLI.
 */
export async function withProgress<T>(
  out: NodeJS.WritableStream,
  quiet: boolean,
  fn: (progress: ProgressSink) => Promise<T>,
): Promise<T> {
  const progress = await progressFor(out, quiet);
  try {
    const result = await fn(progress);
    await progress.close();
    return result;
  } catch (err) {
    await progress.close();
    throw asDaemonResponse(err);
  } finally {
    closeAgents();
  }
}

export async function pullCommand(ctx: RuntimeContext, opts: PullCommandOptions): Promise<void> {
  const name = await pullReference(ctx, opts, ctx.stdio.stdout);
  ctx.stdio.stdout.write(`${name}\n`);
}

/**
 * `pull`'s work, its progress on `out`: returns the reference pulled, as Docker names it (the
 * repository for -a).
 */
export async function pullReference(
  ctx: RuntimeContext,
  opts: PullCommandOptions,
  out: NodeJS.WritableStream,
): Promise<string> {
  const { pullImage, listTags } = await import('../../registry/pull.js');
  const platform = opts.platform ? { platform: opts.platform } : {};
  return withProgress(out, opts.quiet, async (progress) => {
    if (!opts.allTags) {
      return (await pullImage(ctx, opts.image, { progress, announceDefaultTag: true, ...platform })).name;
    }
    // Every tag of the repository, one after the other; the repository name last, as Docker prints it.
    const { repository, tags } = await listTags(ctx, opts.image);
    for (const tag of tags) await pullImage(ctx, `${repository}:${tag}`, { progress, ...platform });
    return repository;
  });
}

/** `run`/`create` pulling a missing image: progress on stderr, no reference line. */
export async function pullForRun(
  ctx: RuntimeContext,
  image: string,
  opts: { quiet: boolean; platform?: string },
): Promise<void> {
  const { pullImage } = await import('../../registry/pull.js');
  await withProgress(ctx.stdio.stderr, opts.quiet, (progress) =>
    pullImage(ctx, image, { progress, ...(opts.platform ? { platform: opts.platform } : {}) }),
  );
}
