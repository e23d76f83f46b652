/**
 * The `--filter` values of Docker's prune commands, as the daemon reads them for containers,
 * networks and images alike: `until=` (a Go duration before now, a unix timestamp or an RFC 3339
 * date/time), `label=k[=v]` and `label!=k[=v]`.
 */
import { RequestError } from '../errors.js';
import { goDurationParse } from '../format/units.js';

export interface PruneFilter {
  /** Only what was created before this instant (ms). */
  until?: number;
  labels: string[];
  notLabels: string[];
  /** The filters as Docker's prompt lists them: `label=…`, `label!=…`, `until=…`, in natural order. */
  shown: string[];
}

const PRUNE_FILTERS = new Set(['until', 'label', 'label!']);

/** Docker's until value: a Go duration before now, a unix timestamp, or an RFC 3339 date/time. */
export function parseUntil(v: string, now = Date.now()): number {
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  try {
    return now - goDurationParse(v) / 1e6;
  } catch {
    /* not a duration */
  }
  const t = Date.parse(/^\d{4}-\d\d-\d\d$/.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(t)) {
    throw new RequestError(`Error response from daemon: failed to parse value as time or duration: "${v}"`);
  }
  return t;
}

export function parsePruneFilters(raw: string[]): PruneFilter {
  const f: PruneFilter = { labels: [], notLabels: [], shown: [] };
  for (const item of raw) {
    const m = /^([^=!]+!?)=(.*)$/.exec(item);
    if (!m) {
      throw new RequestError(
        `invalid argument "${item}" for "--filter" flag: bad format of filter (expected name=value)`,
      );
    }
    const key = m[1]!.toLowerCase();
    if (!PRUNE_FILTERS.has(key))
      throw new RequestError(`Error response from daemon: Invalid filter '${key}'`);
    if (key === 'until') f.until = parseUntil(m[2]!);
    else if (key === 'label') f.labels.push(m[2]!);
    else f.notLabels.push(m[2]!);
    f.shown.push(`${key}=${m[2]!}`);
  }
  f.shown.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return f;
}

function labelMatch(labels: Record<string, string>, want: string): boolean {
  const eq = want.indexOf('=');
  const key = eq < 0 ? want : want.slice(0, eq);
  if (!(key in labels)) return false;
  return eq < 0 || labels[key] === want.slice(eq + 1);
}

/** Whether an object created at `created` (ms) with `labels` is one the filter lets a prune take. */
export function pruneMatches(
  f: PruneFilter,
  created: number,
  labels: Record<string, string> | null | undefined,
): boolean {
  if (f.until !== undefined && created >= f.until) return false;
  const l = labels ?? {};
  return f.labels.every((w) => labelMatch(l, w)) && !f.notLabels.some((w) => labelMatch(l, w));
}
