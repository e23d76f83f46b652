/** `network ls`: Docker's rows, filtered as Docker filters them. */
import { parseFilterArgs } from '../../opts/filters.js';
import type { RuntimeContext } from '../../context.js';
import { renderList } from '../../format/output.js';
import { goTime } from '../../format/ps.js';
import { NetworkStore, PREDEFINED } from '../../network/networks.js';
import { usedNetworks } from '../../network/remove.js';
import { allEndpoints } from '../../network/endpoint.js';
import type { NetworkInspect } from '../../docker-types.js';
import { networkDocument } from './inspect.js';

export interface NetworkListOptions {
  quiet: boolean;
  noTrunc: boolean;
  format?: string;
  filters: string[];
}

const LS_FILTERS = new Set(['driver', 'id', 'label', 'name', 'scope', 'type', 'dangling']);

/** The networks `network ls` shows (all, or those the filters select), as their inspect documents. */
export async function listNetworks(ctx: RuntimeContext, filters: string[]): Promise<NetworkInspect[]> {
  let nets = await new NetworkStore(ctx).list();
  const used = filters.some((f) => f.startsWith('dangling=')) ? await usedNetworks(ctx) : new Set<string>();
  const byKey = parseFilterArgs(filters, LS_FILTERS);
  nets = nets.filter((n) => {
    for (const [k, vals] of byKey) {
      const any = (p: (v: string) => boolean) => vals.some(p);
      if (k === 'driver' && !any((v) => n.Driver === v)) return false;
      if (k === 'id' && !any((v) => n.Id.startsWith(v))) return false;
      if (k === 'name' && !any((v) => n.Name.includes(v))) return false;
      if (k === 'scope' && !any((v) => v === 'local')) return false;
      if (k === 'type' && !any((v) => (v === 'builtin') === PREDEFINED.includes(n.Name))) return false;
      if (
        k === 'dangling' &&
        !any((v) => (v === 'true' || v === '1') === (!used.has(n.Id) && !PREDEFINED.includes(n.Name)))
      )
        return false;
      if (k === 'label') {
        for (const v of vals) {
          const eq = v.indexOf('=');
          if (eq < 0 ? !(v in n.Labels) : n.Labels[v.slice(0, eq)] !== v.slice(eq + 1)) return false;
        }
      }
    }
    return true;
  });
  const eps = await allEndpoints(ctx);
  return nets.map((n) => networkDocument(n, eps));
}

export async function networkList(ctx: RuntimeContext, o: NetworkListOptions): Promise<void> {
  const nets = await listNetworks(ctx, o.filters);
  const rows = nets.map((n) => ({
    CreatedAt: goTime(new Date(n.Created)),
    Driver: n.Driver,
    ID: o.noTrunc ? n.Id : n.Id.slice(0, 12),
    IPv4: 'true',
    IPv6: String(n.EnableIPv6),
    Internal: String(n.Internal),
    Labels: Object.entries(n.Labels)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    Name: n.Name,
    Scope: n.Scope,
  }));
  ctx.stdio.stdout.write(
    renderList({
      format: o.format,
      quiet: o.quiet,
      typeName: '*network.networkContext',
      customFormatOverQuiet: true,
      defaultTable: 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}',
      headers: { ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', CreatedAt: 'CREATED AT' },
      rows,
    }),
  );
}
