/**
 * One attached session — `exec`, `run -t`/`-i`, `attach`: the local stdin into the process's stdin
 * FIFO (through the detach-key matcher), the local terminal raw and sized like the container's pty,
 * and the end: the output finished, or the user detached.
 */
import { constants } from 'node:os';
import type { RuntimeContext } from '../context.js';
import { openFifoWriter } from './stdio.js';
import { DetachMatcher, LocalTerminal, type TerminalSize } from './tty.js';

export interface SessionSpec {
  tty: boolean;
  /** The process's stdin FIFO; undefined when stdin is not attached. */
  stdinPath?: string;
  /** Called once the local stdin has ended (containerd's CloseIO: the shim holds the FIFO open too). */
  closeStdin?: () => Promise<void>;
  detachKeys: Buffer;
  resize?: (size: TerminalSize) => Promise<void>;
  /** Settles when all of the process's output has been written out. */
  outputDone: Promise<unknown>;
  /** Signals are proxied to the container: they must not end this client. */
  proxiesSignals?: boolean;
}

export type SessionEnd = 'done' | 'detached';

/** Without a proxy, these end the client; the terminal is restored first (Docker's CLI just dies). */
const FATAL: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGQUIT'];

export async function runSession(ctx: RuntimeContext, spec: SessionSpec): Promise<SessionEnd> {
  const input = ctx.stdio.stdin as NodeJS.ReadStream;
  const term = new LocalTerminal(input, ctx.stdio.stdout as NodeJS.WriteStream);
  const cleanups: (() => void)[] = [];
  let detach!: () => void;
  const detached = new Promise<SessionEnd>((resolve) => (detach = () => resolve('detached')));

  try {
    if (spec.tty && term.isTTY) {
      term.makeRaw();
      for (const sig of spec.proxiesSignals ? [] : FATAL) {
        const h = () => {
          term.restore();
          process.exit(128 + constants.signals[sig]);
        };
        process.on(sig, h);
        cleanups.push(() => process.off(sig, h));
      }
    }
    if (spec.tty && spec.resize) {
      const resize = spec.resize;
      const first = term.size();
      if (first) await resize(first).catch(() => undefined);
      term.onResize((s) => void resize(s).catch(() => undefined));
    }
    if (spec.stdinPath) {
      const fifo = openFifoWriter(spec.stdinPath);
      // As moby's attach (container/stream/attach.go: the escape proxy only when the container's or
      // exec's Tty is set): with a pty the keys detach whether typed or piped (`start -ai`), and
      // without one they are data even when typed at a terminal.
      const matcher = spec.tty ? new DetachMatcher(spec.detachKeys) : undefined;
      const onData = (chunk: Buffer | string) => {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        if (!matcher) {
          fifo.write(buf);
          return;
        }
        const { forward, detach: done } = matcher.feed(buf);
        if (forward.length) fifo.write(forward);
        if (done) detach();
      };
      const onEnd = () => fifo.end(() => void spec.closeStdin?.().catch(() => undefined));
      input.on('data', onData);
      input.once('end', onEnd);
      input.resume();
      cleanups.push(() => {
        input.off('data', onData);
        input.off('end', onEnd);
        input.pause();
        fifo.destroy();
      });
    }
    return await Promise.race([spec.outputDone.then(() => 'done' as const), detached]);
  } finally {
    for (const c of cleanups) c();
    term.restore();
  }
}
