/** `network inspect`: Docker's network document, with the containers attached to each network. */
import type { RuntimeContext } from '../../context.js';
import type { NetworkInspect } from '../../docker-types.js';
import { NotFoundError, PartialFailureError, type Failure } from '../../errors.js';
import { renderInspect } from '../../format/output.js';
import { allEndpoints, type EndpointRecord } from '../../network/endpoint.js';
import { NetworkStore, type NetworkRecord } from '../../network/networks.js';

/** A network's document (GET /networks/{id}), `eps` being every endpoint there is. */
export function networkDocument(n: NetworkRecord, eps: EndpointRecord[]): NetworkInspect {
  const containers: NetworkInspect['Containers'] = {};
  for (const e of eps
    .filter((x) => x.network.id === n.Id)
    .sort((a, b) => (a.containerId < b.containerId ? -1 : 1))) {
    containers[e.containerId] = {
      Name: e.containerName,
      EndpointID: e.endpointId,
      MacAddress: e.mac,
      IPv4Address: `${e.ip}/${e.prefix}`,
      IPv6Address: '',
    };
  }
  return {
    Name: n.Name,
    Id: n.Id,
    Created: n.Created,
    Scope: n.Scope,
    Driver: n.Driver,
    EnableIPv6: n.EnableIPv6,
    IPAM: n.IPAM,
    Internal: n.Internal,
    Attachable: n.Attachable,
    Ingress: n.Ingress,
    ConfigFrom: n.ConfigFrom,
    ConfigOnly: n.ConfigOnly,
    Containers: containers,
    Options: n.Options,
    Labels: n.Labels,
  };
}

/** One network's document by name, id or id prefix (NotFoundError otherwise). */
export async function inspectNetwork(ctx: RuntimeContext, ref: string): Promise<NetworkInspect> {
  const [eps, net] = await Promise.all([allEndpoints(ctx), new NetworkStore(ctx).find(ref)]);
  return networkDocument(net, eps);
}

export async function networkInspect(ctx: RuntimeContext, refs: string[], format?: string): Promise<void> {
  const store = new NetworkStore(ctx);
  const [eps] = await Promise.all([allEndpoints(ctx), store.list()]);
  const found: NetworkInspect[] = [];
  const failures: Failure[] = [];
  for (const ref of refs) {
    try {
      found.push(networkDocument(await store.find(ref), eps));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      failures.push({ ref, error: err });
    }
  }
  ctx.stdio.stdout.write(renderInspect(found, format));
  if (failures.length > 0) throw new PartialFailureError(failures);
}
