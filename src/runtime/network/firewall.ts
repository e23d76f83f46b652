/**
 * A network's iptables rules as a whole (iptables.ts has their layout): made with its bridge, and
 * once after an upgrade from an earlier layout for every network whose bridge is up, so the
 * running bridges get the isolation too. A marker file per instance says which layout its rules
 * are in; checking it is one stat on the path of every run.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RuntimeContext } from '../context.js';
import { rmNow, writeFileNow } from '../state/files.js';
import { withLock } from '../state/lock.js';
import { formatCidr } from './addr.js';
import {
  chainsFor,
  deleteRules,
  ensureRules,
  networkRules,
  obsoleteNetworkRules,
  type NetRuleInput,
} from './iptables.js';
import { linkExists } from './links.js';
import { bridgeOf, NetworkStore, networkRoot, subnetOf, type NetworkRecord } from './networks.js';

/** Bumped whenever networkRules or the chain layout changes. */
export const FIREWALL_LAYOUT = 2;

function markerPath(ctx: RuntimeContext): string {
  return join(networkRoot(ctx), `firewall-${ctx.config.bridge}.v${FIREWALL_LAYOUT}`);
}

export function ruleInput(net: NetworkRecord): NetRuleInput {
  return { bridge: bridgeOf(net), subnet: formatCidr(subnetOf(net).subnet), internal: net.Internal };
}

/** Chains, jumps, layout and this network's rules, whatever of them is missing. */
export async function ensureNetworkRules(ctx: RuntimeContext, net: NetworkRecord): Promise<void> {
  const chains = chainsFor(ctx.config.bridge);
  const n = ruleInput(net);
  await ensureRules(chains, networkRules(chains, n), obsoleteNetworkRules(chains, n));
}

/** The network's rules, of this layout and earlier ones, gone (network rm, reset). */
export async function removeNetworkRules(ctx: RuntimeContext, net: NetworkRecord): Promise<void> {
  if (!net.IPAM.Config[0]) return;
  const chains = chainsFor(ctx.config.bridge);
  const n = ruleInput(net);
  await deleteRules([...networkRules(chains, n), ...obsoleteNetworkRules(chains, n)]);
}

/** Brings the rules of every running bridge to the current layout, once per instance. */
export async function ensureFirewallLayout(ctx: RuntimeContext): Promise<void> {
  const marker = markerPath(ctx);
  if (existsSync(marker)) return;
  await withLock(join(networkRoot(ctx), 'locks', 'firewall'), async () => {
    if (existsSync(marker)) return;
    const nets = (await new NetworkStore(ctx).list()).filter(
      (n) => n.Driver === 'bridge' && n.IPAM.Config[0] && linkExists(bridgeOf(n)),
    );
    for (const net of nets) await ensureNetworkRules(ctx, net);
    await writeFileNow(marker, `${new Date().toISOString()}\n`);
  });
}

/** The instance's chains are going away (reset): the next bridge starts from the current layout. */
export async function forgetFirewallLayout(ctx: RuntimeContext): Promise<void> {
  await rmNow(markerPath(ctx), { force: true });
}
