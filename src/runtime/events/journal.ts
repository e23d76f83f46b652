/**
 * The event journal: what dockerd keeps in memory (daemon/events: a ring of the last 256 messages,
 * replayed to `events --since/--until`) kept on disk, because tsdock has no daemon to hold it.
 *
 * Every tsdock process that causes or witnesses a container event appends one line to
 * `<dir>/events.jsonl` with a single O_APPEND write: the kernel places each write whole at the end
 * of the file, so concurrent writers never interleave and need no lock. The size is bounded by
 * rotation instead of rewriting: once the current file holds at least `limit` events it is renamed
 * to `events.1.jsonl` (replacing the one before), and the next append creates a new current file.
 * A rename keeps the inode, so a writer that opened the file just before the rotation still lands
 * its line in the journal (in the previous file); only rotations are serialised, under the state
 * lock. Between them the two files always hold the last `limit` events or more.
 *
 * Readers take a snapshot (both files) and then follow the current one by byte offset, switching to
 * the new file after a rotation, so what is replayed and what follows meet exactly: nothing is shown
 * twice and nothing falls between them. A reader that does not get to read while more than two
 * files' worth of events are written loses the ones in between, as dockerd drops events for a
 * subscriber that does not keep up.
 */
import { closeSync, fstatSync, mkdirSync, openSync, watch, writeSync, type FSWatcher } from 'node:fs';
import { mkdir, open, readFile, rename, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/** dockerd's eventsLimit. */
export const JOURNAL_LIMIT = 256;
/**
 * The rotation check (a read of the current file under the lock) runs only when an append crosses
 * a multiple of this size: cheap for every append, and a file of fat lines is not re-read each time.
 */
const CHECK_BYTES = 64 * 1024;
const CURRENT = 'events.jsonl';
const PREVIOUS = 'events.1.jsonl';

export interface JournalEntry {
  /** Unix nanoseconds. */
  timeNano: bigint;
  type: string;
  action: string;
  id: string;
  attributes: Record<string, string>;
}

interface Line {
  t: string;
  type: string;
  action: string;
  id: string;
  attrs: Record<string, string>;
}

export function encodeEntry(e: JournalEntry): string {
  const line: Line = { t: String(e.timeNano), type: e.type, action: e.action, id: e.id, attrs: e.attributes };
  return `${JSON.stringify(line)}\n`;
}

/** One journal line, or undefined for anything that is not one (a line cut short by a full disk). */
export function decodeEntry(text: string): JournalEntry | undefined {
  try {
    const l = JSON.parse(text) as Partial<Line>;
    if (typeof l.t !== 'string' || !/^\d+$/.test(l.t) || typeof l.action !== 'string') return undefined;
    return {
      timeNano: BigInt(l.t),
      type: typeof l.type === 'string' ? l.type : 'container',
      action: l.action,
      id: typeof l.id === 'string' ? l.id : '',
      attributes: l.attrs && typeof l.attrs === 'object' ? l.attrs : {},
    };
  } catch {
    return undefined;
  }
}

export { nowNanos } from '../state/clock.js';

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

const isNotFound = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

export interface JournalLimits {
  limit: number;
  checkBytes: number;
}

export class EventJournal {
  constructor(
    readonly dir: string,
    private readonly limits: JournalLimits = { limit: JOURNAL_LIMIT, checkBytes: CHECK_BYTES },
  ) {}

  get currentPath(): string {
    return join(this.dir, CURRENT);
  }
  get previousPath(): string {
    return join(this.dir, PREVIOUS);
  }

  /**
   * Synchronous system calls: four of them take microseconds, far less than four trips through
   * libuv's thread pool would, and `run` writes several events.
   */
  async append(entry: JournalEntry): Promise<void> {
    const line = Buffer.from(encodeEntry(entry));
    for (let attempt = 0; attempt < 3; attempt++) {
      let fd: number;
      try {
        fd = openSync(this.currentPath, 'a', 0o600);
      } catch (err) {
        if (!isNotFound(err) || attempt > 0) throw err;
        mkdirSync(this.dir, { recursive: true });
        continue;
      }
      let size: number;
      let linked: boolean;
      try {
        writeSync(fd, line);
        const st = fstatSync(fd);
        size = st.size;
        linked = st.nlink > 0;
      } finally {
        closeSync(fd);
      }
      // Rotated twice between our open and write (a writer stalled for a whole file of events): the
      // file we wrote to is gone, so the line goes into the current one.
      if (!linked) continue;
      const { checkBytes } = this.limits;
      if (Math.floor((size - line.length) / checkBytes) !== Math.floor(size / checkBytes))
        await this.rotate();
      return;
    }
  }

  /**
   * Under the lock, so two writers that both saw the boundary do not rotate twice (the second would
   * push the full file out with a nearly empty one). A crossing missed because concurrent appends
   * blurred the sizes is caught at the next one.
   */
  private async rotate(): Promise<void> {
    const { withLock } = await import('../state/lock.js');
    await withLock(this.dir, async () => {
      let text: string;
      try {
        text = await readFile(this.currentPath, 'utf8');
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      if (countLines(text) >= this.limits.limit) await rename(this.currentPath, this.previousPath);
    });
  }

  /** What the journal holds now, oldest first, and a tail positioned right after it. */
  async open(): Promise<{ history: JournalEntry[]; tail: JournalTail }> {
    await mkdir(this.dir, { recursive: true });
    for (;;) {
      const current = await openIfExists(this.currentPath);
      const previous = await openIfExists(this.previousPath);
      if (current && previous && (await current.stat()).ino === (await previous.stat()).ino) {
        // Rotated between the two opens: both name the same file now; look again.
        await Promise.all([current.close(), previous.close()]);
        continue;
      }
      const tail = new JournalTail(this, previous, current);
      return { history: await tail.read(), tail };
    }
  }
}

async function openIfExists(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

function parseLines(text: string): JournalEntry[] {
  const out: JournalEntry[] = [];
  for (const l of text.split('\n')) {
    const e = l ? decodeEntry(l) : undefined;
    if (e) out.push(e);
  }
  return out;
}

/** A file of the journal read up to an offset; the lines after it on the next read. */
class Cursor {
  private offset = 0;
  private partial = '';
  constructor(readonly fh: FileHandle) {}

  async read(): Promise<JournalEntry[]> {
    const chunks: Buffer[] = [];
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      const { bytesRead } = await this.fh.read(buf, 0, buf.length, this.offset);
      if (bytesRead === 0) break;
      this.offset += bytesRead;
      chunks.push(Buffer.from(buf.subarray(0, bytesRead)));
    }
    if (chunks.length === 0) return [];
    const text = this.partial + Buffer.concat(chunks).toString('utf8');
    const end = text.lastIndexOf('\n');
    this.partial = text.slice(end + 1);
    return parseLines(text.slice(0, end + 1));
  }
}

/**
 * Follows the journal from where a snapshot ended. The file rotated away last is read on as well:
 * a writer that opened it just before the rotation may still append its line there.
 */
export class JournalTail {
  private older?: Cursor;
  private newer?: Cursor;
  private watcher?: FSWatcher;
  private poll?: NodeJS.Timeout;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly journal: EventJournal,
    previous: FileHandle | undefined,
    current: FileHandle | undefined,
  ) {
    if (previous) this.older = new Cursor(previous);
    if (current) this.newer = new Cursor(current);
  }

  /** The complete lines appended since the last read. */
  async read(): Promise<JournalEntry[]> {
    const out: JournalEntry[] = [];
    if (this.older) out.push(...(await this.older.read()));
    const path = this.journal.currentPath;
    if (!this.newer) {
      const fh = await openIfExists(path);
      if (!fh) return out;
      this.newer = new Cursor(fh);
    }
    out.push(...(await this.newer.read()));
    let ino: number | undefined;
    try {
      ino = (await stat(path)).ino;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const ours = (await this.newer.fh.stat()).ino;
    if (ino !== ours) {
      // Rotated: the file we follow is the previous one now, read on for late writers, and the new
      // current one is read from its start. Rotated twice since we looked (a burst of events), the
      // previous one is a file we have not seen yet, and all of it comes first.
      await this.older?.fh.close();
      const previous = await openIfExists(this.journal.previousPath);
      if (previous && (await previous.stat()).ino !== ours) {
        out.push(...(await this.newer.read()));
        await this.newer.fh.close();
        this.older = new Cursor(previous);
      } else {
        await previous?.close();
        this.older = this.newer;
      }
      this.newer = undefined;
      out.push(...(await this.read()));
    }
    return out;
  }

  /**
   * Calls `onEntries` with what is appended from now on, woken by inotify on the directory; the
   * slow poll only covers file systems where change notifications do not arrive.
   */
  follow(onEntries: (entries: JournalEntry[]) => void, onError: (err: unknown) => void, pollMs = 1000): void {
    // A burst of appends wakes this many times over: one read queued behind the running one covers them all.
    let queued = false;
    const wake = () => {
      if (queued) return;
      queued = true;
      this.pending = this.pending
        .then(async () => {
          queued = false;
          const entries = await this.read();
          if (entries.length) onEntries(entries);
        })
        .catch(onError);
    };
    this.watcher = watch(this.journal.dir, wake);
    this.watcher.on('error', onError);
    this.poll = setInterval(wake, pollMs);
    wake();
  }

  /** Stops following after one last read, whose entries are returned. */
  async close(): Promise<JournalEntry[]> {
    this.watcher?.close();
    clearInterval(this.poll);
    await this.pending;
    const last = await this.read();
    await Promise.all([this.older?.fh.close(), this.newer?.fh.close()]);
    this.older = this.newer = undefined;
    return last;
  }
}
