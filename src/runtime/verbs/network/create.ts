/** `network create`: a bridge network with Docker's checks, its subnet from the free pool unless given. */
import type { RuntimeContext } from '../../context.js';
import { ConflictError, RequestError } from '../../errors.js';
import { contains, formatCidr, intToIp, ipToInt, parseCidr } from '../../network/addr.js';
import { ensureNetworkUp } from '../../network/endpoint.js';
import {
  base,
  BRIDGE_NAME_OPTION,
  bridgeOf,
  checkBridgeOptions,
  NetworkStore,
  PREDEFINED,
  type NetworkRecord,
} from '../../network/networks.js';
import { destroyNetwork } from '../../network/remove.js';
import { recordNetworkEvent } from '../../events/record.js';

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

function kv(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of list) {
    const eq = e.indexOf('=');
    if (eq < 0) out[e] = '';
    else out[e.slice(0, eq)] = e.slice(eq + 1);
  }
  return out;
}

export async function networkCreate(ctx: RuntimeContext, o: NetworkCreateOptions): Promise<void> {
  const created = await createNetwork(ctx, o);
  ctx.stdio.stdout.write(`${created.Id}\n`);
}

/** The network made and up (bridge, rules), returned rather than printed (compose's up calls it too). */
export async function createNetwork(ctx: RuntimeContext, o: NetworkCreateOptions): Promise<NetworkRecord> {
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
  const store = new NetworkStore(ctx);
  const created = await store.create(async (existing) => {
    if (bridgeName && existing.some((n) => bridgeOf(n) === bridgeName)) {
      throw new ConflictError(`Error response from daemon: bridge name ${bridgeName} is already in use`);
    }
    const s = subnet ?? (await store.freeSubnet(existing, 0x0a050000));
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
  });
  try {
    await ensureNetworkUp(ctx, created);
  } catch (err) {
    await destroyNetwork(ctx, created);
    throw err;
  }
  await recordNetworkEvent(ctx, 'create', { id: created.Id, name: created.Name, driver: created.Driver });
  return created;
}
