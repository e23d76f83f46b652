/**
 * `tsdock internal network-reset`: removes this instance's default bridge, its rules and chains
 * once no endpoint is left (the test suite's cleanup of its own bridge).
 */
import type { RuntimeContext } from '../../context.js';
import { ConflictError } from '../../errors.js';
import { allEndpoints, reconcileNetwork } from '../../network/endpoint.js';
import { forgetFirewallLayout, removeNetworkRules } from '../../network/firewall.js';
import { chainsFor, removeChains } from '../../network/iptables.js';
import { deleteLink, linkExists } from '../../network/links.js';
import { bridgeOf, NetworkStore } from '../../network/networks.js';
import { pruneNetworks } from '../../network/remove.js';

export async function networkReset(ctx: RuntimeContext): Promise<void> {
  await reconcileNetwork(ctx);
  if ((await allEndpoints(ctx)).length > 0) throw new ConflictError('network endpoints are still in use');
  await pruneNetworks(ctx);
  const store = new NetworkStore(ctx);
  const bridge = (await store.list()).find((n) => n.Name === 'bridge');
  if (bridge) {
    await removeNetworkRules(ctx, bridge);
    if (linkExists(bridgeOf(bridge))) await deleteLink(bridgeOf(bridge));
  }
  await removeChains(chainsFor(ctx.config.bridge));
  await forgetFirewallLayout(ctx);
}
