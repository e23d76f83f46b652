/** `inspect`: containers first, then images (as Docker's generic inspect), rendered by the shared formatter. */
import type { RuntimeContext } from '../../context.js';
import { NotFoundError, PartialFailureError, RequestError, type Failure } from '../../errors.js';
import { renderInspect } from '../../format/output.js';
import type { ContainerInspect, ImageInspect } from '../../docker-types.js';

export interface InspectOptions {
  format?: string;
  /** As typed: checked here against Docker's object types. */
  type?: string;
  size: boolean;
}

/** The object types whose documents inspectDocument builds. */
type DocumentType = 'container' | 'image';

/** docker/cli's allTypes, in its order (the error messages list them so). */
const ALL_TYPES = [
  'config',
  'container',
  'image',
  'network',
  'node',
  'plugin',
  'secret',
  'service',
  'task',
  'volume',
] as const;
const SWARM_TYPES: ReadonlySet<string> = new Set(['config', 'node', 'secret', 'service', 'task']);
const SWARM_REFUSAL =
  'Error response from daemon: This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';

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
  type?: DocumentType,
): Promise<ContainerInspect | ImageInspect>;
export async function inspectDocument(
  ctx: RuntimeContext,
  ref: string,
  type?: DocumentType,
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
  type: DocumentType | undefined,
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
  const type = opts.type;
  if (type !== undefined) {
    const list = ALL_TYPES.join('", "');
    if (type === '') throw new RequestError(`type is empty: must be one of "${list}"`);
    if (!(ALL_TYPES as readonly string[]).includes(type))
      throw new RequestError(`unknown type: "${type}": must be one of "${list}"`);
    if (type === 'network') {
      const { networkInspect } = await import('../network/inspect.js');
      return networkInspect(ctx, refs, opts.format);
    }
    if (type === 'volume') {
      const { volumeInspect } = await import('../volume/inspect.js');
      return volumeInspect(ctx, refs, opts.format);
    }
    // No swarm and no plugins here: what Docker's daemon answers for each reference then.
    if (SWARM_TYPES.has(type) || type === 'plugin') {
      const failures = refs.map((ref) => ({
        ref,
        error:
          type === 'plugin'
            ? new NotFoundError(`Error response from daemon: plugin ${JSON.stringify(ref)} not found`)
            : new RequestError(SWARM_REFUSAL),
      }));
      ctx.stdio.stdout.write(renderInspect([], opts.format));
      throw new PartialFailureError(failures);
    }
  }
  const documentType = type as DocumentType | undefined;
  // docker/cli parses the template before it looks anything up: a bad one is 64 whatever the names.
  if (opts.format) renderInspect([], opts.format);
  const found: unknown[] = [];
  const failures: Failure[] = [];
  for (const ref of refs) {
    try {
      found.push(await inspectDocument(ctx, ref, documentType));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      failures.push({ ref, error: err });
    }
  }
  // Docker prints what it found (or `[]`, or with --format an empty line) even when names were missing;
  // their lines follow on stderr.
  ctx.stdio.stdout.write(renderInspect(found, opts.format));
  if (failures.length) throw new PartialFailureError(failures);
}
