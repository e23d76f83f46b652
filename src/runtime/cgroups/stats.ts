/**
 * What `docker stats` shows, from the kernel's files: the readers take one sample of a container's
 * cgroup (v1 controllers or the v2 unified directory) and of the host, the math turns two samples
 * into Docker's figures (docker/cli's calculateCPUPercentUnix, calculateMemUsageUnixNoCache) and
 * the formatting gives its strings. Readers take a root so tests can use real layouts in a temp dir.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesSize, humanSize } from '../format/units.js';

export interface CgroupSample {
  /** Total CPU time of the cgroup's tasks, nanoseconds. */
  cpuNs: number;
  memUsage: number;
  /** v1 total_inactive_file / v2 inactive_file: page cache the kernel can drop, not counted as used. */
  memInactiveFile: number;
  /** Infinity when unlimited. */
  memLimit: number;
  pids: number;
  blkRead: number;
  blkWrite: number;
}

/** The v1 "unlimited" memory limit is PAGE_COUNTER_MAX pages; anything this large means no limit. */
const UNLIMITED = 2 ** 62;

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function num(text: string | undefined): number {
  if (text === undefined) return 0;
  const t = text.trim();
  if (t === 'max') return Infinity;
  const n = Number(t);
  return Number.isFinite(n) ? n : 0;
}

/** `key value` lines (memory.stat, cpu.stat) into a map. */
export function parseKeyValues(text: string | undefined): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of (text ?? '').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) m.set(k, Number(v));
  }
  return m;
}

/** blkio.throttle.io_service_bytes(_recursive): `8:0 Read 4096` lines, summed over devices. */
export function parseBlkioV1(text: string | undefined): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const line of (text ?? '').split('\n')) {
    const [dev, op, v] = line.trim().split(/\s+/);
    if (!dev || !dev.includes(':') || v === undefined) continue;
    if (op === 'Read') read += Number(v);
    else if (op === 'Write') write += Number(v);
  }
  return { read, write };
}

/** io.stat: `8:0 rbytes=N wbytes=N rios=N …` lines, summed over devices. */
export function parseIoStatV2(text: string | undefined): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const line of (text ?? '').split('\n')) {
    for (const field of line.trim().split(/\s+/).slice(1)) {
      const [k, v] = field.split('=');
      if (k === 'rbytes') read += Number(v);
      else if (k === 'wbytes') write += Number(v);
    }
  }
  return { read, write };
}

export function readCgroupSample(cgroupPath: string, version: 1 | 2, root = '/sys/fs/cgroup'): CgroupSample {
  if (version === 1) {
    const at = (ctrl: string, file: string) => read(join(root, ctrl, cgroupPath, file));
    const stat = parseKeyValues(at('memory', 'memory.stat'));
    const limit = num(at('memory', 'memory.limit_in_bytes'));
    const blk =
      at('blkio', 'blkio.throttle.io_service_bytes_recursive') ??
      at('blkio', 'blkio.throttle.io_service_bytes');
    const io = parseBlkioV1(blk);
    return {
      cpuNs: num(at('cpuacct', 'cpuacct.usage')),
      memUsage: num(at('memory', 'memory.usage_in_bytes')),
      memInactiveFile: stat.get('total_inactive_file') ?? 0,
      memLimit: limit >= UNLIMITED || limit === 0 ? Infinity : limit,
      pids: num(at('pids', 'pids.current')),
      blkRead: io.read,
      blkWrite: io.write,
    };
  }
  const at = (file: string) => read(join(root, cgroupPath, file));
  const stat = parseKeyValues(at('memory.stat'));
  const io = parseIoStatV2(at('io.stat'));
  return {
    cpuNs: (parseKeyValues(at('cpu.stat')).get('usage_usec') ?? 0) * 1000,
    memUsage: num(at('memory.current')),
    memInactiveFile: stat.get('inactive_file') ?? 0,
    memLimit: num(at('memory.max')) || Infinity,
    pids: num(at('pids.current')),
    blkRead: io.read,
    blkWrite: io.write,
  };
}

