/**
 * Small file helpers for tsdock's own state. Every write is durable and atomic: the content goes to
 * a temp file that is fsynced, renamed (or linked) into place, and the directory is fsynced, so a
 * crash or power loss leaves the old record or the new one, never an empty or partial file. The
 * writes and reads themselves are synchronous calls (each takes microseconds, where a trip through
 * libuv's thread pool costs a CLI tenths of a millisecond of CPU per call); the fsyncs, which wait on
 * the disk, go through the thread pool, so they overlap other work and one another (the journal
 * commits concurrent fsyncs together).
 *
 * Reading a record that exists but does not parse throws CorruptRecordError naming the file.
 */
// fs.promises is a getter: reached only inside the functions, node:fs/promises (and the readline
// and stream modules it loads, ~2 ms) stay unloaded for a command that only reads (ps).
import {
  closeSync,
  existsSync,
  fsync,
  linkSync,
  mkdirSync,
  openSync,
  promises as fsp,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
  writeSync,
  type MakeDirectoryOptions,
  type RmOptions,
  type WriteFileOptions,
} from 'node:fs';
import type { Writable } from 'node:stream';
import { basename, dirname, join } from 'node:path';
import { CorruptRecordError } from '../errors.js';

/**
 * A temp-file suffix unique among live processes: `<pid>.<hex>`, the hex a counter within this
 * process (plus noise). The shape is relied on: network reconcile recognises a temp file, and whether
 * its writer is alive, by it. (Not node:crypto: loading it costs every command a few ms at start-up.)
 */
let tmpCounter = 0;
/**
 * The pid of the writer of a temporary file these helpers name (`X.<pid>.<hex>.tmp`,
 * `.X.<pid>.<hex>.tmp`, `.X.<pid>.tmp`); undefined for any other name. A writer killed between
 * writing and renaming leaves its temporary file: sweeps remove those of dead writers.
 */
export function tempWriterPid(name: string): number | undefined {
  const m = /\.(\d+)(\.[0-9a-f]+)?\.tmp$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

function tmpSuffix(): string {
  const noise = Math.floor(Math.random() * 0x10000)
    .toString(16)
    .padStart(4, '0');
  return `${process.pid}.${(tmpCounter++).toString(16)}${noise}`;
}

/** fsync(2) of an open descriptor, waited for on the thread pool. */
function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
}

/** Makes a rename, link or unlink in `dir` durable. */
export async function syncDir(dir: string): Promise<void> {
  const fd = openSync(dir, 'r');
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `data` to a new file at `path`, fsynced before it is closed. */
async function writeSynced(path: string, data: string, mode = 0o600): Promise<void> {
  const fd = openSync(path, 'w', mode);
  try {
    writeSync(fd, data);
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replaces `path` with `text`: temp file, fsync, rename, fsync of the directory. */
export async function writeFileDurable(path: string, text: string, mode = 0o600): Promise<void> {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.${tmpSuffix()}.tmp`;
  try {
    await writeSynced(tmp, text, mode);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  await syncDir(dir);
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileDurable(path, JSON.stringify(value, null, 1) + '\n');
}

/** A record's text parsed; an empty or unparsable file is a CorruptRecordError naming it. */
export function parseRecord<T>(path: string, text: string): T {
  if (text.trim() === '') throw new CorruptRecordError(path, 'empty file');
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new CorruptRecordError(path, (err as Error).message);
  }
}

export async function readJson<T>(path: string): Promise<T | undefined> {
  return readJsonSync<T>(path);
}

/** readJson without a round trip through the thread pool, for small files read in bulk (ps). */
export function readJsonSync<T>(path: string): T | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return parseRecord<T>(path, text);
}

/** True when a process with this pid exists (signal 0 probes without delivering anything). */
export function pidAlive(pid: number | undefined): boolean {
  if (!pid || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The kernel's start time of a process (clock ticks since boot, field 22 of /proc/PID/stat), or
 * undefined when there is no such process. A pid alone names a process only while it lives: pids
 * are reused (pid_max is 32768 on many machines), so what tsdock signals later is checked by both.
 */
export function processStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = Number(fields[19]);
    return Number.isFinite(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The process recorded as `pid` (started at `start`) still runs. A record without a start time (an
 * older tsdock's) can only be checked by its pid.
 */
export function sameProcess(pid: number | undefined, start: number | undefined): boolean {
  if (!pidAlive(pid)) return false;
  return start === undefined || processStartTime(pid!) === start;
}

/**
 * Creates `path` with its content in one step, failing (false) if it exists: the content goes to a
 * temp file that is then hard-linked into place, so no reader ever sees the file empty or half
 * written (an O_EXCL open followed by a write has that window, and a concurrent reclaimer would take
 * the empty file for a crash leftover).
 */
export async function createExclusive(path: string, content: string): Promise<boolean> {
  // Dot-named, so directory scans (names, leases) skip it.
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${tmpSuffix()}.tmp`);
  let linked = false;
  try {
    await writeSynced(tmp, content);
    linkSync(tmp, path);
    linked = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      /* gone already */
    }
  }
  if (linked) await syncDir(dir);
  return linked;
}

/**
 * Streams into a temporary file beside `path`, then renames it into place, so a failed write leaves
 * no partial file (docker's CLI does the same for `save -o` and `export -o`).
 */
export async function writeStreamAtomic(
  path: string,
  mode: number,
  write: (out: Writable) => Promise<void>,
): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fh = await fsp.open(tmp, 'w', mode);
  try {
    await write(fh.createWriteStream());
    await fsp.rename(tmp, path);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/** fs/promises' mkdir, writeFile and rm as synchronous calls (see the top of this file). */
export async function mkdirNow(path: string, opts?: MakeDirectoryOptions): Promise<void> {
  mkdirSync(path, opts);
}

export async function writeFileNow(path: string, data: string, opts?: WriteFileOptions): Promise<void> {
  writeFileSync(path, data, opts);
}

export async function rmNow(path: string, opts?: RmOptions): Promise<void> {
  rmSync(path, opts);
}

/** Polls until `path` exists (the monitor's exit marker, say), or until `signal` aborts. */
export async function waitForFile(path: string, signal?: AbortSignal, intervalMs = 10): Promise<void> {
  while (!signal?.aborted) {
    if (existsSync(path)) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
