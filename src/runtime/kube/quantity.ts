/**
 * Docker's resource units ↔ Kubernetes quantities, both ways, exactly: `--cpus 0.5` is 500m,
 * `--memory 256m` is 256Mi, and `--cpu-shares` is the kubelet's own conversion of requests.cpu
 * (MilliCPUToShares: shares = milli × 1024 / 1000, at least 2).
 */
import { UsageError } from '../errors.js';

const MIN_SHARES = 2;
const SHARES_PER_CPU = 1024;

/** Nano-CPUs (Docker's NanoCpus) → millicores; 0.5 CPU is `500m`, 2 CPUs is `2`. */
export function cpuQuantity(millicores: number): string {
  return millicores % 1000 === 0 ? String(millicores / 1000) : `${millicores}m`;
}

export const nanoCpusToMilli = (nano: number): number => Math.round(nano / 1e6);

/** CFS quota over period (`--cpu-quota 50000 --cpu-period 100000`) → millicores. */
export const quotaToMilli = (quota: number, period: number): number =>
  Math.round((quota * 1000) / (period || 100_000));

/** The kubelet's MilliCPUToShares, inverted: 512 shares is 500m, 1024 is 1. */
export const sharesToMilli = (shares: number): number => Math.round((shares * 1000) / SHARES_PER_CPU);

/** The kubelet's MilliCPUToShares. */
export function milliToShares(milli: number): number {
  if (milli === 0) return MIN_SHARES;
  return Math.max(MIN_SHARES, Math.floor((milli * SHARES_PER_CPU) / 1000));
}

/** Bytes → the largest binary unit that holds it whole (256 MiB is `256Mi`), else plain bytes. */
export function memoryQuantity(bytes: number): string {
  for (const [suffix, size] of [
    ['Ti', 2 ** 40],
    ['Gi', 2 ** 30],
    ['Mi', 2 ** 20],
    ['Ki', 2 ** 10],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${suffix}`;
  }
  return String(bytes);
}

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, m: 1e-3, '': 1 };

/** A Kubernetes quantity (`256Mi`, `1G`, `500m`, `1.5`, `1e3`) as a plain number. */
export function parseQuantity(q: string | number, what: string): number {
  if (typeof q === 'number') return q;
  const m = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?)$/.exec(
    q.trim(),
  );
  if (!m) throw new UsageError(`invalid quantity "${q}" for ${what}`);
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  const suffix = m[3] ?? '';
  return base * (BINARY[suffix] ?? DECIMAL[suffix]!);
}

/** A CPU quantity → millicores (`500m` → 500, `2` → 2000). */
export const cpuToMilli = (q: string | number): number => Math.round(parseQuantity(q, 'cpu') * 1000);

/** A memory quantity → bytes, rounded up to a whole byte as the kubelet does. */
export const memoryToBytes = (q: string | number): number => Math.ceil(parseQuantity(q, 'memory'));
