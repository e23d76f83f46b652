/**
 * The host side of a shareable IPC namespace (`--ipc shareable`): a tmpfs of --shm-size under the
 * container's directory that its monitor mounts for as long as the container runs (tsdock-mon
 * --shm), as moby mounts it at start and unmounts it at stop. `rm` makes sure it is gone before it
 * removes the directory: the monitor of a container killed a moment ago may not have got to it yet.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { shmDir } from '../state/records.js';

const run = promisify(execFile);

function mounted(path: string): boolean {
  const escaped = path.replace(/[\\ \t\n]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
  try {
    return readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .some((l) => l.split(' ')[1] === escaped);
  } catch {
    return false;
  }
}

/** Gone already, or never mounted, is fine. */
export async function unmountShm(containerDir: string): Promise<void> {
  const dir = shmDir(containerDir);
  if (!mounted(dir)) return;
  await run('umount', ['-l', dir]).catch(() => undefined);
}