/** USER_HZ: /proc/stat counts in 1/100 s on every Linux architecture Docker supports. */
const CLOCK_TICKS = 100;

/** The host's CPU time in ns as the Docker daemon counts it: the first seven fields of /proc/stat's `cpu` line. */
export function parseSystemCpuNs(procStat: string): number {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return 0;
  const ticks = line
    .trim()
    .split(/\s+/)
    .slice(1, 8)
    .reduce((s, v) => s + Number(v), 0);
  return (ticks * 1e9) / CLOCK_TICKS;
}

export function readSystemCpuNs(path = '/proc/stat'): number {
  return parseSystemCpuNs(read(path) ?? '');
}

/** MemTotal of /proc/meminfo in bytes: the limit Docker shows for a container without one. */
export function readHostMemory(path = '/proc/meminfo'): number {
  const m = /^MemTotal:\s+(\d+) kB/m.exec(read(path) ?? '');
  return m ? Number(m[1]) * 1024 : 0;
}

/** Received / transmitted bytes of a network namespace's interfaces but loopback, from /proc/<pid>/net/dev. */
export function parseNetDev(text: string | undefined): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const line of (text ?? '').split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const iface = line.slice(0, colon).trim();
    if (iface === 'lo') continue;
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    if (f.length < 9) continue;
    rx += Number(f[0]);
    tx += Number(f[8]);
  }
  return { rx, tx };
}

export function readNetDev(pid: number, procRoot = '/proc'): { rx: number; tx: number } {
  return parseNetDev(read(join(procRoot, String(pid), 'net', 'dev')));
}

/** docker/cli calculateCPUPercentUnix: the container's share of the host's CPU time, × online CPUs. */
export function cpuPercent(
  prev: { cpuNs: number; systemNs: number },
  cur: { cpuNs: number; systemNs: number },
  onlineCpus: number,
): number {
  const cpuDelta = cur.cpuNs - prev.cpuNs;
  const systemDelta = cur.systemNs - prev.systemNs;
  if (cpuDelta > 0 && systemDelta > 0) return (cpuDelta / systemDelta) * onlineCpus * 100;
  return 0;
}

/** calculateMemUsageUnixNoCache: usage without the inactive file cache. */
export function memoryUsed(s: Pick<CgroupSample, 'memUsage' | 'memInactiveFile'>): number {
  return s.memInactiveFile < s.memUsage ? s.memUsage - s.memInactiveFile : s.memUsage;
}

/** The daemon reports host memory as the limit when the cgroup has none (or one above the host's). */
export function effectiveLimit(limit: number, hostMemory: number): number {
  return !Number.isFinite(limit) || (hostMemory > 0 && limit > hostMemory) ? hostMemory : limit;
}

export interface StatsFigures {
  cpuPercent: number;
  memUsed: number;
  memLimit: number;
  netRx: number;
  netTx: number;
  blkRead: number;
  blkWrite: number;
  pids: number;
}

/** docker/cli's stats formatter strings. */
export function formatStats(f: StatsFigures): {
  CPUPerc: string;
  MemUsage: string;
  MemPerc: string;
  NetIO: string;
  BlockIO: string;
  PIDs: string;
} {
  const memPercent = f.memLimit > 0 ? (f.memUsed / f.memLimit) * 100 : 0;
  return {
    CPUPerc: `${f.cpuPercent.toFixed(2)}%`,
    MemUsage: `${bytesSize(f.memUsed)} / ${bytesSize(f.memLimit)}`,
    MemPerc: `${memPercent.toFixed(2)}%`,
    NetIO: `${humanSize(f.netRx)} / ${humanSize(f.netTx)}`,
    BlockIO: `${humanSize(f.blkRead)} / ${humanSize(f.blkWrite)}`,
    PIDs: String(f.pids),
  };
}
