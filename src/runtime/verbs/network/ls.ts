/** `network ls`: Docker's rows, filtered as Docker filters them. */
import { parseFilterArgs } from '../../opts/filters.js';
import type { RuntimeContext } from '../../context.js';
import { renderList } from '../../format/output.js';
import { goTime } from '../../format/ps.js';
import { NetworkStore, PREDEFINED } from '../../network/networks.js';
import { usedNetworks } from '../../network/remove.js';

export interface NetworkListOptions {
  quiet: boolean;
  noTrunc: boolean;
  format?: string;
  filters: string[];
}

const LS_FILTERS = new Set(['driver', 'id', 'label', 'name', 'scope', 'type', 'dangling']);

export async function networkList(ctx: RuntimeContext, o: NetworkListOptions): Promise<void> {
  let nets = await new NetworkStore(ctx).list();
  const used = o.filters.some((f) => f.startsWith('dangling=')) ? await usedNetworks(ctx) : new Set<string>();
  const byKey = parseFilterArgs(o.filters, LS_FILTERS);
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
      defaultTable: 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}',
      headers: { ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', CreatedAt: 'CREATED AT' },
      rows,
    }),
  );
}
