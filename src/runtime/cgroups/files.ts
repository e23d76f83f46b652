/**
 * Where each limit ends up in the kernel, and what the file then reads. This is where `--memory 256m`
 * becomes `memory/memory.limit_in_bytes` = 268435456 (cgroup v1) or `memory.max` = 268435456 (v2),
 * `--cpus 0.5` becomes `cpu.cfs_quota_us` 50000 / `cpu.cfs_period_us` 100000 (v1) or
 * `cpu.max` = `50000 100000` (v2). The mapping follows runc 1.1 (libcontainer/cgroups/fs and fs2):
 * v1 keys are `<controller>/<file>` relative to the hierarchy root of the container's cgroup, v2
 * keys are file names in the container's unified cgroup directory.
 *
 * Values are the file's text without the trailing newline. For multi-line files (oom_control,
 * throttle lists, io.max) the value is the line(s) that must be present.
 */
import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import { formatUintList, parseUintList } from '../opts/resources.js';
import type { LinuxResources, OciThrottleDevice } from '../spec/types.js';

const PAGE = 4096;
/** The kernel stores memory limits in pages: what reads back is rounded down to a page. */
const pages = (bytes: number) => String(Math.floor(bytes / PAGE) * PAGE);
const cpuList = (s: string) => formatUintList(parseUintList(s));

/** runc's linear map of cpu.shares [2, 262144] onto cpu.weight [1, 10000]. */
export function cpuSharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** runc's memory.swap.max from OCI's memory+swap figure; undefined: nothing is written. */
export function swapMaxV2(swap: number | undefined, limit: number | undefined): string | undefined {
  if (swap === undefined || swap === 0) return undefined;
  if (swap === -1) return 'max';
  if (limit === undefined || limit <= 0) return undefined;
  return pages(swap - limit);
}

function deviceLines(list: OciThrottleDevice[] | undefined): string | undefined {
  if (!list || list.length === 0) return undefined;
  return list.map((d) => `${d.major}:${d.minor} ${d.rate}`).join('\n');
}

export function expectedCgroupFiles(res: LinuxResources, version: 1 | 2): Record<string, string> {
  return version === 1 ? v1Files(res) : v2Files(res);
}

function v1Files(res: LinuxResources): Record<string, string> {
  const f: Record<string, string> = {};
  const { memory: m, cpu, pids, blockIO: io } = res;
  if (m?.limit) f['memory/memory.limit_in_bytes'] = pages(m.limit);
  if (m?.reservation) f['memory/memory.soft_limit_in_bytes'] = pages(m.reservation);
  if (m?.swap && m.swap > 0) f['memory/memory.memsw.limit_in_bytes'] = pages(m.swap);
  if (m?.swappiness !== undefined) f['memory/memory.swappiness'] = String(m.swappiness);
  if (m?.disableOOMKiller) f['memory/memory.oom_control'] = 'oom_kill_disable 1';
  if (cpu?.shares) f['cpu/cpu.shares'] = String(cpu.shares);
  if (cpu?.period) f['cpu/cpu.cfs_period_us'] = String(cpu.period);
  if (cpu?.quota) f['cpu/cpu.cfs_quota_us'] = String(cpu.quota);
  if (cpu?.cpus) f['cpuset/cpuset.cpus'] = cpuList(cpu.cpus);
  if (cpu?.mems) f['cpuset/cpuset.mems'] = cpuList(cpu.mems);
  if (pids) f['pids/pids.max'] = pids.limit > 0 ? String(pids.limit) : 'max';
  if (io?.weight) f['blkio/blkio.weight'] = String(io.weight);
  const lists: [string, OciThrottleDevice[] | undefined][] = [
    ['blkio/blkio.throttle.read_bps_device', io?.throttleReadBpsDevice],
    ['blkio/blkio.throttle.write_bps_device', io?.throttleWriteBpsDevice],
    ['blkio/blkio.throttle.read_iops_device', io?.throttleReadIOPSDevice],
    ['blkio/blkio.throttle.write_iops_device', io?.throttleWriteIOPSDevice],
  ];
  for (const [file, list] of lists) {
    const v = deviceLines(list);
    if (v !== undefined) f[file] = v;
  }
  return f;
}

