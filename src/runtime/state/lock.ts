/**
 * Cross-process locks for tsdock's state. proper-lockfile (mkdir-based, with stale detection) is
 * used rather than flock because Node has no flock binding and a stale lock of a killed tsdock must
 * not wedge the next command.
 */
import { mkdirSync } from 'node:fs';

/**
 * Loads the lock library now, for a command that will need it after a wait (a foreground run
 * locks to record the exit): evaluated while containerd works instead of after.
 */
export function preloadLock(): void {
  import('proper-lockfile').catch(() => undefined);
}

export async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dir, { recursive: true });
  // Loaded on first use: it brings graceful-fs and signal-exit, which read-only commands never need.
  const { default: lockfile } = await import('proper-lockfile');
  const release = await lockfile.lock(dir, {
    lockfilePath: `${dir}/.lock`,
    stale: 10_000,
    update: 2_000,
    retries: { retries: 200, factor: 1.2, minTimeout: 5, maxTimeout: 100, randomize: true },
    realpath: false,
  });
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}
