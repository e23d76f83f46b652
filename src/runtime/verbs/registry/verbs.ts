/**
 * The runtime side of `pull`, `push`, `login` and `logout`: one function per command, printing as
 * the Docker CLI does (progress on stdout, the reference last, registry failures as the daemon's).
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

export async function loginCommand(
  ctx: RuntimeContext,
  opts: import('../../registry/login.js').LoginOptions,
): Promise<void> {
  const { login } = await import('../../registry/login.js');
  try {
    await login(ctx, opts);
  } finally {
    closeAgents();
  }
}

export async function logoutCommand(ctx: RuntimeContext, server?: string): Promise<void> {
  const { logout } = await import('../../registry/login.js');
  await logout(ctx, server);
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
