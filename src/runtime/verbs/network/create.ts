/** `network create`: a bridge network with Docker's checks, its subnet from the free pool unless given. */
import type { RuntimeContext } from '../../context.js';
import { networkBuilder, type NetworkCreateOptions } from '../../network/define.js';
import { ensureNetworkUp } from '../../network/endpoint.js';
import { NetworkStore, type NetworkRecord } from '../../network/networks.js';
import { destroyNetwork } from '../../network/remove.js';
import { recordNetworkEvent } from '../../events/record.js';

export type { NetworkCreateOptions };

export async function networkCreate(ctx: RuntimeContext, o: NetworkCreateOptions): Promise<void> {
  const created = await createNetwork(ctx, o);
  ctx.stdio.stdout.write(`${created.Id}\n`);
}

/** The network made and up (bridge, rules), returned rather than printed (compose's up calls it too). */
export async function createNetwork(ctx: RuntimeContext, o: NetworkCreateOptions): Promise<NetworkRecord> {
  const store = new NetworkStore(ctx);
  const created = await store.create(networkBuilder(store, o));
  try {
    await ensureNetworkUp(ctx, created);
  } catch (err) {
    await destroyNetwork(ctx, created);
    throw err;
  }
  await recordNetworkEvent(ctx, 'create', { id: created.Id, name: created.Name, driver: created.Driver });
  return created;
}
