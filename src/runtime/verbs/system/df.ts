/**
 * `system df`: images, containers, local volumes and build cache, each measured now (snapshot
 * usage as containerd reports it, volume directories walked as moby's directory.Size does, the
 * build cache's records as `builder prune` counts them).
 */
import type { RuntimeContext } from '../../context.js';
import { renderList } from '../../format/output.js';
import { humanSize } from '../../format/units.js';
import { summaries } from '../../container/list.js';
import { imagesDiskUsage, type UsageLine } from '../../images/usage.js';
import { cacheUsage } from '../../build/prune.js';
import { StatePaths } from '../../state/paths.js';
import { directorySize, volumeStore } from '../../volumes/store.js';
import { volumeUsers } from '../../volumes/usage.js';

export interface DiskUsageOptions {
  format?: string;
}

/** One row of `system df --format '{{json .}}'` (docker/cli's diskUsage*Context), sizes as it shows them. */
export interface DiskUsageRow {
  Active: string;
  Reclaimable: string;
  Size: string;
  TotalCount: string;
  Type: string;
}

/** docker/cli's diskUsage*Context: its fields in `{{json .}}` order (sorted). */
function row(type: string, u: UsageLine, percent = true): DiskUsageRow {
  // units.HumanSize: four significant digits.
  const reclaimable =
    percent && u.size > 0
      ? `${humanSize(u.reclaimable, 4)} (${Math.floor((u.reclaimable * 100) / u.size)}%)`
      : humanSize(u.reclaimable, 4);
  return {
    Active: String(u.active),
    Reclaimable: reclaimable,
    Size: humanSize(u.size, 4),
    TotalCount: String(u.total),
    Type: type,
  };
}

async function containersUsage(ctx: RuntimeContext): Promise<{ line: UsageLine; images: Set<string> }> {
  const rows = await summaries(ctx);
  const client = await ctx.client();
  const line: UsageLine = { total: rows.length, active: 0, size: 0, reclaimable: 0 };
  const images = new Set<string>();
  await Promise.all(
    rows.map(async (r) => {
      images.add(r.record.imageId);
      // SizeRw, as `ps -s` shows it: the container's own snapshot.
      const size = await client.snapshots.usage(r.id).then(
        (u) => Number(u.size),
        () => 0,
      );
      const running = ['running', 'paused', 'restarting'].includes(r.state.status);
      line.size += size;
      if (running) line.active += 1;
      else line.reclaimable += size;
    }),
  );
  return { line, images };
}

async function volumesUsage(ctx: RuntimeContext): Promise<UsageLine> {
  // As moby's LocalVolumesSize: volumes with a device of their own hold nothing local.
  const vols = volumeStore(ctx)
    .list()
    .filter((v) => !v.Options);
  const users = volumeUsers(new StatePaths(ctx.stateDir));
  const line: UsageLine = { total: vols.length, active: 0, size: 0, reclaimable: 0 };
  for (const v of vols) {
    const size = await directorySize(v.Mountpoint);
    line.size += size;
    if ((users.get(v.Name) ?? []).length > 0) line.active += 1;
    else line.reclaimable += size;
  }
  return line;
}

/** Images, containers, local volumes and build cache, measured now: the rows `system df` prints. */
export async function diskUsageRows(ctx: RuntimeContext): Promise<DiskUsageRow[]> {
  const [containers, volumes, client] = await Promise.all([
    containersUsage(ctx),
    volumesUsage(ctx),
    ctx.client(),
  ]);
  const [images, cache] = await Promise.all([imagesDiskUsage(client, containers.images), cacheUsage(client)]);
  return [
    row('Images', images),
    row('Containers', containers.line),
    row('Local Volumes', volumes),
    row('Build Cache', cache, false),
  ];
}

export async function diskUsage(ctx: RuntimeContext, o: DiskUsageOptions): Promise<void> {
  const rows = await diskUsageRows(ctx);
  ctx.print(
    renderList({
      format: o.format,
      defaultTable: 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}',
      headers: {
        Type: 'TYPE',
        TotalCount: 'TOTAL',
        Active: 'ACTIVE',
        Size: 'SIZE',
        Reclaimable: 'RECLAIMABLE',
      },
      rows,
    }),
  );
}
