/**
 * A real pseudo-terminal for the TTY tests: a private tmux server (own socket, so other users of
 * tmux on the machine are never touched) running one command in a window of a given size.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export class TmuxSession {
  private readonly dir = mkdtempSync(join(tmpdir(), 'tsdock-tmux-'));
  private readonly socket = join(this.dir, 'sock');
  readonly name: string;

  /** `argv` runs in a shell that prints `RC=<status>` and the terminal's mode afterwards, then waits. */
  constructor(name: string, argv: string[], size = { width: 80, height: 24 }) {
    this.name = name;
    const line = `${argv.map(quote).join(' ')}; echo "RC=$?"; stty -a | tr ' ;' '\\n\\n' | grep -E '^-?(icanon|echo|isig)$' | tr '\\n' ' '; echo; sleep 600`;
    this.tmux(['new-session', '-d', '-s', name, '-x', String(size.width), '-y', String(size.height), line]);
  }

  private tmux(args: string[]): string {
    return execFileSync('tmux', ['-S', this.socket, ...args], { encoding: 'utf8' });
  }

  /** tmux key names (Enter, C-c, C-p) or literal text. */
  send(...keys: string[]): void {
    this.tmux(['send-keys', '-t', this.name, ...keys]);
  }

  type(text: string): void {
    this.tmux(['send-keys', '-t', this.name, '-l', text]);
    this.send('Enter');
  }

  screen(): string {
    return this.tmux(['capture-pane', '-p', '-J', '-S', '-200', '-t', this.name]);
  }

  resize(width: number, height: number): void {
    this.tmux(['resize-window', '-t', this.name, '-x', String(width), '-y', String(height)]);
  }

  async waitFor(re: RegExp, ms = 15_000): Promise<RegExpMatchArray> {
    const end = Date.now() + ms;
    for (;;) {
      const m = this.screen().match(re);
      if (m) return m;
      if (Date.now() > end) throw new Error(`timed out waiting for ${re} on the terminal:\n${this.screen()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  kill(): void {
    try {
      this.tmux(['kill-server']);
    } catch {
      // already gone
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
