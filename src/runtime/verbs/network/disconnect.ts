/** `network disconnect`: a network joined by `network connect`. */
import type { RuntimeContext } from '../../context.js';
import { ConflictError, RequestError } from '../../errors.js';
import { findContainer } from '../../container/store.js';
import { teardownExtra } from '../../network/endpoint.js';
import { NetworkStore } from '../../network/networks.js';
import { withLock } from '../../state/lock.js';

export async function networkDisconnect(ctx: RuntimeContext, netRef: string, ctrRef: string): Promise<void> {
  const found = await findContainer(ctx, ctrRef);
  const net = await new NetworkStore(ctx).find(netRef);
  await withLock(found.files.dir, async () => {
    const r = (await found.files.readRecord()) ?? found.record;
    const extras = r.extraNetworks ?? [];
    if (!extras.some((e) => e.name === net.Name)) {
      if (r.networkMode === net.Name) {
        throw new RequestError(
          "tsdock: disconnecting a container from the network it was created on is not supported (only networks joined with 'network connect')",
        );
      }
      throw new ConflictError(
        `Error response from daemon: container ${found.id} is not connected to network ${net.Name}`,
      );
    }
    r.extraNetworks = extras.filter((e) => e.name !== net.Name);
    await found.files.writeRecord(r);
  });
  await teardownExtra(ctx, found.id, net.Id);
}
