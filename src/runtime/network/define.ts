/**
 * A new bridge network from `network create`'s options (compose's networks too): Docker's checks,
 * then the record — its subnet from the free pool unless given. One builder serves the real
 * creation (under the store's lock) and a dry run's preview (nothing written), so both choose the
 * same subnet, gateway and bridge.
 */
import type { RuntimeContext } from '../context.js';
import { ConflictError, RequestError } from '../errors.js';
import { contains, formatCidr, intToIp, ipToInt, parseCidr } from './addr.js';
import {
  base,
  BRIDGE_NAME_OPTION,
  bridgeOf,
  checkBridgeOptions,
  NetworkStore,
  PREDEFINED,
  type NetworkBuilder,
  type NetworkRecord,
} from './networks.js';

export interface NetworkCreateOptions {
  name: string;
  driver: string;
  subnet: string[];
  gateway: string[];
  ipRange: string[];
  internal: boolean;
  labels: string[];
  options: string[];
  ipv6: boolean;
}

/** `network create NAME` with no flags: a bridge on the free pool; `over` sets what a caller gives. */
export function networkOptions(
  name: string,
  over: Partial<Omit<NetworkCreateOptions, 'name'>> = {},
): NetworkCreateOptions {
  return {
    name,
    driver: 'bridge',
    subnet: [],
    gateway: [],
    ipRange: [],
    internal: false,
    labels: [],
    options: [],
    ipv6: false,
    ...over,
  };
}

/** Where the free pool of user networks starts (the default bridge's is 10.4.0.0). */
const USER_POOL = 0x0a050000;

function kv(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of list) {
    const eq = e.indexOf('=');
    if (eq < 0) out[e] = '';
    else out[e.slice(0, eq)] = e.slice(eq + 1);
  }
  return out;
}

/**
 * The options checked as the daemon checks them (before anything is made or looked at), and the
 * builder that makes the record from the networks there are.
 */
export function networkBuilder(store: NetworkStore, o: NetworkCreateOptions): NetworkBuilder {
  if ((o.gateway.length > 0 || o.ipRange.length > 0) && o.subnet.length === 0) {
    throw new RequestError('every ip-range or gateway must have a corresponding subnet');
  }
  if (o.subnet.length > 1 || o.gateway.length > 1 || o.ipRange.length > 1) {
    throw new RequestError('tsdock: only one subnet, gateway and ip-range per network are supported');
  }
  if (o.driver !== 'bridge')
    throw new RequestError(`Error response from daemon: plugin "${o.driver}" not found`);
  if (o.ipv6) throw new RequestError('Error response from daemon: tsdock: IPv6 networks are not supported');
  if (PREDEFINED.includes(o.name)) {
    throw new RequestError(
      `Error response from daemon: operation is not permitted on predefined ${o.name} network `,
    );
  }
  // libnetwork's NewNetwork: only a blank name is refused (spaces, slashes… are Docker names too).
  if (o.name.trim() === '') throw new RequestError('Error response from daemon: invalid name: name is empty');
  const rec = base(o.name, 'bridge');
  rec.Internal = o.internal;
  rec.Labels = kv(o.labels);
  rec.Options = kv(o.options);
  const bridgeName = rec.Options[BRIDGE_NAME_OPTION];
  if (
    bridgeName !== undefined &&
    (bridgeName.length === 0 || bridgeName.length > 15 || /[\s/]/.test(bridgeName))
  ) {
    throw new RequestError(`Error response from daemon: invalid bridge name: ${bridgeName}`);
  }
  checkBridgeOptions(rec.Options);
  let subnet: ReturnType<typeof parseCidr> | undefined;
  if (o.subnet[0]) {
    try {
      subnet = parseCidr(o.subnet[0]);
    } catch {
      throw new RequestError(
        `Error response from daemon: Invalid subnet ${o.subnet[0]} : invalid CIDR address: ${o.subnet[0]}`,
      );
    }
  }
  return async (existing) => {
    if (bridgeName && existing.some((n) => bridgeOf(n) === bridgeName)) {
      throw new ConflictError(`Error response from daemon: bridge name ${bridgeName} is already in use`);
    }
    const s = subnet ?? (await store.freeSubnet(existing, USER_POOL));
    let gateway = intToIp(s.base + 1);
    if (o.gateway[0]) {
      let g: number;
      try {
        g = ipToInt(o.gateway[0]);
      } catch {
        throw new RequestError(`Error response from daemon: invalid gateway address ${o.gateway[0]}`);
      }
      if (!contains(s, g)) {
        throw new RequestError(`Error response from daemon: no matching subnet for gateway ${o.gateway[0]}`);
      }
      gateway = o.gateway[0];
    }
    const cfg: NetworkRecord['IPAM']['Config'][number] = { Subnet: formatCidr(s), Gateway: gateway };
    if (o.ipRange[0]) {
      let r;
      try {
        r = parseCidr(o.ipRange[0]);
      } catch {
        throw new RequestError(
          `Error response from daemon: Invalid subnet ${o.ipRange[0]} : invalid CIDR address: ${o.ipRange[0]}`,
        );
      }
      if (!contains(s, r.base) || r.prefix < s.prefix) {
        throw new RequestError(`Error response from daemon: no matching subnet for range ${o.ipRange[0]}`);
      }
      cfg.IPRange = formatCidr(r);
    }
    rec.IPAM.Config = [cfg];
    return rec;
  };
}

/**
 * The record `network create` would make now, made by nothing: a dry run's network. `planned` are
 * the networks the same dry run planned before (they count as existing, as they would by then).
 * Its Id — and the bridge name `br-<id>` taken from it — is drawn again at the real creation.
 */
export async function previewNetwork(
  ctx: RuntimeContext,
  o: NetworkCreateOptions,
  planned: NetworkRecord[],
): Promise<NetworkRecord> {
  const store = new NetworkStore(ctx, true, planned);
  return store.preview(networkBuilder(store, o));
}
