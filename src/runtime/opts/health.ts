/**
 * Healthcheck options: the `--health-*` flags as docker/cli reads them (container/opts.go), the
 * daemon's checks (validateHealthCheck), and its merge with the image's HEALTHCHECK (daemon/commit.go
 * `merge`). Durations are Go durations (`30s`, `1m30s`, `500ms`), kept in nanoseconds as Docker's
 * HealthConfig holds them.
 */
import { UsageError } from '../errors.js';
import { goDurationParse } from '../format/units.js';

/** Docker's HealthConfig (inspect Config.Healthcheck): zero fields are left out, as `omitempty` does. */
export interface HealthConfig {
  /** [] inherit; ["NONE"] disabled; ["CMD", args…]; ["CMD-SHELL", command]. */
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** The daemon's defaults (daemon/health.go), in nanoseconds. */
export const HEALTH_DEFAULTS = {
  interval: 30e9,
  timeout: 30e9,
  startPeriod: 0,
  startInterval: 5e9,
  retries: 3,
} as const;

/** container.MinimumDuration: a non-zero duration below it is refused by the daemon. */
const MINIMUM_DURATION = 1e6;

export interface HealthFlags {
  /** `--health-cmd` (a shell command), or a whole test as compose gives one (`[CMD, …]`, `[CMD-SHELL, …]`). */
  healthCmd?: string | string[];
  healthInterval?: string;
  healthTimeout?: string;
  healthStartPeriod?: string;
  healthStartInterval?: string;
  healthRetries?: number | string;
  noHealthcheck?: boolean;
}

type FlagValue = <T>(flag: string, value: string, parse: (v: string) => T) => T;

/**
 * The flags → Config.Healthcheck as the CLI sends it (undefined when no health flag is given), with
 * the CLI's and then the daemon's checks. `flagValue` reports a value the flag type rejects as pflag.
 */
export function parseHealthFlags(flags: HealthFlags, flagValue: FlagValue): HealthConfig | undefined {
  const duration = (name: string, raw: string | undefined) =>
    raw === undefined || raw === '' ? 0 : flagValue(name, raw, goDurationParse);
  const interval = duration('health-interval', flags.healthInterval);
  const timeout = duration('health-timeout', flags.healthTimeout);
  const startPeriod = duration('health-start-period', flags.healthStartPeriod);
  const startInterval = duration('health-start-interval', flags.healthStartInterval);
  const retries =
    flags.healthRetries === undefined
      ? 0
      : flagValue('health-retries', String(flags.healthRetries), (v) => {
          if (!/^[+-]?\d+$/.test(v)) throw new Error(`strconv.ParseInt: parsing "${v}": invalid syntax`);
          return Number(v);
        });
  const test = Array.isArray(flags.healthCmd)
    ? flags.healthCmd
    : flags.healthCmd
      ? ['CMD-SHELL', flags.healthCmd]
      : undefined;
  const any = !!test?.length || interval !== 0 || timeout !== 0 || startPeriod !== 0 || startInterval !== 0;
  if (flags.noHealthcheck) {
    if (any || retries !== 0) throw new UsageError('--no-healthcheck conflicts with --health-* options');
    return { Test: ['NONE'] };
  }
  if (!any && retries === 0) return undefined;
  if (interval < 0) throw new UsageError('--health-interval cannot be negative');
  if (timeout < 0) throw new UsageError('--health-timeout cannot be negative');
  if (retries < 0) throw new UsageError('--health-retries cannot be negative');
  if (startPeriod < 0) throw new UsageError('--health-start-period cannot be negative');
  if (startInterval < 0) throw new UsageError('--health-start-interval cannot be negative');
  const h: HealthConfig = {
    ...(test?.length ? { Test: test } : {}),
    ...(interval ? { Interval: interval } : {}),
    ...(timeout ? { Timeout: timeout } : {}),
    ...(startPeriod ? { StartPeriod: startPeriod } : {}),
    ...(startInterval ? { StartInterval: startInterval } : {}),
    ...(retries ? { Retries: retries } : {}),
  };
  validateHealthConfig(h);
  return h;
}

/** The daemon's validateHealthCheck. */
export function validateHealthConfig(h: HealthConfig): void {
  const short = (what: string, v: number | undefined) => {
    if (v !== undefined && v !== 0 && v < MINIMUM_DURATION)
      throw new UsageError(`Error response from daemon: ${what} in Healthcheck cannot be less than 1ms`);
  };
  short('Interval', h.Interval);
  short('Timeout', h.Timeout);
  if ((h.Retries ?? 0) < 0)
    throw new UsageError('Error response from daemon: Retries in Healthcheck cannot be negative');
  short('StartPeriod', h.StartPeriod);
  short('StartInterval', h.StartInterval);
}

/** The daemon's merge: the user's settings win field by field, the image's HEALTHCHECK fills the rest. */
export function mergeHealthcheck(
  user: HealthConfig | undefined,
  image: HealthConfig | null | undefined,
): HealthConfig | undefined {
  if (!image) return user;
  if (!user) return image;
  const out: HealthConfig = { ...user };
  if (!out.Test || out.Test.length === 0) out.Test = image.Test;
  for (const k of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'] as const) {
    if (!out[k] && image[k]) out[k] = image[k];
  }
  // Keys in Docker's order, unset ones left out.
  const keys = ['Test', 'Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'] as const;
  return Object.fromEntries(keys.filter((k) => out[k] !== undefined).map((k) => [k, out[k]]));
}

/** What a probe runs, or undefined when there is no probe (no test, NONE, an unknown kind: getProbe). */
export function probeCommand(h: HealthConfig | undefined, shell: string[] | undefined): string[] | undefined {
  const test = h?.Test;
  if (!test || test.length === 0) return undefined;
  switch (test[0]) {
    case 'CMD':
      return test.length > 1 ? test.slice(1) : undefined;
    case 'CMD-SHELL':
      return [...(shell && shell.length > 0 ? shell : ['/bin/sh', '-c']), ...test.slice(1)];
    default:
      return undefined;
  }
}

/** The timings of a probe schedule, defaults applied, in milliseconds (what the monitor counts in). */
export function healthTimings(h: HealthConfig): {
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  startIntervalMs: number;
  retries: number;
} {
  const ms = (v: number | undefined, def: number) => Math.max(1, Math.round((v || def) / 1e6));
  return {
    intervalMs: ms(h.Interval, HEALTH_DEFAULTS.interval),
    timeoutMs: ms(h.Timeout, HEALTH_DEFAULTS.timeout),
    startPeriodMs: Math.round((h.StartPeriod || HEALTH_DEFAULTS.startPeriod) / 1e6),
    startIntervalMs: ms(h.StartInterval, HEALTH_DEFAULTS.startInterval),
    retries: h.Retries && h.Retries > 0 ? h.Retries : HEALTH_DEFAULTS.retries,
  };
}
