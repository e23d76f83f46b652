/**
 * The host side of a shareable IPC namespace (`--ipc shareable`): a tmpfs of --shm-size under the
 * container's directory, mounted when it starts and unmounted when it stops, as moby's setupIpcDirs
 * and UnmountIpcMount do. The container binds it at /dev/shm, and so do the containers that join
 * its IPC namespace (`--ipc container:NAME`); their binds keep it alive after it is unmounted here.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { SystemError } from '../errors.js';
import { shmDir } from './joins.js';

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

export async function mountShm(containerDir: string, size: number): Promise<void> {
  const dir = shmDir(containerDir);
  if (mounted(dir)) return;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `nosuid,nodev,noexec,mode=1777,size=${size}`, 'shm', dir]);
  } catch (err) {
    const msg = (err as { stderr?: string }).stderr?.trim() || (err as Error).message;
    throw new SystemError(`Error response from daemon: mounting shm tmpfs: ${msg}`);
  }
}

/** Gone already, or never mounted, is fine. */
export async function unmountShm(containerDir: string): Promise<void> {
  const dir = shmDir(containerDir);
  if (!mounted(dir)) return;
  await run('umount', ['-l', dir]).catch(() => undefined);
}
