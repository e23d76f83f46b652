/**
 * `volume prune` with Docker ≥ 23's meaning: unused anonymous volumes, or with -a every unused
 * volume; volumes with driver options (a mounted device) are never pruned, as Docker's are not.
 * The space reclaimed is measured on disk before each removal.
 */
import type { RuntimeContext } from '../../context.js';
import { RequestError } from '../../errors.js';
import { recordVolumeEvent } from '../../events/record.js';
import { humanSize } from '../../format/units.js';
import { confirm } from '../../prompt.js';
import { StatePaths } from '../../state/paths.js';
import { boolFilter, parseVolumeFilters, volumeMatches } from '../../volumes/filters.js';
import { ANONYMOUS_LABEL, directorySize, volumeStore } from '../../volumes/store.js';
import { volumeUsers } from '../../volumes/usage.js';

export interface VolumePruneOptions {
  all: boolean;
  force: boolean;
  filters: string[];
}

const ANONYMOUS_WARNING =
  'WARNING! This will remove anonymous local volumes not used by at least one container.';
const ALL_WARNING = 'WARNING! This will remove all local volumes not used by at least one container.';

/** The pruning itself (also `system prune --volumes`): names removed and bytes reclaimed. */
export async function pruneVolumes(
  ctx: RuntimeContext,
  o: { all: boolean; filters: string[] },
): Promise<{ deleted: string[]; reclaimed: number }> {
  const filters = parseVolumeFilters(o.filters, ['label', 'label!', 'all'], '--filter');
  if ((filters.get('all')?.length ?? 0) > 1) {
    throw new RequestError(
      `Error response from daemon: invalid filter 'all=${filters.get('all')!.join(',')}': only one value is expected`,
    );
  }
  const all = o.all || boolFilter(filters, 'all') === true;
  filters.delete('all');
  if (!all) filters.set('label', [...(filters.get('label') ?? []), ANONYMOUS_LABEL]);
  const store = volumeStore(ctx);
  const deleted: string[] = [];
  let reclaimed = 0;
  await store.locked(async () => {
    const users = volumeUsers(new StatePaths(ctx.stateDir));
    for (const v of store.list()) {
      if (v.Options || (users.get(v.Name) ?? []).length > 0) continue;
      if (!volumeMatches(v, filters, () => false)) continue;
      const size = await directorySize(v.Mountpoint);
      await store.remove(v.Name);
      deleted.push(v.Name);
      reclaimed += size;
    }
  });
  await Promise.all(deleted.map((n) => recordVolumeEvent(ctx, n, 'destroy', { driver: 'local' })));
  await recordVolumeEvent(ctx, '', 'prune', { reclaimed: String(reclaimed) });
  return { deleted, reclaimed };
}

export async function volumePrune(ctx: RuntimeContext, o: VolumePruneOptions): Promise<void> {
  if (o.all && o.filters.some((f) => f.toLowerCase().startsWith('all='))) {
    throw new RequestError('conflicting options: cannot specify both --all and --filter all=1');
  }
  // Filters are checked before the question, as the daemon would refuse them anyway.
  parseVolumeFilters(o.filters, ['label', 'label!', 'all'], '--filter');
  if (!o.force && !(await confirm(ctx, o.all ? ALL_WARNING : ANONYMOUS_WARNING))) return;
  const { deleted, reclaimed } = await pruneVolumes(ctx, o);
  let out = '';
  // units.HumanSize (4 significant digits), as docker/cli prints it here.
  if (deleted.length > 0) out += `Deleted Volumes:\n${deleted.map((n) => `${n}\n`).join('')}\n`;
  ctx.print(`${out}Total reclaimed space: ${humanSize(reclaimed, 4)}\n`);
}
