/**
 * The cgroup a process is in, as the kernel says (/proc/<pid>/cgroup): for containers of other
 * clients, whose cgroup tsdock did not choose. A kubelet's containers sit under the pod's cgroup
 * parent, or under a systemd slice when containerd runs with the systemd driver; the kernel's
 * answer is the same form in both cases.
 */
import { readFileSync } from 'node:fs';

/**
 * The path of /proc/<pid>/cgroup's memory hierarchy (v1; runc places every controller at the same
 * path) or of its unified line (v2).
 */
export function parseProcCgroup(text: string, version: 1 | 2): string | undefined {
  for (const line of text.split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const controllers = line.slice(first + 1, second);
    const path = line.slice(second + 1);
    if (!path.startsWith('/')) continue;
    if (version === 2 ? line.startsWith('0::') : controllers.split(',').includes('memory')) return path;
  }
  return undefined;
}

/** The cgroup of a live process, or undefined when it is gone (or pid is none). */
export function processCgroupPath(pid: number, version: 1 | 2): string | undefined {
  if (pid <= 0) return undefined;
  try {
    return parseProcCgroup(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), version);
  } catch {
    return undefined;
  }
}
