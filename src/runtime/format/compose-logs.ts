/**
 * docker compose's log output (cmd/formatter/logs.go): every line behind its container's name
 * padded to the longest one (`web-1  | hello`), the prefix coloured per container in compose's
 * rainbow order when colours are on, status lines (`web-1 exited with code 0`) in the same colour.
 */
import { Writable } from 'node:stream';

const RAINBOW = ['36', '33', '32', '35', '34', '36;1', '33;1', '32;1', '35;1', '34;1'];

export interface LogPrinterOptions {
  color: boolean;
  prefix: boolean;
}

interface Presenter {
  name: string;
  color: string | undefined;
}

export class LogPrinter {
  private readonly presenters = new Map<string, Presenter>();
  private next = 0;
  private width = 0;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly err: NodeJS.WritableStream,
    private readonly o: LogPrinterOptions,
  ) {}

  /** Names registered before any line is printed share one width (compose registers them all first). */
  register(name: string): void {
    if (this.presenters.has(name)) return;
    this.presenters.set(name, {
      name,
      color: this.o.color ? RAINBOW[this.next++ % RAINBOW.length] : undefined,
    });
    this.width = Math.max(this.width, name.length + 1);
  }

  private paint(p: Presenter, s: string): string {
    return p.color ? `\x1b[${p.color}m${s}\x1b[0m` : s;
  }

  prefix(name: string): string {
    this.register(name);
    if (!this.o.prefix) return '';
    const p = this.presenters.get(name)!;
    return this.paint(p, `${name.padEnd(this.width)} | `);
  }

  line(name: string, text: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
    (stream === 'stderr' ? this.err : this.out).write(`${this.prefix(name)}${text}\n`);
  }

  /** `web-1 exited with code 0` */
  status(name: string, message: string): void {
    this.register(name);
    this.out.write(`${this.paint(this.presenters.get(name)!, `${name} ${message}`)}\n`);
  }

  /** A stream that turns whatever is written into prefixed lines (a partial line waits for its end). */
  writer(name: string, stream: 'stdout' | 'stderr'): Writable {
    let carry = '';
    return new Writable({
      write: (chunk: Buffer | string, _enc, done) => {
        const text = carry + chunk.toString();
        const lines = text.split('\n');
        carry = lines.pop() ?? '';
        for (const l of lines) this.line(name, l, stream);
        done();
      },
      final: (done) => {
        if (carry) this.line(name, carry, stream);
        carry = '';
        done();
      },
    });
  }
}
