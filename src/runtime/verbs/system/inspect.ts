/** `inspect`: containers first, then images (as Docker's generic inspect), rendered by the shared formatter. */
import type { RuntimeContext } from '../../context.js';
import { NotFoundError, PartialFailureError } from '../../errors.js';
import { renderInspect } from '../../format/output.js';
import type { ContainerInspect, ImageInspect } from '../../docker-types.js';

export interface InspectOptions {
  format?: string;
  type?: 'container' | 'image';
  size: boolean;
}

/**
 * One object's inspect document, containers before images unless `type` says which (Docker's
 * generic inspect). The data behind `inspect` and the SDK's inspect calls; prints nothing. A
 * missing object is Docker's inspect message, `Error: No such container: web`.
 */
export async function inspectDocument(
  ctx: RuntimeContext,
  ref: string,
  type: 'container',
): Promise<ContainerInspect>;
export async function inspectDocument(ctx: RuntimeContext, ref: string, type: 'image'): Promise<ImageInspect>;
export async function inspectDocument(
  ctx: RuntimeContext,
  ref: string,
  type?: InspectOptions['type'],
): Promise<ContainerInspect | ImageInspect>;
export async function inspectDocument(
  ctx: RuntimeContext,
  ref: string,
  type?: InspectOptions['type'],
): Promise<ContainerInspect | ImageInspect> {
  try {
    return await findDocument(ctx, ref, type);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    throw new NotFoundError(`Error: No such ${type ?? 'object'}: ${ref}`, { cause: err });
  }
}

async function findDocument(
  ctx: RuntimeContext,
  ref: string,
  type: InspectOptions['type'],
): Promise<ContainerInspect | ImageInspect> {
  if (type !== 'image') {
    const { isForeign, likelyId, resolveContainer } = await import('../../container/store.js');
    const { inspectContainer, inspectForeign, prefetchInspect } = await import('../../container/inspect.js');
    try {
      const id = await likelyId(ctx, ref);
      const early = id ? prefetchInspect(await ctx.client(), id) : undefined;
      const x = await resolveContainer(ctx, ref);
      // The domain builds the document field by field in Docker's order; its type is Docker's.
      const doc = await (isForeign(x) ? inspectForeign(ctx, x) : inspectContainer(ctx, x, early));
      return doc as unknown as ContainerInspect;
    } catch (err) {
      if (!(err instanceof NotFoundError) || type === 'container') throw err;
    }
  }
  const { inspectImage } = await import('../../images/inspect.js');
  return (await inspectImage(ctx, ref)) as unknown as ImageInspect;
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
      found.push(await inspectDocument(ctx, ref, opts.type));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      errors.push(err.message);
    }
  }
  // Docker prints what it found (or `[]`) even when some names were missing.
  if (found.length > 0 || !opts.format) ctx.stdio.stdout.write(renderInspect(found, opts.format));
  for (const e of errors) ctx.stdio.stderr.write(`${e}\n`);
  if (errors.length) throw new PartialFailureError();
}
