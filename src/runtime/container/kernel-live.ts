/**
 * What the kernel says about a running container, read where it keeps it: the namespace links of
 * /proc/PID/ns, the cgroup files, and the processes between tsdock and the container's init —
 * containerd (the owner of the socket tsdock talks to), the shim (init's parent, its working
 * directory the runc bundle) and init itself.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { RuntimeView } from '../format/kernel.js';

/** The namespace links of a process, by type (`pid` → `pid:[4026532…]`); empty once it is gone. */
export function namespaceIds(pid: number | 'self'): Record<string, string> {
  const dir = `/proc/${pid}/ns`;
  const out: Record<string, string> = {};
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const name of names) {
    try {
      out[name] = readlinkSync(`${dir}/${name}`);
    } catch {
      /* the process ended meanwhile */
    }
  }
  return out;
}

/** A file's text without its trailing newline; undefined when it cannot be read. */
export function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trimEnd();
  } catch {
    return undefined;
  }
}

function cmdline(pid: number): string {
  return (readTrimmed(`/proc/${pid}/cmdline`) ?? '').split('\0').filter(Boolean).join(' ');
}

/** The parent's pid, from /proc/PID/stat (the command name may hold spaces or parentheses). */
export function parentPid(pid: number): number {
  const stat = readTrimmed(`/proc/${pid}/stat`) ?? '';
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) || 0;
}

/** The process listening on a unix socket path (containerd on its address); 0 if none is found. */
export function socketOwner(path: string): number {
  const inodes = new Set<string>();
  for (const line of (readTrimmed('/proc/net/unix') ?? '').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // Flags 00010000: a listening socket (__SO_ACCEPTCON); accepted ones carry the path too.
    if (f[7] === path && f[3] === '00010000') inodes.add(`socket:[${f[6]}]`);
  }
  if (inodes.size === 0) return 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${d}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (inodes.has(readlinkSync(`/proc/${d}/fd/${fd}`))) return Number(d);
      } catch {
        /* closed meanwhile */
      }
    }
  }
  return 0;
}

/** tsdock → containerd → shim → init, as the processes are now. */
export function runtimeChain(address: string, initPid: number): RuntimeView {
  const shim = parentPid(initPid);
  let bundle = '';
  try {
    bundle = readlinkSync(`/proc/${shim}/cwd`);
  } catch {
    /* gone */
  }
  return {
    Tsdock: { Pid: process.pid },
    Containerd: { Pid: socketOwner(address), Address: address },
    Shim: { Pid: shim, Command: cmdline(shim), Bundle: bundle },
    Init: { Pid: initPid, Command: cmdline(initPid) },
    Runc:
      `exited: \`runc create\` built the container from ${bundle ? `${bundle}/config.json` : 'the bundle'} ` +
      'and `runc start` started it; the shim is init’s parent and reaper',
  };
}

/**
 * inspect's kernel facts, beside GraphDriver, under a key of tsdock's own (docs/kernel.md): the
 * namespace links of the container's process, its cgroup path, its host-side veth.
 */
export function kernelInspect(c: { pid: number; running: boolean; cgroupPath: string; hostVeth?: string }): {
  TsdockKernel: { Namespaces: Record<string, string> | null; CgroupPath: string; HostVeth: string };
} {
  const ids = c.running && c.pid > 0 ? namespaceIds(c.pid) : {};
  return {
    TsdockKernel: {
      Namespaces: Object.keys(ids).length > 0 ? ids : null,
      CgroupPath: c.cgroupPath,
      HostVeth: c.hostVeth ?? '',
    },
  };
}
