/**
 * Small file helpers for tsdock's own state: every write is atomic (temp file + rename). The small
 * files are written and read with synchronous calls: each takes microseconds, where a trip through
 * libuv's thread pool and fs/promises' handle machinery costs a CLI tenths of a millisecond of CPU
 * per call, and `run` makes dozens of them.
 */
// fs.promises is a getter: reached only inside the functions, node:fs/promises (and the readline
// and stream modules it loads, ~2 ms) stay unloaded for a command that only reads (ps).
import {
  linkSync,
  mkdirSync,
  promises as fsp,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
  type MakeDirectoryOptions,
  type RmOptions,
  type WriteFileOptions,
} from 'node:fs';
import type { Writable } from 'node:stream';
import { basename, dirname, join } from 'node:path';

/**
 * A temp-file suffix unique among live processes: `<pid>.<hex>`, the hex a counter within this
 * process (plus noise). The shape is relied on: network reconcile recognises a temp file, and whether
 * its writer is alive, by it. (Not node:crypto: loading it costs every command a few ms at start-up.)
 */
let tmpCounter = 0;
function tmpSuffix(): string {
  const noise = Math.floor(Math.random() * 0x10000)
    .toString(16)
    .padStart(4, '0');
  return `${process.pid}.${(tmpCounter++).toString(16)}${noise}`;
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${tmpSuffix()}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 1) + '\n', { mode: 0o600 });
  renameSync(tmp, path);
}

export async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** readJson without a round trip through the thread pool, for small files read in bulk (ps). */
export function readJsonSync<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
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
 * Creates `path` with its content in one step, failing (false) if it exists: the content goes to a
 * temp file that is then hard-linked into place, so no reader ever sees the file empty or half
 * written (an O_EXCL open followed by a write has that window, and a concurrent reclaimer would take
 * the empty file for a crash leftover).
 */
export async function createExclusive(path: string, content: string): Promise<boolean> {
  // Dot-named, so directory scans (names, leases) skip it.
  const tmp = join(dirname(path), `.${basename(path)}.${tmpSuffix()}.tmp`);
  writeFileSync(tmp, content, { mode: 0o600 });
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      /* gone already */
    }
  }
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
