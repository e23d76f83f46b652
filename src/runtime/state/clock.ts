/**
 * Timestamps as Docker writes them: nanoseconds, in Go's RFC3339Nano (UTC, `Z`, the fraction's
 * trailing zeros dropped) — `Created`, `State.StartedAt`, `State.FinishedAt`.
 */

// Wall-clock nanoseconds that never go backwards within a process: Date.now() has only
// milliseconds, hrtime has nanoseconds but no epoch.
const origin = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

export function nowNanos(): bigint {
  return origin + process.hrtime.bigint();
}

/** A protobuf Timestamp (containerd's exited_at, started_at) in nanoseconds; undefined when unset. */
export function timestampNanos(
  t: { seconds?: number; nanos?: number } | null | undefined,
): bigint | undefined {
  if (!t || (!t.seconds && !t.nanos)) return undefined;
  return BigInt(t.seconds ?? 0) * 1_000_000_000n + BigInt(t.nanos ?? 0);
}

/** An instant's UTC second (`2006-01-02T15:04:05`) and its nine digits of nanoseconds. */
function utcParts(ns: bigint): [string, string] {
  let secs = ns / 1_000_000_000n;
  let frac = ns % 1_000_000_000n;
  if (frac < 0n) {
    secs -= 1n;
    frac += 1_000_000_000n;
  }
  return [new Date(Number(secs) * 1000).toISOString().slice(0, 19), frac.toString().padStart(9, '0')];
}

export function rfc3339NanoOf(ns: bigint): string {
  const [whole, nanos] = utcParts(ns);
  const digits = nanos.replace(/0+$/, '');
  return `${whole}${digits ? `.${digits}` : ''}Z`;
}

/** Docker's `logs -t` format, `2006-01-02T15:04:05.000000000Z`: always nine digits, so strings sort in time order. */
export function rfc3339NanoFixed(ns: bigint): string {
  const [whole, nanos] = utcParts(ns);
  return `${whole}.${nanos}Z`;
}

export function nowRfc3339Nano(): string {
  return rfc3339NanoOf(nowNanos());
}
