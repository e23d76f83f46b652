/**
 * Resource flag values and the daemon-side checks Docker applies to them (docker/cli opts.ParseCPUs,
 * opts/throttledevice.go, moby verifyPlatformContainerResources). Value parsers throw plain Errors
 * (the caller wraps them as pflag does); `verifyResources` throws UsageError with the daemon's text.
 */
import { UsageError } from '../errors.js';
import { ramInBytes } from './units.js';

/** Minimum for --memory and --memory-reservation: 6 MiB, to leave room for start-up. */
export const MIN_MEMORY = 6291456;
export const DEFAULT_SHM_SIZE = 67108864;

/**
 * --cpus as an exact rational (`0.5`, `1.25`, `1/4`, `1e-3`) times 1e9; anything that does not land on
 * a whole number of nano-CPUs is `value is too precise`.
 */
export function parseCpus(value: string): number {
  const bad = () => new Error(`failed to parse ${value} as a rational number`);
  const frac = /^([+-]?\d+)\/(\d+)$/.exec(value);
  if (frac) {
    const num = BigInt(frac[1]!) * 1_000_000_000n;
    const den = BigInt(frac[2]!);
    if (den === 0n) throw bad();
    if (num % den !== 0n) throw new Error('value is too precise');
    return Number(num / den);
  }
  const dec = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(value);
  if (!dec || (dec[2] === '' && (dec[3] ?? '') === '')) throw bad();
  const [, sign, whole, fraction = '', exp = '0'] = dec;
  // Go's big.Rat refuses exponents past 1e6 (they would take minutes and gigabytes); so do we.
  if (Math.abs(Number(exp)) > 1_000_000) throw bad();
  let mantissa = BigInt(`${whole}${fraction}` || '0');
  const scale = Number(exp) - fraction.length + 9;
  if (scale >= 0) mantissa *= 10n ** BigInt(scale);
  else {
    const div = 10n ** BigInt(-scale);
    if (mantissa % div !== 0n) throw new Error('value is too precise');
    mantissa /= div;
  }
  return Number(sign === '-' ? -mantissa : mantissa);
}

/** moby parsers.ParseUintListMaximum: `0-2,4` style lists, duplicates allowed. */
export function parseUintList(val: string, maximum = 0): Set<number> {
  const out = new Set<number>();
  if (val === '') return out;
  const invalid = () => new Error(`invalid format: ${val}`);
  const atoi = (s: string) => {
    if (!/^[+-]?\d+$/.test(s)) throw invalid();
    return Number(s);
  };
  const check = (n: number) => {
    if (maximum !== 0 && n > maximum) throw new Error(`value of out range, maximum is ${maximum}`);
  };
  for (const r of val.split(',')) {
    const dash = r.indexOf('-');
    if (dash === -1) {
      const v = atoi(r);
      check(v);
      out.add(v);
      continue;
    }
    const min = atoi(r.slice(0, dash));
    const max = atoi(r.slice(dash + 1));
    if (max < min) throw invalid();
    check(max);
    for (let i = min; i <= max; i++) out.add(i);
  }
  return out;
}

