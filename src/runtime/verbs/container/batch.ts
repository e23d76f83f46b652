/**
 * Docker's handling of commands over several containers (`rm a b`, `stop a b`): each success prints
 * the argument as typed, each failure prints its error line, and the command exits 1 if any failed.
 */
import type { RuntimeContext } from '../../context.js';
import { PartialFailureError, TsdockError } from '../../errors.js';
import type { Foreign } from '../../container/foreign.js';
import { ForeignContainerError, isForeign, resolveContainer, type Found } from '../../container/store.js';

/**
 * `fn` for each of tsdock's containers, `foreign` for another client's (a command without it
 * refuses those with one line).
 */
export async function forEachContainer(
  ctx: RuntimeContext,
  refs: string[],
  fn: (found: Found, ref: string) => Promise<void>,
  opts: {
    echo?: boolean;
    ignoreMissing?: boolean;
    parallel?: boolean;
    salvage?: boolean;
    foreign?: (f: Foreign, ref: string) => Promise<void>;
  } = {},
): Promise<void> {
  const echo = opts.echo ?? true;
  const results = new Array<string | Error>(refs.length);
  const one = async (ref: string, i: number): Promise<void> => {
    try {
      const x = await resolveContainer(ctx, ref, { salvage: opts.salvage ?? false });
      if (!isForeign(x)) await fn(x, ref);
      else if (opts.foreign) await opts.foreign(x, ref);
      else throw new ForeignContainerError(x.name);
      results[i] = ref;
    } catch (err) {
      results[i] = err instanceof Error ? err : new Error(String(err));
    }
  };
  if (opts.parallel) await Promise.all(refs.map(one));
  else for (let i = 0; i < refs.length; i++) await one(refs[i]!, i);

  let failed = false;
  for (const r of results) {
    if (typeof r === 'string') {
      if (echo) ctx.stdio.stdout.write(`${r}\n`);
      continue;
    }
    const missing = r instanceof TsdockError && r.message.includes('No such container');
    if (!(missing && opts.ignoreMissing)) failed = true;
    ctx.stdio.stderr.write(`${r.message}\n`);
  }
  if (failed) throw new PartialFailureError();
}
