/**
 * `docker container prune`: every stopped container (created, exited, dead) matching the
 * filters goes, after Docker's confirmation prompt unless -f; prints the removed IDs and the
 * space their writable layers held (SizeRw, as Docker sums it).
 */
import type { RuntimeContext } from '../../context.js';
import { RequestError } from '../../errors.js';
import { goDurationParse, humanSize } from '../../format/units.js';
import { containerSizeRw } from '../../container/diff.js';
import { summaries, type ContainerSummary } from '../../container/list.js';
import { removeContainer } from '../../container/remove.js';
import { findContainer } from '../../container/store.js';
import { recordPrune } from '../../events/record.js';
import { confirm } from '../../prompt.js';

export interface PruneOptions {
  force: boolean;
  filters: string[];
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

export interface PruneFilter {
  until?: number;
  labels: string[];
  notLabels: string[];
}

export function parsePruneFilters(raw: string[]): PruneFilter {
  const f: PruneFilter = { labels: [], notLabels: [] };
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
  }
  return f;
}

function labelMatch(labels: Record<string, string>, want: string): boolean {
  const eq = want.indexOf('=');
  const key = eq < 0 ? want : want.slice(0, eq);
  if (!(key in labels)) return false;
  return eq < 0 || labels[key] === want.slice(eq + 1);
}

export function prunable(row: ContainerSummary, f: PruneFilter): boolean {
  if (!['created', 'exited', 'dead'].includes(row.state.status)) return false;
  if (f.until !== undefined && row.created.getTime() >= f.until) return false;
  const labels = ((row.record.config as { Labels?: Record<string, string> | null }).Labels ?? {}) as Record<
    string,
    string
  >;
  if (!f.labels.every((l) => labelMatch(labels, l))) return false;
  if (f.notLabels.some((l) => labelMatch(labels, l))) return false;
  return true;
}

export async function pruneContainers(ctx: RuntimeContext, opts: PruneOptions): Promise<void> {
  const filters = parsePruneFilters(opts.filters);
  const out = ctx.stdio.stdout;
  if (!opts.force && !(await confirm(ctx, 'WARNING! This will remove all stopped containers.'))) return;
  const client = await ctx.client();
  // A container with a damaged record is left for `rm` (summaries warned about it).
  const doomed = (await summaries(ctx)).filter((r) => !r.damaged && prunable(r, filters));
  const deleted: string[] = [];
  let reclaimed = 0;
  for (const row of doomed) {
    try {
      const found = await findContainer(ctx, row.id);
      const size = await containerSizeRw(client, found);
      await removeContainer(ctx, found, { force: false });
      deleted.push(row.id);
      reclaimed += size;
    } catch {
      // started or removed meanwhile: not ours to report, as the daemon skips it
    }
  }
  await recordPrune(ctx, reclaimed);
  if (deleted.length) out.write(`Deleted Containers:\n${deleted.map((id) => `${id}\n`).join('')}\n`);
  out.write(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
}
