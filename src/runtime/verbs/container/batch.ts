/**
 * Docker's handling of commands over several containers (`rm a b`, `stop a b`): each success prints
 * the argument as typed, each failure prints its error line, and the command exits 1 if any failed.
 */
import type { RuntimeContext } from '../../context.js';
import { PartialFailureError, TsdockError } from '../../errors.js';
import { findContainer, type Found } from '../../container/store.js';

export async function forEachContainer(
  ctx: RuntimeContext,
  refs: string[],
  fn: (found: Found, ref: string) => Promise<void>,
  opts: { echo?: boolean; ignoreMissing?: boolean; parallel?: boolean; salvage?: boolean } = {},
): Promise<void> {
  const echo = opts.echo ?? true;
  const results = new Array<string | Error>(refs.length);
  const one = async (ref: string, i: number): Promise<void> => {
    try {
      await fn(await findContainer(ctx, ref, { salvage: opts.salvage ?? false }), ref);
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
