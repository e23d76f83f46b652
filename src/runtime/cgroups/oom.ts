/**
 * Whether the kernel's OOM killer struck inside a container's cgroup. Read from the cgroup's own
 * counters rather than containerd's TaskOOM event: the counter is there for whoever finalizes the
 * exit (the monitor's hook, `stop`, `wait`, a foreground `run`), with no event subscription that
 * must be alive at the moment of the kill. It must be read before the task is deleted, since runc
 * removes the cgroup then; each start gets a fresh cgroup, so the counter covers exactly one run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectCgroupVersion } from './files.js';

/** The `oom_kill N` line of v1 memory.oom_control (kernel ≥ 4.13) or v2 memory.events. */
export function parseOomKillCount(text: string): number {
  const m = /^oom_kill (\d+)$/m.exec(text);
  return m ? Number(m[1]) : 0;
}

/** The file holding the OOM-kill counter of a cgroup given by its path (`/tsdock/<id>`). */
export function oomCounterFile(cgroupPath: string, version: 1 | 2, root = '/sys/fs/cgroup'): string {
  return version === 1
    ? join(root, 'memory', cgroupPath, 'memory.oom_control')
    : join(root, cgroupPath, 'memory.events');
}

/** True when the OOM killer killed a process in the cgroup; false when it did not or the cgroup is gone. */
export function wasOomKilled(cgroupPath: string, root = '/sys/fs/cgroup'): boolean {
  try {
    return (
      parseOomKillCount(readFileSync(oomCounterFile(cgroupPath, detectCgroupVersion(root), root), 'utf8')) > 0
    );
  } catch {
    return false;
  }
}
