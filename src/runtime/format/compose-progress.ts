/**
 * docker compose's progress display for the resources an operation touches (`Network p_default
 * Created`, `Container p-web-1 Started`). On a terminal: the live `[+] Running 3/3` view, drawn
 * with ink (compose-progress-view.tsx), each resource on one line with its spinner or mark and
 * its time; elsewhere one plain line per event, as compose's plain writer prints them; nothing
 * with `--progress quiet`. Written to stderr, so stdout keeps what the command outputs.
 */
import { importEsm } from '../../esm-import.js';

export type EventStatus = 'working' | 'done' | 'warning' | 'error';

export interface ProgressEvent {
  /** `Container p-web-1`, `Network p_default`, `Image busybox`. */
  id: string;
  status: EventStatus;
  /** `Creating`, `Created`, `Started` … */
  text: string;
  details?: string;
}

export interface ComposeProgress {
  on(e: ProgressEvent): void;
  /** Ends a live view, leaving its last frame on screen. */
  close(): Promise<void>;
}

/** compose's plain writer: fmt.Fprintln(out, "", id, text, details). */
export class PlainComposeProgress implements ComposeProgress {
  constructor(private readonly out: NodeJS.WritableStream) {}
  on(e: ProgressEvent): void {
    this.out.write(` ${e.id} ${e.text} ${e.details ?? ''}\n`);
  }
  async close(): Promise<void> {}
}

export class QuietComposeProgress implements ComposeProgress {
  on(): void {}
  async close(): Promise<void> {}
}

export interface TaskLine {
  id: string;
  status: EventStatus;
  text: string;
  details: string;
  started: number;
  ended?: number;
}

/** The state the terminal view draws: tasks in first-seen order. Pure, for tests. */
export class ComposeScreen {
  readonly tasks: TaskLine[] = [];
  private readonly byId = new Map<string, TaskLine>();
  constructor(readonly title: string) {}

  on(e: ProgressEvent, now = Date.now()): void {
    let t = this.byId.get(e.id);
    if (!t) {
      t = { id: e.id, status: e.status, text: e.text, details: e.details ?? '', started: now };
      if (e.status !== 'working') t.ended = now;
      this.byId.set(e.id, t);
      this.tasks.push(t);
    }
    if (t.status === 'working' && e.status !== 'working') t.ended = now;
    if (e.status === 'working' && t.status !== 'working') {
      t.started = now;
      delete t.ended;
    }
    t.status = e.status;
    t.text = e.text;
    t.details = e.details ?? '';
  }

  header(): string {
    const done = this.tasks.filter((t) => t.status !== 'working').length;
    return `[+] ${this.title} ${done}/${this.tasks.length}`;
  }

  /** One line per task: mark, id padded to the longest, status, details, time at the right. */
  lines(width: number, now = Date.now(), spinner = '⠋'): string[] {
    const idWidth = Math.max(0, ...this.tasks.map((t) => t.id.length));
    const textWidth = Math.max(0, ...this.tasks.map((t) => t.text.length));
    return this.tasks.map((t) => {
      const mark =
        t.status === 'working' ? spinner : t.status === 'done' ? '✔' : t.status === 'warning' ? '!' : '✘';
      const secs = (((t.ended ?? now) - t.started) / 1000).toFixed(1) + 's';
      const left = ` ${mark} ${t.id.padEnd(idWidth)} ${t.text.padEnd(textWidth)}${t.details ? ` ${t.details}` : ''}`;
      const pad = Math.max(1, width - left.length - secs.length);
      return left + ' '.repeat(pad) + secs;
    });
  }
}

/** The display for `out` (stderr): live on a terminal unless --progress says otherwise. */
export async function composeProgress(
  out: NodeJS.WritableStream,
  mode: 'auto' | 'tty' | 'plain' | 'quiet',
  title: string,
): Promise<ComposeProgress> {
  if (mode === 'quiet') return new QuietComposeProgress();
  const tty = (out as NodeJS.WriteStream).isTTY === true;
  if (mode === 'plain' || (mode === 'auto' && !tty)) return new PlainComposeProgress(out);
  // An ES module of its own (ink is ESM-only), loaded next to this file or the bundle.
  const { liveComposeProgress } = await importEsm<typeof import('./compose-progress-view.js')>(
    new URL('./compose-progress-view.js', import.meta.url).href,
  );
  return liveComposeProgress(out as NodeJS.WriteStream, new ComposeScreen(title));
}
