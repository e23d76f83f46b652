/**
 * Reading the json-file log tsdock-mon writes, for `logs` and for foreground attach (and the logs
 * other clients keep of their containers: CRI's format, raw output). `--tail` reads backwards from
 * the end (a big log is never read whole), rotated files are opened only when needed, and entries
 * are decoded without a full JSON parse when the line has the shape the monitor writes.
 */
import { rfc3339NanoFixed } from '../state/clock.js';
import { watch, type FSWatcher } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

export { parseTimeArg } from './timearg.js';
export { parseLogOpts, type LogOpts } from './opts.js';

export interface ReadLogsOptions {
  /** Last N entries; undefined = all. */
  tail?: number;
  /** Unix nanoseconds, inclusive. */
  since?: bigint;
  until?: bigint;
  timestamps: boolean;
  follow: boolean;
  /** Resolves when the container stopped and its monitor wrote the last entry. */
  stop?: Promise<void>;
  signal?: AbortSignal;
  /**
   * What the file holds: Docker's json-file lines (tsdock-mon's), the CRI log format (containerd's
   * CRI plugin: `TIME STREAM P|F TEXT`), or a process's raw output (no times, one stream).
   */
  format?: LogFormat;
}

export type LogFormat = 'json-file' | 'cri' | 'raw';

export interface LogOutput {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface LogEntry {
  log: string;
  stream: string;
  time: string;
}

const CHUNK = 64 * 1024;
const POLL_MS = 250;
const HEAD = '{"log":"';
const STREAM_KEY = '","stream":"';
const TIME_KEY = ',"time":"';

/** One json-file line. The monitor's fixed field order is sliced directly; anything else is parsed. */
export function decodeEntry(line: string): LogEntry | undefined {
  if (line.startsWith(HEAD)) {
    // Inside the log string every '"' is escaped, so the last unescaped `","stream":"` ends it.
    const s = line.lastIndexOf(STREAM_KEY);
    const streamStart = s + STREAM_KEY.length;
    const streamEnd = s > 0 ? line.indexOf('"', streamStart) : -1;
    if (streamEnd > 0 && line.startsWith(TIME_KEY, streamEnd + 1)) {
      const timeStart = streamEnd + 1 + TIME_KEY.length;
      const timeEnd = line.indexOf('"', timeStart);
      if (timeEnd > 0 && timeEnd === line.length - 2 && line[timeEnd + 1] === '}') {
        const raw = line.slice(HEAD.length, s);
        try {
          return {
            log: raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw,
            stream: line.slice(streamStart, streamEnd),
            time: line.slice(timeStart, timeEnd),
          };
        } catch {
          // fall through to the general parse
        }
      }
    }
  }
  try {
    const o = JSON.parse(line) as { log?: unknown; stream?: unknown; time?: unknown };
    if (typeof o !== 'object' || o === null) return undefined;
    return {
      log: typeof o.log === 'string' ? o.log : '',
      stream: typeof o.stream === 'string' ? o.stream : 'stdout',
      time: typeof o.time === 'string' ? o.time : '',
    };
  } catch {
    return undefined; // a torn or foreign line: skipped, as Docker's reader can't use it either
  }
}

/**
 * One line of the CRI log format (kubelet's and containerd's): `TIME STREAM TAG TEXT`, where the tag
 * `P` marks a line the runtime split (the next entry continues it) and `F` a full one.
 */
export function decodeCriEntry(line: string): LogEntry | undefined {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  if (a <= 0 || b <= a) return undefined;
  const c = line.indexOf(' ', b + 1);
  const tag = line.slice(b + 1, c < 0 ? undefined : c);
  const text = c < 0 ? '' : line.slice(c + 1);
  return {
    log: tag.split(':').includes('P') ? text : `${text}\n`,
    stream: line.slice(a + 1, b),
    time: line.slice(0, a),
  };
}

const decoders: Record<LogFormat, (line: string) => LogEntry | undefined> = {
  'json-file': decodeEntry,
  cri: decodeCriEntry,
  raw: (line) => ({ log: `${line}\n`, stream: 'stdout', time: '' }),
};

const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** RFC3339 (any zone, any fraction) to unix nanoseconds. */
export function timeToNanos(t: string): bigint | undefined {
  const m = TIME_RE.exec(t);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), 0);
  let secs = BigInt(date.getTime() / 1000);
  if (zone !== 'Z') {
    const off = (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60;
    secs -= BigInt(zone[0] === '-' ? -off : off);
  }
  return secs * 1_000_000_000n + BigInt((frac ?? '').padEnd(9, '0'));
}

