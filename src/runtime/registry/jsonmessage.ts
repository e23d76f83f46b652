/**
 * Pull/push progress as docker/cli's jsonmessage renders it: the progress bar, a layer's line
 * (`<id>: Downloading [=====>   ]  1.2MB/3.4MB`), and the screen of a terminal view, where every
 * layer keeps one line that is redrawn in place. Pure, so it is tested without a terminal.
 */
import { humanSize } from '../format/units.js';

export interface Bytes {
  current: number;
  total: number;
  /** When the transfer started (ms), for the time-left estimate. */
  start?: number;
}

export interface ProgressSink {
  /** A line not tied to a layer (`latest: Pulling from library/busybox`). */
  status(text: string): void;
  /** A layer's state; with `bytes`, a progress bar on terminals (and nothing elsewhere). */
  layer(id: string, status: string, bytes?: Bytes): void;
  /** Ends the live view (if any), leaving the final frame on screen. */
  close(): Promise<void>;
}

/** go-units HumanSize: four significant digits, decimal units. */
export function size(n: number): string {
  return humanSize(n, 4);
}

/** time.Duration.String() truncated to seconds, as jsonmessage prints the time left. */
function secondsString(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h ? `${h}h${m}m${sec}s` : m ? `${m}m${sec}s` : `${sec}s`;
}

/** jsonmessage.JSONProgress.String(): bar when the terminal is wider than 110 columns, counts, time left. */
export function progressBar(b: Bytes, width: number, now = Date.now()): string {
  if (b.current <= 0 && b.total <= 0) return '';
  if (b.total <= 0) return size(b.current).padStart(8);
  let percentage = Math.floor(Math.floor((b.current / b.total) * 100) / 2);
  if (percentage > 50) percentage = 50;
  let bar = '';
  if (width > 110) {
    const spaces = Math.max(0, 50 - percentage);
    bar = `[${'='.repeat(percentage)}>${' '.repeat(spaces)}] `;
  }
  let numbers = `${size(b.current).padStart(8)}/${size(b.total)}`;
  if (b.current > b.total) numbers = size(b.current).padStart(8);
  let left = '';
  if (b.current > 0 && b.start && percentage < 50 && width > 50) {
    const perByte = (now - b.start) / b.current;
    left = ' ' + secondsString(Math.floor(((b.total - b.current) * perByte) / 1000));
  }
  return bar + numbers + left;
}

/** `id: status` the way jsonmessage.Display prints one message on a terminal. */
export function layerLine(id: string, status: string, bytes: Bytes | undefined, width: number): string {
  const bar = bytes ? progressBar(bytes, width) : '';
  return `${id}: ${status}${bar ? ` ${bar}` : ''}`;
}

/** Statuses after which a layer line no longer moves (no spinner). */
const SETTLED = new Set([
  'Pull complete',
  'Already exists',
  'Download complete',
  'Pushed',
  'Layer already exists',
  'Waiting',
]);

export interface ScreenLine {
  id?: string;
  text: string;
  active: boolean;
}

/**
 * The state of a terminal view: lines in first-seen order, a layer's line replaced on each update
 * (what jsonmessage does with cursor movements). Pure, so it can be tested without a terminal.
 */
export class Screen {
  readonly lines: ScreenLine[] = [];
  private readonly byId = new Map<string, ScreenLine>();
  constructor(private readonly width: () => number) {}

  status(text: string): void {
    this.lines.push({ text, active: false });
  }

  layer(id: string, status: string, bytes?: Bytes): void {
    const text = layerLine(id, status, bytes, this.width());
    const active = !SETTLED.has(status) && !status.startsWith('Mounted from');
    const line = this.byId.get(id);
    if (line) {
      line.text = text;
      line.active = active;
    } else {
      const l = { id, text, active };
      this.byId.set(id, l);
      this.lines.push(l);
    }
  }
}
