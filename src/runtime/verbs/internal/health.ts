/**
 * `tsdock internal health ID`: one healthcheck probe, run by the container's monitor (tsdock-mon)
 * at each due time; its exit status tells the monitor the status the probe left (see
 * container/health.ts HEALTH_EXIT).
 */
import type { RuntimeContext } from '../../context.js';
import { ContainerExit } from '../../errors.js';
import { runHealthProbe } from '../../container/health.js';

export async function onHealthProbe(ctx: RuntimeContext, id: string): Promise<void> {
  const status = await runHealthProbe(ctx, id);
  if (status !== 0) throw new ContainerExit(status);
}
