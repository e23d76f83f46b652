/**
 * /dev/shm by IPC mode, as moby sets it up (setupIpcDirs, Container.IpcMounts): `private` keeps the
 * container's own tmpfs; `shareable`, `container:NAME` and `host` bind a shared one (a tmpfs tsdock
 * mounts under the donor's directory, or the host's /dev/shm) so that processes sharing the IPC
 * namespace also share its POSIX shared memory; `none` has no /dev/shm at all.
 */
import type { OciMount } from './types.js';

export function ipcMounts(mounts: OciMount[], ipcMode: string, shmPath: string | undefined): OciMount[] {
  // Only the default /dev/shm: one the user mounts there stays, as in Docker.
  const isDefault = (m: OciMount) => m.destination === '/dev/shm' && m.source === 'shm';
  if (ipcMode === 'none') return mounts.filter((m) => !isDefault(m));
  if (ipcMode === 'private' || !shmPath) return mounts;
  return mounts.map((m) =>
    isDefault(m)
      ? { destination: '/dev/shm', type: 'bind', source: shmPath, options: ['rbind', 'rprivate'] }
      : m,
  );
}
