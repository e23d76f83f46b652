/** Removing user-defined networks: one (its bridge, rules and record), or every unused one. */
import type { RuntimeContext } from '../context.js';
import { pruneMatches, type PruneFilter } from '../opts/prune-filters.js';
import { recordNetworkEvent, recordTypePrune } from '../events/record.js';
import { allEndpoints, reconcileNetwork } from './endpoint.js';
import { removeNetworkRules } from './firewall.js';
import { deleteLink, linkExists } from './links.js';
import { bridgeOf, NetworkStore, PREDEFINED, type NetworkRecord } from './networks.js';

/** Bridge, rules and record of a user-defined network. */
export async function destroyNetwork(ctx: RuntimeContext, n: NetworkRecord): Promise<void> {
  await removeNetworkRules(ctx, n);
  if (linkExists(bridgeOf(n))) await deleteLink(bridgeOf(n));
  await new NetworkStore(ctx).remove(n.Id);
  await recordNetworkEvent(ctx, 'destroy', { id: n.Id, name: n.Name, driver: n.Driver });
}

/** Networks with a container attached right now (an endpoint exists). */
export async function usedNetworks(ctx: RuntimeContext): Promise<Set<string>> {
  return new Set((await allEndpoints(ctx)).map((e) => e.network.id));
}

/**
 * Every user-defined network without an endpoint that the filter lets go, after reconciling what a
 * killed tsdock left; their names.
 */
export async function pruneNetworks(ctx: RuntimeContext, filter?: PruneFilter): Promise<string[]> {
  const store = new NetworkStore(ctx);
  await reconcileNetwork(ctx);
  const used = await usedNetworks(ctx);
  const removed: string[] = [];
  for (const n of await store.list()) {
    if (PREDEFINED.includes(n.Name) || used.has(n.Id)) continue;
    if (filter && !pruneMatches(filter, Date.parse(n.Created), n.Labels)) continue;
    await destroyNetwork(ctx, n);
    removed.push(n.Name);
  }
  // dockerd logs one prune event per prune, networks reclaim no space.
  await recordTypePrune(ctx, 'network', 0);
  return removed;
}
