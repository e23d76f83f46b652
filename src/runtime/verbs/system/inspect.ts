/** `inspect`: containers first, then images (as Docker's generic inspect), rendered by the shared formatter. */
import type { RuntimeContext } from '../../context.js';
import { NotFoundError, PartialFailureError } from '../../errors.js';
import { renderInspect } from '../../format/output.js';

export interface InspectOptions {
  format?: string;
  type?: 'container' | 'image';
  size: boolean;
}

async function inspectOne(ctx: RuntimeContext, ref: string, type: InspectOptions['type']): Promise<unknown> {
  if (type !== 'image') {
    const { isForeign, likelyId, resolveContainer } = await import('../../container/store.js');
    const { inspectContainer, inspectForeign, prefetchInspect } = await import('../../container/inspect.js');
    try {
      const id = await likelyId(ctx, ref);
      const early = id ? prefetchInspect(await ctx.client(), id) : undefined;
      const x = await resolveContainer(ctx, ref);
      return await (isForeign(x) ? inspectForeign(ctx, x) : inspectContainer(ctx, x, early));
    } catch (err) {
      if (!(err instanceof NotFoundError) || type === 'container') throw err;
    }
  }
  const { inspectImage } = await import('../../images/inspect.js');
  return inspectImage(ctx, ref);
}

export async function inspectObjects(
  ctx: RuntimeContext,
  refs: string[],
  opts: InspectOptions,
): Promise<void> {
  const found: unknown[] = [];
  const errors: string[] = [];
  for (const ref of refs) {
    try {
      found.push(await inspectOne(ctx, ref, opts.type));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      errors.push(`Error: No such ${opts.type ?? 'object'}: ${ref}`);
    }
  }
  // Docker prints what it found (or `[]`) even when some names were missing.
  if (found.length > 0 || !opts.format) ctx.stdio.stdout.write(renderInspect(found, opts.format));
  for (const e of errors) ctx.stdio.stderr.write(`${e}\n`);
  if (errors.length) throw new PartialFailureError();
}
