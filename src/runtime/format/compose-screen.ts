/**
 * What compose's progress displays show, shared by the sinks (compose-progress.ts) and the
 * terminal view (compose-progress-view.tsx): the events, and the terminal view's state.
 */

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
