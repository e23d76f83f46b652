/** `docker diff`: the changes of the container's writable layer (container/diff.ts), `A`/`C`/`D path`. */
import type { RuntimeContext } from '../../context.js';
import { DaemonError } from '../../errors.js';
import { mountOption } from '../../container/rootfs.js';
import { mountPoints, overlayChanges, type Change } from '../../container/diff.js';
import { findContainer } from '../../container/store.js';

async function containerChanges(ctx: RuntimeContext, ref: string): Promise<Change[]> {
  const found = await findContainer(ctx, ref);
  const client = await ctx.client();
  const mounts = await client.snapshots.mounts(found.container.snapshotKey || found.id);
  const m = mounts[0];
  const upper = m && m.type === 'overlay' ? mountOption(m, 'upperdir') : undefined;
  if (!m || (m.type === 'overlay' && !upper)) {
    throw new DaemonError(`Error response from daemon: cannot read the changes of container ${ref}`);
  }
  if (m.type !== 'overlay') {
    // A snapshot without parents is a plain directory: everything in it was added.
    return overlayChanges(m.source, []);
  }
  const lowers = (mountOption(m, 'lowerdir') ?? '').split(':').filter(Boolean);
  return overlayChanges(upper!, lowers, mountPoints(found.container.spec));
}

export async function diffCommand(ctx: RuntimeContext, ref: string): Promise<void> {
  const changes = await containerChanges(ctx, ref);
  ctx.stdio.stdout.write(changes.map((c) => `${c.kind} ${c.path}\n`).join(''));
}
