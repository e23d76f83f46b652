/**
 * Cross-process locks for tsdock's state. proper-lockfile (mkdir-based, with stale detection) is
 * used rather than flock because Node has no flock binding and a stale lock of a killed tsdock must
 * not wedge the next command.
 */
import { mkdirSync, realpathSync, rmdirSync, statSync, utimesSync } from 'node:fs';
import { NotFoundError } from '../errors.js';

type Callback<T> = (err: NodeJS.ErrnoException | null, value?: T) => void;

/** Runs a file call now and reports on the next tick, as an asynchronous call would. */
function now<T>(fn: () => T, cb: Callback<T>): void {
  let value: T;
  try {
    value = fn();
  } catch (err) {
    process.nextTick(cb, err as NodeJS.ErrnoException);
    return;
  }
  process.nextTick(cb, null, value);
}

/**
 * proper-lockfile's file calls, made synchronously. Taking a lock is a mkdir, a utimes and a stat of
 * a local directory (microseconds each); through libuv's thread pool each was a round trip, 2.5-5.6 ms
 * in all before a foreground run could delete its exited task (measured with TSDOCK_TRACE).
 */
const lockFs = {
  mkdir: (p: string, cb: Callback<void>) => now(() => mkdirSync(p), cb),
  rmdir: (p: string, cb: Callback<void>) => now(() => rmdirSync(p), cb),
  rmdirSync,
  stat: (p: string, cb: Callback<import('node:fs').Stats>) => now(() => statSync(p), cb),
  utimes: (p: string, atime: Date, mtime: Date, cb: Callback<void>) =>
    now(() => utimesSync(p, atime, mtime), cb),
  realpath: (p: string, cb: Callback<string>) => now(() => realpathSync(p), cb),
};

/**
 * Loads the lock library now, for a command that will need it after a wait (a foreground run
 * locks to record the exit): evaluated while containerd works instead of after.
 */
export function preloadLock(): void {
  import('proper-lockfile').catch(() => undefined);
}

export async function withLock<T>(
  dir: string,
  fn: () => Promise<T>,
  opts: { create?: boolean } = {},
): Promise<T> {
  if (opts.create !== false) mkdirSync(dir, { recursive: true });
  // Loaded on first use: it brings graceful-fs and signal-exit, which read-only commands never need.
  const { default: lockfile } = await import('proper-lockfile');
  const release = await lockfile
    .lock(dir, {
      lockfilePath: `${dir}/.lock`,
      stale: 10_000,
      update: 2_000,
      retries: { retries: 200, factor: 1.2, minTimeout: 5, maxTimeout: 100, randomize: true },
      realpath: false,
      fs: lockFs,
    })
    .catch((err: NodeJS.ErrnoException) => {
      // Without `create`, a directory removed meanwhile (a container rm'd while its exit was being
      // recorded) is not made again by the lock: the caller is told it is gone.
      if (err.code === 'ENOENT') throw new NotFoundError(`${dir}: removed`);
      throw err;
    });
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}