/** A log entry's time in Docker's `-t` format (RFC3339NanoFixed), whose strings also compare in time order. */
export function fixedTime(t: string): string | undefined {
  // The monitor's own UTC times: just pad the fraction.
  if (t.length >= 20 && t.charCodeAt(t.length - 1) === 90 && t[10] === 'T') {
    if (t.length === 20) return `${t.slice(0, 19)}.000000000Z`;
    if (t[19] === '.' && t.length <= 30) return `${t.slice(0, 20)}${t.slice(20, -1).padEnd(9, '0')}Z`;
  }
  const ns = timeToNanos(t);
  return ns === undefined ? undefined : rfc3339NanoFixed(ns);
}

type Stream = 0 | 1;

/** Batches decoded text per stream and writes it with backpressure. */
class Output {
  private parts: string[] = [];
  private size = 0;
  private which: Stream = 0;
  private queue: [Stream, string][] = [];
  failed = false;
  private readonly streams: [NodeJS.WritableStream, NodeJS.WritableStream];
  private readonly onError = () => {
    this.failed = true;
  };

  constructor(out: LogOutput) {
    this.streams = [out.stdout, out.stderr];
    for (const s of new Set(this.streams)) s.on('error', this.onError);
  }

  push(which: Stream, text: string): void {
    if (which !== this.which && this.parts.length) this.cut();
    this.which = which;
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= CHUNK) this.cut();
  }

  private cut(): void {
    if (!this.parts.length) return;
    this.queue.push([this.which, this.parts.join('')]);
    this.parts = [];
    this.size = 0;
  }

  async flush(): Promise<void> {
    this.cut();
    const queue = this.queue;
    this.queue = [];
    for (const [which, text] of queue) {
      if (this.failed) return;
      const s = this.streams[which];
      if (!s.write(text)) await drained(s);
    }
  }

  close(): void {
    for (const s of new Set(this.streams)) s.off('error', this.onError);
  }
}

function drained(s: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      s.off('drain', done);
      s.off('error', done);
      s.off('close', done);
      resolve();
    };
    s.on('drain', done);
    s.on('error', done);
    s.on('close', done);
  });
}

/** since/until/timestamps applied to decoded entries. */
class Filter {
  private readonly since?: string;
  private readonly until?: string;
  private readonly timestamps: boolean;
  readonly decode: (line: string) => LogEntry | undefined;
  /** Set once an entry after --until is seen: Docker stops there. */
  ended = false;

  constructor(
    opts: ReadLogsOptions,
    private readonly output: Output,
  ) {
    if (opts.since !== undefined) this.since = rfc3339NanoFixed(opts.since);
    if (opts.until !== undefined) this.until = rfc3339NanoFixed(opts.until);
    this.timestamps = opts.timestamps;
    this.decode = decoders[opts.format ?? 'json-file'];
  }

  line(line: string): void {
    if (this.ended) return;
    const e = this.decode(line);
    if (!e) return;
    let text = e.log;
    if (this.since || this.until || this.timestamps) {
      const t = fixedTime(e.time);
      if (t !== undefined) {
        if (this.since && t < this.since) return;
        if (this.until && t > this.until) {
          this.ended = true;
          return;
        }
      }
      if (this.timestamps) text = `${t ?? e.time} ${text}`;
    }
    this.output.push(e.stream === 'stderr' ? 1 : 0, text);
  }

  /** Whether a file whose last entry has this time can be skipped entirely. */
  before(time: string | undefined): boolean {
    return !!this.since && time !== undefined && time < this.since;
  }
}

/** A log file read forward from `pos`, handing complete lines to a callback. */
class LineReader {
  private carry: Buffer | undefined;
  private readonly buf = Buffer.allocUnsafe(CHUNK);

  private constructor(
    readonly fh: FileHandle,
    readonly ino: number,
    public pos: number,
  ) {}

