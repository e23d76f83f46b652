/** `network rm`: user-defined networks without endpoints; `-f` is silent about missing ones. */
import type { RuntimeContext } from '../../context.js';
import {
  ConflictError,
  NotFoundError,
  PartialFailureError,
  TsdockError,
  type Failure,
} from '../../errors.js';
import { printDone } from '../../format/done.js';
import { reconcileNetwork } from '../../network/endpoint.js';
import { NetworkStore, PREDEFINED } from '../../network/networks.js';
import { destroyNetwork, usedNetworks } from '../../network/remove.js';

/** Removes one network, refused while a container is attached to it (compose's down calls it too). */
export async function removeNetwork(ctx: RuntimeContext, ref: string): Promise<void> {
  const n = await new NetworkStore(ctx).find(ref);
  if (PREDEFINED.includes(n.Name)) {
    throw new ConflictError(
      `Error response from daemon: ${n.Name} is a pre-defined network and cannot be removed`,
    );
  }
  await reconcileNetwork(ctx);
  if ((await usedNetworks(ctx)).has(n.Id)) {
    throw new ConflictError(
      `Error response from daemon: error while removing network: network ${n.Name} id ${n.Id} has active endpoints`,
    );
  }
  await destroyNetwork(ctx, n);
}

/**
 * Removes each network; returns those removed, as typed (PartialFailureError if any failed).
 * `force`: a missing network is skipped without a word, as Docker's.
 */
export async function removeNetworks(ctx: RuntimeContext, refs: string[], force: boolean): Promise<string[]> {
  const done: string[] = [];
  const failures: Failure[] = [];
  for (const ref of refs) {
    try {
      await removeNetwork(ctx, ref);
      done.push(ref);
    } catch (err) {
      if (force && err instanceof NotFoundError) continue;
      if (!(err instanceof TsdockError)) throw err;
      failures.push({ ref, error: err });
    }
  }
  if (failures.length > 0) throw new PartialFailureError(failures, done);
  return done;
}

export function networkRemove(ctx: RuntimeContext, refs: string[], force: boolean): Promise<void> {
  return printDone(ctx, removeNetworks(ctx, refs, force));
}
