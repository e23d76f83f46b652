/** `volume ls`: Docker's table (`DRIVER    VOLUME NAME`), -q, --format, --filter. */
import type { RuntimeContext } from '../../context.js';
import { renderList } from '../../format/output.js';
import { StatePaths } from '../../state/paths.js';
import { naturalCompare, parseVolumeFilters, volumeMatches } from '../../volumes/filters.js';
import { volumeStore, type Volume } from '../../volumes/store.js';
import { volumeUsers } from '../../volumes/usage.js';

export interface VolumeListOptions {
  quiet: boolean;
  format?: string;
  filters: string[];
}

/** docker/cli's volumeContext: its fields in `{{json .}}` order (sorted). */
export function volumeRow(v: Volume): Record<string, unknown> {
  const labels = v.Labels ?? {};
  const row: Record<string, unknown> = {
    Availability: 'N/A',
    Driver: v.Driver,
    Group: 'N/A',
    Labels: Object.entries(labels)
      .map(([k, val]) => `${k}=${val}`)
      .sort()
      .join(','),
    Links: 'N/A',
    Mountpoint: v.Mountpoint,
    Name: v.Name,
    Scope: v.Scope,
    Size: 'N/A',
    Status: 'N/A',
  };
  Object.defineProperty(row, 'Label', { value: (k: string) => labels[k] ?? '', enumerable: false });
  return row;
}

/** The volumes `volume ls` shows (all, or those the filters select), sorted by name, as their documents. */
export function listVolumes(ctx: RuntimeContext, rawFilters: string[]): Volume[] {
  const filters = parseVolumeFilters(rawFilters, ['dangling', 'name', 'driver', 'label']);
  const users = filters.has('dangling') ? volumeUsers(new StatePaths(ctx.stateDir)) : new Map();
  return volumeStore(ctx)
    .list()
    .filter((v) => volumeMatches(v, filters, (n) => (users.get(n) ?? []).length > 0))
    .sort((a, b) => naturalCompare(a.Name, b.Name));
}

export async function volumeList(ctx: RuntimeContext, o: VolumeListOptions): Promise<void> {
  const volumes = listVolumes(ctx, o.filters);
  ctx.print(
    renderList({
      format: o.format,
      quiet: o.quiet,
      quietField: 'Name',
      typeName: '*formatter.volumeContext',
      customFormatOverQuiet: true,
      defaultTable: 'table {{.Driver}}\t{{.Name}}',
      headers: {
        Name: 'VOLUME NAME',
        Driver: 'DRIVER',
        Scope: 'SCOPE',
        Mountpoint: 'MOUNTPOINT',
        Labels: 'LABELS',
        Links: 'LINKS',
        Size: 'SIZE',
        Group: 'GROUP',
        Availability: 'AVAILABILITY',
        Status: 'STATUS',
      },
      rows: volumes.map(volumeRow),
    }),
  );
}