  static async open(path: string, pos = 0): Promise<LineReader | undefined> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch {
      return undefined;
    }
    const st = await fh.stat();
    return new LineReader(fh, st.ino, pos);
  }

  /** Reads to EOF (flushing output after each chunk); returns the bytes read. */
  async pump(onLine: (line: string) => void, output: Output, stop: () => boolean): Promise<number> {
    let total = 0;
    while (!stop()) {
      const { bytesRead } = await this.fh.read(this.buf, 0, CHUNK, this.pos);
      if (bytesRead === 0) break;
      this.pos += bytesRead;
      total += bytesRead;
      let start = 0;
      for (;;) {
        const nl = this.buf.indexOf(10, start);
        if (nl < 0 || nl >= bytesRead) break;
        if (this.carry) {
          onLine(Buffer.concat([this.carry, this.buf.subarray(start, nl)]).toString('utf8'));
          this.carry = undefined;
        } else {
          onLine(this.buf.toString('utf8', start, nl));
        }
        start = nl + 1;
      }
      if (start < bytesRead) {
        // The buffer is reused: keep a copy of the unterminated tail.
        const rest = Buffer.from(this.buf.subarray(start, bytesRead));
        this.carry = this.carry ? Buffer.concat([this.carry, rest]) : rest;
      }
      await output.flush();
    }
    return total;
  }

  /** An unterminated last line (not something the monitor leaves, but a foreign file might). */
  flushCarry(onLine: (line: string) => void): void {
    if (this.carry?.length) onLine(this.carry.toString('utf8'));
    this.carry = undefined;
  }

  reset(): void {
    this.pos = 0;
    this.carry = undefined;
  }

  close(): Promise<void> {
    return this.fh.close().catch(() => undefined);
  }
}

/**
 * Where the last `n` lines of a file start, scanning backwards in chunks. `found` is how many
 * complete lines that covers (fewer than `n` when the file is short: then start is 0).
 */
export async function tailStart(
  fh: FileHandle,
  size: number,
  n: number,
): Promise<{ start: number; found: number }> {
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(size, 1)));
  let pos = size;
  let found = 0;
  let sawEnd = false;
  while (pos > 0) {
    const len = Math.min(buf.length, pos);
    pos -= len;
    await fh.read(buf, 0, len, pos);
    for (let i = len - 1; i >= 0; i--) {
      i = buf.lastIndexOf(10, i);
      if (i < 0) break;
      if (!sawEnd) {
        sawEnd = true; // the last line's own terminator
        continue;
      }
      if (++found === n) return { start: pos + i + 1, found };
    }
  }
  return { start: 0, found: sawEnd ? found + 1 : found };
}

