/** `network inspect`: Docker's network document, with the containers attached to each network. */
import type { RuntimeContext } from '../../context.js';
import { NotFoundError, PartialFailureError } from '../../errors.js';
import { renderInspect } from '../../format/output.js';
import { allEndpoints, type EndpointRecord } from '../../network/endpoint.js';
import { NetworkStore, type NetworkRecord } from '../../network/networks.js';

function inspectShape(n: NetworkRecord, eps: EndpointRecord[]): Record<string, unknown> {
  const containers: Record<string, unknown> = {};
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

export async function networkInspect(ctx: RuntimeContext, refs: string[], format?: string): Promise<void> {
  const store = new NetworkStore(ctx);
  const [eps] = await Promise.all([allEndpoints(ctx), store.list()]);
  const found: Record<string, unknown>[] = [];
  const errors: string[] = [];
  for (const ref of refs) {
    try {
      found.push(inspectShape(await store.find(ref), eps));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      errors.push(err.message);
    }
  }
  ctx.stdio.stdout.write(renderInspect(found, format));
  if (errors.length > 0) {
    for (const e of errors) ctx.stdio.stderr.write(`${e}\n`);
    throw new PartialFailureError();
  }
}