function v2Files(res: LinuxResources): Record<string, string> {
  const f: Record<string, string> = {};
  const { memory: m, cpu, pids, blockIO: io } = res;
  if (m?.limit) f['memory.max'] = pages(m.limit);
  if (m?.reservation) f['memory.low'] = pages(m.reservation);
  const swap = swapMaxV2(m?.swap, m?.limit);
  if (swap !== undefined) f['memory.swap.max'] = swap;
  // memory.swappiness and oom_kill_disable have no v2 file; runc drops them.
  const weight = cpuSharesToWeight(cpu?.shares ?? 0);
  if (weight) f['cpu.weight'] = String(weight);
  if (cpu?.quota || cpu?.period) {
    const quota = cpu.quota && cpu.quota > 0 ? String(cpu.quota) : 'max';
    f['cpu.max'] = `${quota} ${cpu.period || 100000}`;
  }
  if (cpu?.cpus) f['cpuset.cpus'] = cpuList(cpu.cpus);
  if (cpu?.mems) f['cpuset.mems'] = cpuList(cpu.mems);
  if (pids) f['pids.max'] = pids.limit > 0 ? String(pids.limit) : 'max';
  // The blkio weight lands in io.bfq.weight or io.weight depending on the disk's scheduler; not listed.
  const perDevice = new Map<string, Record<'rbps' | 'wbps' | 'riops' | 'wiops', string>>();
  const add = (list: OciThrottleDevice[] | undefined, key: 'rbps' | 'wbps' | 'riops' | 'wiops') => {
    for (const d of list ?? []) {
      const id = `${d.major}:${d.minor}`;
      const e = perDevice.get(id) ?? { rbps: 'max', wbps: 'max', riops: 'max', wiops: 'max' };
      e[key] = String(d.rate);
      perDevice.set(id, e);
    }
  };
  add(io?.throttleReadBpsDevice, 'rbps');
  add(io?.throttleWriteBpsDevice, 'wbps');
  add(io?.throttleReadIOPSDevice, 'riops');
  add(io?.throttleWriteIOPSDevice, 'wiops');
  if (perDevice.size > 0) {
    f['io.max'] = [...perDevice]
      .map(([id, e]) => `${id} rbps=${e.rbps} wbps=${e.wbps} riops=${e.riops} wiops=${e.wiops}`)
      .join('\n');
  }
  return f;
}

/** Where the cgroup hierarchies are mounted. */
export const CGROUP_ROOT = '/sys/fs/cgroup';

/**
 * A container's cgroup path as the OCI spec carries it (cgroupfs driver, as Docker's): the parent
 * (`--cgroup-parent`, default tsdock's own) joined with the container's id.
 */
export function containerCgroupPath(parent: string | undefined, id: string): string {
  return posix.join(parent || '/tsdock', id);
}

/**
 * The host file behind a key of expectedCgroupFiles: runc places an absolute cgroupsPath under the
 * root of each v1 hierarchy (`memory/…` → /sys/fs/cgroup/memory/<path>/memory.limit_in_bytes), or
 * under the unified root on v2.
 */
export function hostCgroupFile(key: string, cgroupPath: string, version: 1 | 2, root = CGROUP_ROOT): string {
  if (version === 2) return join(root, cgroupPath, key);
  const slash = key.indexOf('/');
  return join(root, key.slice(0, slash), cgroupPath, key.slice(slash + 1));
}

export interface CgroupWrite {
  /** The key of expectedCgroupFiles: `memory/memory.limit_in_bytes` (v1) or `memory.max` (v2). */
  key: string;
  /** The file on the host. */
  path: string;
  /** What the file reads once runc has written it. */
  value: string;
}

/** Every limit file runc writes for these resources, with its host path and the value it then reads. */
export function cgroupWrites(res: LinuxResources, cgroupPath: string, version: 1 | 2): CgroupWrite[] {
  return Object.entries(expectedCgroupFiles(res, version)).map(([key, value]) => ({
    key,
    path: hostCgroupFile(key, cgroupPath, version),
    value,
  }));
}

/** v2 when the root of the cgroup mount is the unified hierarchy (it has cgroup.controllers). */
export function detectCgroupVersion(root = CGROUP_ROOT): 1 | 2 {
  return existsSync(join(root, 'cgroup.controllers')) ? 2 : 1;
}
