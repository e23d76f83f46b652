/**
 * The local side of an interactive session: Docker's detach-key syntax and matcher (pure), and the
 * terminal itself — raw mode restored on every way out, and the window size followed.
 */
import { NotATerminalError, UsageError } from '../errors.js';

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

/** moby/term's ASCII table: ctrl-@ is 0, ctrl-a 1 … ctrl-z 26, then ctrl-[ ctrl-\ ctrl-] ctrl-^ ctrl-_. */
const CTRL_NAMES = [
  'ctrl-@',
  ...Array.from({ length: 26 }, (_, i) => `ctrl-${String.fromCharCode(97 + i)}`),
  'ctrl-[',
  'ctrl-\\',
  'ctrl-]',
  'ctrl-^',
  'ctrl-_',
];

/** moby/term ToBytes: comma-separated keys, each one character or a ctrl-X name (any case). */
export function parseDetachKeys(spec: string): Buffer {
  const codes: number[] = [];
  for (const key of spec.split(',')) {
    if (Buffer.byteLength(key) === 1) {
      codes.push(key.charCodeAt(0));
      continue;
    }
    const code = CTRL_NAMES.findIndex((n) => n === key.toLowerCase());
    if (code === -1) throw new UsageError(`Invalid detach keys (${spec}) provided`);
    codes.push(code);
  }
  return Buffer.from(codes);
}

/**
 * Watches the input for the detach sequence. Bytes that start a sequence are held back until it is
 * clear whether they complete it; if not, they are passed on unchanged (moby/term escapeProxy, but
 * matched byte by byte so a sequence arriving in one read — a paste, tmux send-keys — also counts).
 */
export class DetachMatcher {
  private pos = 0;
  constructor(private readonly keys: Buffer) {}

  /** What to forward, and whether the sequence completed (the rest of the chunk is dropped then). */
  feed(chunk: Buffer): { forward: Buffer; detach: boolean } {
    if (this.keys.length === 0) return { forward: chunk, detach: false };
    const out: number[] = [];
    for (const b of chunk) {
      if (b === this.keys[this.pos]) {
        this.pos++;
        if (this.pos === this.keys.length) {
          this.pos = 0;
          return { forward: Buffer.from(out), detach: true };
        }
        continue;
      }
      if (this.pos > 0) {
        out.push(...this.keys.subarray(0, this.pos));
        this.pos = 0;
        if (b === this.keys[0]) {
          this.pos = 1;
          continue;
        }
      }
      out.push(b);
    }
    return { forward: Buffer.from(out), detach: false };
  }
}

/** docker/cli's CheckTty: -it needs a terminal to read keys from. */
export function checkTty(stdio: { stdin: NodeJS.ReadableStream }, attachStdin: boolean, tty: boolean): void {
  // stdio.stdin is read only when it matters: Node builds process.stdin on first touch (a few ms).
  if (attachStdin && tty && !(stdio.stdin as NodeJS.ReadStream).isTTY)
    throw new NotATerminalError('the input device is not a TTY');
}

export interface TerminalSize {
  width: number;
  height: number;
}

/**
 * The local terminal during a TTY session. Raw mode passes ^C, ^Z, ^\ to the container's pty as
 * bytes (its line discipline turns them into signals for the container's foreground process); the
 * mode is restored by restore(), which is idempotent and also runs at process exit.
 */
export class LocalTerminal {
  private raw = false;
  private readonly onExit = () => this.restore();
  private resizeHandler?: () => void;

  constructor(
    private readonly input: NodeJS.ReadStream,
    private readonly output: NodeJS.WriteStream,
  ) {}

  get isTTY(): boolean {
    return Boolean(this.input.isTTY);
  }

  size(): TerminalSize | undefined {
    const t = this.output.isTTY
      ? this.output
      : this.input.isTTY
        ? (this.input as unknown as NodeJS.WriteStream)
        : undefined;
    if (!t) return undefined;
    const [width, height] = typeof t.getWindowSize === 'function' ? t.getWindowSize() : [t.columns, t.rows];
    if (!width || !height) return undefined;
    return { width, height };
  }

  makeRaw(): void {
    if (!this.input.isTTY || this.raw) return;
    this.input.setRawMode(true);
    this.raw = true;
    process.on('exit', this.onExit);
  }

  /** SIGWINCH → fn(size); Node delivers it as 'resize' on a TTY stdout. */
  onResize(fn: (size: TerminalSize) => void): void {
    this.resizeHandler = () => {
      const s = this.size();
      if (s) fn(s);
    };
    if (this.output.isTTY) this.output.on('resize', this.resizeHandler);
    else process.on('SIGWINCH', this.resizeHandler);
  }

  restore(): void {
    if (this.resizeHandler) {
      this.output.off('resize', this.resizeHandler);
      process.off('SIGWINCH', this.resizeHandler);
      this.resizeHandler = undefined;
    }
    if (!this.raw) return;
    this.raw = false;
    process.off('exit', this.onExit);
    try {
      this.input.setRawMode(false);
    } catch {
      // the terminal is gone (hung up): nothing to restore
    }
  }
}
