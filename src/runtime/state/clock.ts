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

/**
 * An instant as Go's time.Format prints it: the second (`2006-01-02T15:04:05`) in the zone
 * `offsetMinutes` east of UTC, the nine digits of nanoseconds (trailing zeros dropped unless
 * `fixed`), and the zone (`Z` for UTC, else `+01:00`).
 */
function format(ns: bigint, offsetMinutes: number, fixed: boolean): string {
  const local = ns + BigInt(offsetMinutes) * 60_000_000_000n;
  let secs = local / 1_000_000_000n;
  let frac = local % 1_000_000_000n;
  if (frac < 0n) {
    secs -= 1n;
    frac += 1_000_000_000n;
  }
  const whole = new Date(Number(secs) * 1000).toISOString().slice(0, 19);
  const nanos = fixed
    ? frac.toString().padStart(9, '0')
    : frac.toString().padStart(9, '0').replace(/0+$/, '');
  const abs = Math.abs(offsetMinutes);
  const zone =
    offsetMinutes === 0
      ? 'Z'
      : `${offsetMinutes > 0 ? '+' : '-'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${whole}${nanos ? `.${nanos}` : ''}${zone}`;
}

/** Go's RFC3339Nano (`Created`, `StartedAt` …): UTC unless `offsetMinutes` (east) is given. */
export function rfc3339NanoOf(ns: bigint, offsetMinutes = 0): string {
  return format(ns, offsetMinutes, false);
}

/**
 * jsonmessage's RFC3339NanoFixed, `2006-01-02T15:04:05.000000000Z`: always nine digits, so strings
 * sort in time order (`logs -t`, `events`).
 */
export function rfc3339NanoFixed(ns: bigint, offsetMinutes = 0): string {
  return format(ns, offsetMinutes, true);
}

/**
 * A timestamp written by someone else (an image config's `created`) as Go prints it again after
 * parsing: RFC3339Nano in the timestamp's own zone; Go's zero time when there is none.
 */
export function rfc3339NanoOfText(text: string | undefined): string {
  if (!text) return '0001-01-01T00:00:00Z';
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/i.exec(text);
  if (!m) return text;
  const zone = m[3]!.toUpperCase();
  const offset =
    zone === 'Z'
      ? 0
      : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const ns =
    BigInt(Date.parse(`${m[1]}Z`)) * 1_000_000n -
    BigInt(offset) * 60_000_000_000n +
    BigInt((m[2] ?? '').slice(0, 9).padEnd(9, '0'));
  return format(ns, offset, false);
}

export function nowRfc3339Nano(): string {
  return rfc3339NanoOf(nowNanos());
}
