/**
 * One SDK call, in one of two ways. `query` calls a verb's data function (the one the CLI command
 * prints through the shared formatter) and returns its result; nothing is printed, nothing parsed.
 * `capture` runs a verb whose product is a stream (logs, a foreground run's or exec's output) with
 * stdout and stderr handed to the caller. Failures become one TsdockError with the CLI's message
 * and status (and, for a call over objects, each object's failure).
 */
import { Readable, Writable } from 'node:stream';
import { RuntimeContext, defaultGlobals, type GlobalOptions } from '../runtime/context.js';
import { ContainerExit, PartialFailureError, exitCodeOf } from '../runtime/errors.js';

/** One object of a call over several (or of a call over one: `rm`, `stop` …) that failed. */
export interface ObjectFailure {
  /** The object as the call named it. */
  ref: string;
  /** The CLI's line for it, Docker's wording (`Error response from daemon: No such container: web`). */
  message: string;
  /** The status the CLI would exit with had this been the only failure. */
  exitCode: number;
}

/**
 * What a call failed with: the CLI's one line (or lines, for several objects) and its exit status.
 * A call over objects (start, stop, rm, the remove calls) that failed for some has them in
 * `failures`, the others done; its message is their lines.
 */
export class TsdockError extends Error {
  constructor(
    message: string,
    /** The status `tsdock` would exit with (Docker's: 125 tool error, 1 not found or refused …). */
    readonly exitCode: number,
    options?: { cause?: unknown },
    /** The objects that failed, in the order given; empty when the call failed as a whole. */
    readonly failures: readonly ObjectFailure[] = [],
  ) {
    super(message, options);
    this.name = 'TsdockError';
  }
}

/** Where to find containerd and tsdock's state; unset fields as the CLI's defaults (its env vars). */
export interface ConnectionOptions {
  /** containerd's socket (CONTAINERD_ADDRESS, default /run/containerd/containerd.sock). */
  address?: string;
  /** containerd namespace (CONTAINERD_NAMESPACE, default `default`). */
  namespace?: string;
  /** tsdock's state directory (TSDOCK_DATA_ROOT, default /var/lib/tsdock). */
  dataRoot?: string;
}

export function globalsOf(opts: ConnectionOptions): GlobalOptions {
  const d = defaultGlobals();
  return {
    address: opts.address ?? d.address,
    namespace: opts.namespace ?? d.namespace,
    dataRoot: opts.dataRoot ?? d.dataRoot,
    debug: d.debug,
  };
}

/** A writable stream that hands each chunk to `onData`. */
function sink(onData: (text: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      onData(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      done();
    },
  });
}

export interface Output {
  stdout: string;
  stderr: string;
}

/**
 * The error a verb's failure is for an SDK caller: its message (for a call over objects, their
 * failures), or what it printed to stderr.
 */
function asSdkError(err: unknown, stderr: string): TsdockError {
  if (err instanceof TsdockError) return err;
  if (err instanceof PartialFailureError) {
    const failures = err.failures.map((f) => ({
      ref: f.ref,
      message: f.error.message,
      exitCode: exitCodeOf(f.error),
    }));
    return new TsdockError(err.message, err.exitCode, { cause: err }, failures);
  }
  const printed = stderr.trim();
  const own = err instanceof Error ? err.message.trim() : String(err);
  const message = [own, printed].filter(Boolean).join('\n') || 'tsdock: the operation failed';
  return new TsdockError(message, exitCodeOf(err), { cause: err });
}

/** A stdout for data calls: a data function that writes to it is a bug, reported as the call's failure. */
class NoPrinting extends Writable {
  override write(): boolean {
    throw new Error('tsdock: internal error: a data call printed to stdout');
  }
}

/**
 * Runs a verb's data function with a context of its own and returns what it returns. Its stdout
 * refuses writes, so a result can only come back as data; what it says on stderr (warnings, pull
 * progress) is kept for the message of a failure.
 */
export async function query<T>(
  globals: GlobalOptions,
  fn: (ctx: RuntimeContext) => Promise<T>,
  hooks: { stderr?: (text: string) => void } = {},
): Promise<T> {
  let stderr = '';
  const ctx = new RuntimeContext(globals, {
    stdin: Readable.from([]),
    stdout: new NoPrinting(),
    stderr: sink((t) => {
      stderr += t;
      hooks.stderr?.(t);
    }),
  });
  try {
    ctx.checkContainerd();
    return await fn(ctx);
  } catch (err) {
    throw asSdkError(err, stderr);
  } finally {
    ctx.close();
  }
}

/**
 * Runs `fn` with a context of its own and returns what it printed (for streams: logs, a foreground
 * run's or exec's output). A container's own exit status
 * (ContainerExit from run or exec) is a result, not a failure: it is returned as `exitCode`.
 */
export async function capture(
  globals: GlobalOptions,
  fn: (ctx: RuntimeContext) => Promise<unknown>,
  hooks: { stdout?: (text: string) => void; stderr?: (text: string) => void } = {},
): Promise<Output & { exitCode: number }> {
  const out = { stdout: '', stderr: '' };
  const ctx = new RuntimeContext(globals, {
    stdin: Readable.from([]),
    stdout: sink((t) => (hooks.stdout ? hooks.stdout(t) : (out.stdout += t))),
    stderr: sink((t) => (hooks.stderr ? hooks.stderr(t) : (out.stderr += t))),
  });
  try {
    ctx.checkContainerd();
    await fn(ctx);
    return { ...out, exitCode: 0 };
  } catch (err) {
    if (err instanceof ContainerExit) return { ...out, exitCode: err.exitCode };
    throw asSdkError(err, out.stderr);
  } finally {
    ctx.close();
  }
}

/**
 * Turns a producer that pushes chunks into an async iterator: chunks wait in a queue until the
 * caller asks for them; the producer's failure is thrown by the iterator.
 */
export function iterate<T>(produce: (push: (item: T) => void) => Promise<void>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const queue: T[] = [];
      let done = false;
      let failure: unknown;
      let wake: (() => void) | undefined;
      const signal = () => {
        wake?.();
        wake = undefined;
      };
      produce((item) => {
        queue.push(item);
        signal();
      }).then(
        () => {
          done = true;
          signal();
        },
        (err: unknown) => {
          failure = err;
          done = true;
          signal();
        },
      );
      return {
        async next(): Promise<IteratorResult<T>> {
          while (queue.length === 0 && !done) await new Promise<void>((r) => (wake = r));
          if (queue.length > 0) return { value: queue.shift()!, done: false };
          if (failure !== undefined) throw failure;
          return { value: undefined, done: true };
        },
      };
    },
  };
}
