/**
 * ContainerOptions resources → the OCI `linux.resources` block runc applies, filled the way the
 * Docker daemon fills it (moby daemon_unix.go getMemoryResources / getCPUResources / getPidsLimit,
 * oci_linux.go WithResources). The kernel-file side of the same limits is ../cgroups/files.ts.
 */
import { statSync } from 'node:fs';
import { SystemError } from '../errors.js';
import type { ResourceOptions, ThrottleDevice } from '../opts/container.js';
import type { LinuxResources, OciThrottleDevice } from './types.js';

/** CFS period Docker uses for --cpus: 100 ms. */
export const CPU_PERIOD_US = 100000;

export type DeviceNumbers = (path: string) => { major: number; minor: number };

/** glibc's major()/minor() of a device file's st_rdev. */
export const statDeviceNumbers: DeviceNumbers = (path) => {
  let rdev: bigint;
  try {
    rdev = statSync(path, { bigint: true }).rdev;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file or directory' : String(code ?? err);
    throw new SystemError(`stat ${path}: ${why}`);
  }
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return { major: Number(major), minor: Number(minor) };
};

function throttle(list: ThrottleDevice[], numbers: DeviceNumbers): OciThrottleDevice[] {
  return list.map((d) => ({ ...numbers(d.path), rate: d.rate }));
}

export function linuxResources(
  r: ResourceOptions,
  numbers: DeviceNumbers = statDeviceNumbers,
): LinuxResources {
  const cpu: NonNullable<LinuxResources['cpu']> = { shares: r.cpuShares };
  if (r.cpusetCpus) cpu.cpus = r.cpusetCpus;
  if (r.cpusetMems) cpu.mems = r.cpusetMems;
  if (r.nanoCpus > 0) {
    cpu.period = CPU_PERIOD_US;
    // Integer arithmetic as Docker's int64 maths: NanoCPUs * period / 1e9, truncated.
    cpu.quota = Number((BigInt(r.nanoCpus) * BigInt(CPU_PERIOD_US)) / 1_000_000_000n);
  }
  if (r.cpuPeriod !== 0) cpu.period = r.cpuPeriod;
  if (r.cpuQuota !== 0) cpu.quota = r.cpuQuota;

  const memory: NonNullable<LinuxResources['memory']> = {};
  if (r.memory > 0) memory.limit = r.memory;
  if (r.memoryReservation > 0) memory.reservation = r.memoryReservation;
  // Docker passes the combined memory+swap figure as is (only positive values); -1 stays unset.
  if (r.memorySwap > 0) memory.swap = r.memorySwap;
  if (r.memorySwappiness !== null) memory.swappiness = r.memorySwappiness;
  memory.disableOOMKiller = r.oomKillDisable;

  const blockIO: NonNullable<LinuxResources['blockIO']> = { weight: r.blkioWeight };
  const tr = {
    throttleReadBpsDevice: throttle(r.deviceReadBps, numbers),
    throttleWriteBpsDevice: throttle(r.deviceWriteBps, numbers),
    throttleReadIOPSDevice: throttle(r.deviceReadIops, numbers),
    throttleWriteIOPSDevice: throttle(r.deviceWriteIops, numbers),
  };
  for (const [k, v] of Object.entries(tr)) if (v.length > 0) blockIO[k as keyof typeof tr] = v;

  const out: LinuxResources = { memory, cpu, blockIO };
  if (r.pidsLimit !== null) out.pids = { limit: r.pidsLimit };
  return out;
}
