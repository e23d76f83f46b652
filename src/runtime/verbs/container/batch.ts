/**
 * Docker's handling of commands over several containers (`rm a b`, `stop a b`): each container on
 * its own, the failures collected. The data side returns the arguments done; the command prints
 * them (printDone) and its failures are the error's lines, as Docker's CLI joins them.
 */
import type { RuntimeContext } from '../../context.js';
import { PartialFailureError, TsdockError, type Failure } from '../../errors.js';
import type { Foreign } from '../../container/foreign.js';
import { ForeignContainerError, isForeign, resolveContainer, type Found } from '../../container/store.js';

/**
 * `fn` for each of tsdock's containers, `foreign` for another client's (a command without it
 * refuses those with one line). Returns the arguments done, as typed and in their order; throws
 * PartialFailureError (with those done) if any failed. `ignoreMissing` (`rm -f`): a missing
 * container is no failure, its line still goes to stderr as Docker's does.
 */
export async function forEachContainer(
  ctx: RuntimeContext,
  refs: string[],
  fn: (found: Found, ref: string) => Promise<void>,
  opts: {
    ignoreMissing?: boolean;
    parallel?: boolean;
    salvage?: boolean;
    foreign?: (f: Foreign, ref: string) => Promise<void>;
  } = {},
): Promise<string[]> {
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

  const done: string[] = [];
  const failures: Failure[] = [];
  results.forEach((r, i) => {
    if (typeof r === 'string') {
      done.push(r);
      return;
    }
    const missing = r instanceof TsdockError && r.message.includes('No such container');
    if (missing && opts.ignoreMissing) ctx.stdio.stderr.write(`${r.message}\n`);
    else failures.push({ ref: refs[i]!, error: r });
  });
  if (failures.length > 0) throw new PartialFailureError(failures, done);
  return done;
}