/** The kernel's own rendering of a CPU/memory-node list: sorted, consecutive runs as ranges. */
export function formatUintList(values: Iterable<number>): string {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j === i ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

export interface ThrottleDevice {
  path: string;
  rate: number;
}

function splitDevice(val: string): [string, string] {
  const colon = val.indexOf(':');
  if (colon <= 0) throw new Error(`bad format: ${val}`);
  const path = val.slice(0, colon);
  if (!path.startsWith('/dev/')) throw new Error(`bad format for device path: ${val}`);
  return [path, val.slice(colon + 1)];
}

/** --device-read-bps / --device-write-bps: `/dev/sda:1mb` (go-units sizes). */
export function parseThrottleBps(val: string): ThrottleDevice {
  const [path, rate] = splitDevice(val);
  try {
    return { path, rate: ramInBytes(rate) };
  } catch {
    throw new Error(
      `invalid rate for device: ${val}. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb`,
    );
  }
}

/** --device-read-iops / --device-write-iops: `/dev/sda:1000`. */
export function parseThrottleIops(val: string): ThrottleDevice {
  const [path, rate] = splitDevice(val);
  if (!/^\d+$/.test(rate) || BigInt(rate) > 2n ** 64n - 1n) {
    throw new Error(
      `invalid rate for device: ${val}. The correct format is <device-path>:<number>. Number must be a positive integer`,
    );
  }
  return { path, rate: Number(rate) };
}

export interface ResourceValues {
  memory: number;
  memorySwap: number;
  memoryReservation: number;
  memorySwappiness: number | null;
  nanoCpus: number;
  cpuPeriod: number;
  cpuQuota: number;
  cpusetCpus: string;
  cpusetMems: string;
  blkioWeight: number;
  oomScoreAdj: number;
}

/** The daemon's validation, in the daemon's order, against a host with `hostCpus` online CPUs. */
export function verifyResources(r: ResourceValues, hostCpus: number): void {
  const fail = (msg: string) => {
    throw new UsageError(msg);
  };
  if (r.memory !== 0 && r.memory < MIN_MEMORY) fail('Minimum memory limit allowed is 6MB');
  if (r.memory > 0 && r.memorySwap > 0 && r.memorySwap < r.memory) {
    fail('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  if (r.memory === 0 && r.memorySwap > 0) {
    fail('You should always set the Memory limit when using Memoryswap limit, see usage');
  }
  if (r.memoryReservation > 0 && r.memoryReservation < MIN_MEMORY)
    fail('Minimum memory reservation allowed is 6MB');
  if (r.memory > 0 && r.memoryReservation > 0 && r.memory < r.memoryReservation) {
    fail('Minimum memory limit can not be less than memory reservation limit, see usage');
  }
  if (r.nanoCpus > 0 && r.cpuPeriod > 0)
    fail('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (r.nanoCpus > 0 && r.cpuQuota > 0)
    fail('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  if (r.nanoCpus < 0 || r.nanoCpus > hostCpus * 1e9) {
    fail(`range of CPUs is from 0.01 to ${hostCpus}.00, as there are only ${hostCpus} CPUs available`);
  }
  if (r.cpuPeriod !== 0 && (r.cpuPeriod < 1000 || r.cpuPeriod > 1000000)) {
    fail('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  }
  if (r.cpuQuota > 0 && r.cpuQuota < 1000) fail('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  const available = hostCpus > 1 ? `0-${hostCpus - 1}` : '0';
  checkCpuset(
    r.cpusetCpus,
    'cpus',
    hostCpus,
    `Requested CPUs are not available - requested ${r.cpusetCpus}, available: ${available}`,
  );
  // Memory nodes: a host without NUMA information has node 0 only.
  checkCpuset(
    r.cpusetMems,
    'mems',
    1,
    `Requested memory nodes are not available - requested ${r.cpusetMems}, available: 0`,
  );
  if (r.blkioWeight > 0 && (r.blkioWeight < 10 || r.blkioWeight > 1000))
    fail('Range of blkio weight is from 10 to 1000');
  if (r.oomScoreAdj < -1000 || r.oomScoreAdj > 1000) {
    fail(`Invalid value ${r.oomScoreAdj}, range for oom score adj is [-1000, 1000]`);
  }
}

function checkCpuset(value: string, what: 'cpus' | 'mems', count: number, unavailable: string): void {
  let requested: Set<number>;
  try {
    requested = parseUintList(value, 8192);
  } catch (err) {
    throw new UsageError(`Invalid value ${value} for cpuset ${what}: ${(err as Error).message}`);
  }
  for (const n of requested) if (n < 0 || n >= count) throw new UsageError(unavailable);
}