/** Time of the last entry in a file (to skip rotated files entirely before --since). */
async function lastEntryTime(
  path: string,
  decode: (line: string) => LogEntry | undefined,
): Promise<string | undefined> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, 'r');
    const { size } = await fh.stat();
    const len = Math.min(CHUNK, size);
    const buf = Buffer.allocUnsafe(len);
    await fh.read(buf, 0, len, size - len);
    const end = buf.lastIndexOf(10);
    if (end <= 0) return undefined;
    const begin = buf.lastIndexOf(10, end - 1) + 1;
    if (begin === 0 && len < size) return undefined; // a line longer than the chunk
    const e = decode(buf.toString('utf8', begin, end));
    return e ? fixedTime(e.time) : undefined;
  } catch {
    return undefined;
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/** FILE.1, FILE.2, … that exist, newest first (Docker's rotation order). */
async function rotatedFiles(logPath: string): Promise<string[]> {
  const out: string[] = [];
  for (let i = 1; ; i++) {
    const p = `${logPath}.${i}`;
    try {
      await stat(p);
    } catch {
      return out;
    }
    out.push(p);
  }
}

/**
 * After a rotation: the new current file and, oldest first, the rotated files written after the
 * one with inode `ino` (a follower that fell behind several rotations reads them all). Everything
 * is opened before anything is read, current file first, so files shifting names meanwhile are
 * seen twice (and skipped by inode) rather than missed.
 */
async function openAfterRotation(
  logPath: string,
  ino: number,
): Promise<{ current?: LineReader; between: LineReader[] }> {
  const current = await LineReader.open(logPath);
  const seen = new Set<number>([ino]);
  if (current) seen.add(current.ino);
  const between: LineReader[] = [];
  for (let i = 1; ; i++) {
    const r = await LineReader.open(`${logPath}.${i}`);
    if (!r) break;
    if (r.ino === ino) {
      await r.close();
      break;
    }
    if (seen.has(r.ino)) {
      await r.close();
      continue;
    }
    seen.add(r.ino);
    between.unshift(r);
  }
  return { current, between };
}

async function drain(r: LineReader, filter: Filter, output: Output, halted: () => boolean) {
  try {
    await r.pump((l) => filter.line(l), output, halted);
    r.flushCarry((l) => filter.line(l));
    await output.flush();
  } finally {
    await r.close();
  }
}

async function readWhole(path: string, start: number, filter: Filter, output: Output, halted: () => boolean) {
  const r = await LineReader.open(path, start);
  if (r) await drain(r, filter, output, halted);
}

export async function readLogs(logPath: string, opts: ReadLogsOptions, out: LogOutput): Promise<void> {
  const output = new Output(out);
  const filter = new Filter(opts, output);
  let aborted = opts.signal?.aborted ?? false;
  const halted = () => aborted || output.failed || filter.ended;
  const onLine = (l: string) => filter.line(l);
  let current: LineReader | undefined;
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  let dirty = false;
  const notify = () => {
    dirty = true;
    wake?.();
  };
  const onAbort = () => {
    aborted = true;
    notify();
  };
  opts.signal?.addEventListener('abort', onAbort);

  try {
    if (opts.tail === 0 && !opts.follow) return;
    // The current file first: if it rotates meanwhile, its contents still come last.
    current = await LineReader.open(logPath);
    const older: { path: string; start: number }[] = [];
    if (opts.tail === undefined) {
      for (const p of (await rotatedFiles(logPath)).reverse()) {
        if (!filter.before(await lastEntryTime(p, filter.decode))) older.push({ path: p, start: 0 });
      }
    } else if (current) {
      const size = (await current.fh.stat()).size;
      if (opts.tail === 0) {
        current.pos = size;
      } else {
        const t = await tailStart(current.fh, size, opts.tail);
        current.pos = t.start;
        let need = opts.tail - t.found;
        for (let i = 1; need > 0; i++) {
          const path = `${logPath}.${i}`;
          let fh: FileHandle;
          try {
            fh = await open(path, 'r');
          } catch {
            break;
          }
          try {
            const r = await tailStart(fh, (await fh.stat()).size, need);
            older.unshift({ path, start: r.start });
            need -= r.found;
          } finally {
            await fh.close();
          }
        }
      }
    }
    for (const f of older) {
      if (halted()) return;
      await readWhole(f.path, f.start, filter, output, halted);
    }
    if (current) await current.pump(onLine, output, halted);
    if (!opts.follow || halted()) {
      current?.flushCarry(onLine);
      await output.flush();
      return;
    }
    // Docker doesn't follow a log that can't get an entry before --until any more.
    if (opts.until !== undefined && opts.until <= BigInt(Date.now()) * 1_000_000n) return;

    let stopped = false;
    opts.stop?.then(
      () => {
        stopped = true;
        notify();
      },
      () => {
        stopped = true;
        notify();
      },
    );
    // Watch the directory, not the file: rotation replaces the file under its name.
    const base = basename(logPath);
    try {
      watcher = watch(dirname(logPath), (_ev, name) => {
        if (!name || name.toString().startsWith(base)) notify();
      });
      watcher.on('error', () => undefined);
    } catch {
      // no inotify: the poll below still catches up
    }

    while (!halted()) {
      // Sampled before reading: once stop resolved, this pass sees every entry the monitor wrote.
      const finalPass = stopped;
      dirty = false;
      if (current) await current.pump(onLine, output, halted);
      if (halted()) break;
      const st = await stat(logPath).catch(() => undefined);
      if (st && (!current || st.ino !== current.ino)) {
        // Rotated: whatever the old file got before the rename is read, then the new one from 0.
        if (!current) {
          current = await LineReader.open(logPath);
          continue;
        }
        // The old file stays open until the others are: a freed inode number could be reused.
        const old = current;
        current = undefined;
        const next = await openAfterRotation(logPath, old.ino);
        current = next.current;
        await drain(old, filter, output, halted);
        for (const r of next.between) await drain(r, filter, output, halted);
        continue;
      }
      if (current && st && st.size < current.pos) {
        current.reset(); // truncated in place
        continue;
      }
      if (finalPass) break;
      if (!dirty) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, POLL_MS);
        });
        clearTimeout(timer);
        wake = undefined;
      }
    }
    current?.flushCarry(onLine);
    await output.flush();
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    watcher?.close();
    clearTimeout(timer);
    await current?.close();
    output.close();
  }
}
