/**
 * `--pid`, `--ipc`, `--uts`, `--userns`: which namespaces a container shares (moby api/types
 * container PidMode, IpcMode, UTSMode, UsernsMode and their Valid checks; the CLI's messages for
 * the modes it checks, the daemon's for --ipc).
 */
import { UsageError } from '../errors.js';

export interface NamespaceModes {
  /** '' (private) | 'host' | 'container:<name|id>' — HostConfig.PidMode as given. */
  pid: string;
  /** 'private' (Docker's default) | 'shareable' | 'none' | 'host' | 'container:<name|id>'. */
  ipc: string;
  /** '' | 'host'. */
  uts: string;
  /** '' | 'host'. */
  userns: string;
}

/** `container:NAME` → NAME; undefined for any other mode. */
export function containerOf(mode: string): string | undefined {
  return mode.startsWith('container:') ? mode.slice('container:'.length) : undefined;
}

export function parseNamespaceModes(flags: {
  pid?: string;
  ipc?: string;
  uts?: string;
  userns?: string;
}): NamespaceModes {
  const pid = flags.pid ?? '';
  if (!(pid === '' || pid === 'host' || (containerOf(pid) ?? '') !== '')) {
    throw new UsageError('--pid: invalid PID mode');
  }
  const uts = flags.uts ?? '';
  if (uts !== '' && uts !== 'host') throw new UsageError('--uts: invalid UTS mode');
  const userns = flags.userns ?? '';
  if (userns !== '' && userns !== 'host') throw new UsageError('--userns: invalid USER mode');
  // The daemon fills in its default-ipc-mode (private) and refuses what IpcMode.Valid does not know.
  const ipc = flags.ipc || 'private';
  const known = ['private', 'shareable', 'none', 'host'].includes(ipc) || containerOf(ipc) !== undefined;
  if (!known) throw new UsageError(`Error response from daemon: invalid IPC mode: ${ipc}`);
  if (containerOf(ipc) === '') throw new UsageError(`Error response from daemon: invalid IPC mode: ${ipc}`);
  return { pid, ipc, uts, userns };
}
