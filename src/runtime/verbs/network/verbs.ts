/** The runtime side of `network …`, `port` and `system prune`; each command calls one of these. */
import type { RuntimeContext } from '../../context.js';
import {
  ConflictError,
  NotFoundError,
  PartialFailureError,
  RequestError,
  TsdockError,
  UsageError,
} from '../../errors.js';
import { renderInspect, renderList } from '../../format/output.js';
import { goTime } from '../../format/ps.js';
import { formatCidr, intToIp, ipToInt, contains, isIPv4, parseCidr } from '../../network/addr.js';
import {
  allEndpoints,
  ensureNetworkUp,
  readEndpoint,
  reconcileNetwork,
  teardownExtra,
  type EndpointRecord,
} from '../../network/endpoint.js';
import { chainsFor, removeChains } from '../../network/iptables.js';
import { forgetFirewallLayout, removeNetworkRules } from '../../network/firewall.js';
import { validateAlias } from '../../opts/names.js';
import { deleteLink, linkExists } from '../../network/links.js';
import {
  base,
  BRIDGE_NAME_OPTION,
  bridgeOf,
  NetworkStore,
  PREDEFINED,
  type NetworkRecord,
} from '../../network/networks.js';
import { portLines } from '../../network/ports.js';

export async function portCommand(ctx: RuntimeContext, ref: string, port?: string): Promise<void> {
  const { findContainer } = await import('../../container/store.js');
  const found = await findContainer(ctx, ref);
  const [ep, state] = await Promise.all([readEndpoint(ctx, found.id), found.files.readState()]);
  const running = state.status === 'running' || state.status === 'paused';
  if (port !== undefined) {
    const num = port.split('/')[0]!;
    if (!/^\d+$/.test(num) || Number(num) > 65535) {
      throw new RequestError(
        `Error: invalid port (${num}): strconv.ParseUint: parsing "${num}": invalid syntax`,
      );
    }
  }
  const lines = portLines(running ? (ep?.ports ?? []) : [], port);
  if (lines === null) throw new RequestError(`Error: No public port '${port}' published for ${ref}`);
  if (lines.length > 0) ctx.stdio.stdout.write(lines.join('\n') + '\n');
}

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
  ctx.stdio.stdout.write(`${created.Id}\n`);
}

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
  const byKey = new Map<string, string[]>();
  for (const f of o.filters) {
    const eq = f.indexOf('=');
    if (eq <= 0) {
      throw new UsageError(
        `invalid argument "${f}" for "-f, --filter" flag: bad format of filter (expected name=value)`,
      );
    }
    const k = f.slice(0, eq).toLowerCase();
    if (!LS_FILTERS.has(k)) throw new RequestError(`Error response from daemon: invalid filter '${k}'`);
    byKey.set(k, [...(byKey.get(k) ?? []), f.slice(eq + 1)]);
  }
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

/** Networks with a container attached right now (an endpoint exists). */
async function usedNetworks(ctx: RuntimeContext): Promise<Set<string>> {
  return new Set((await allEndpoints(ctx)).map((e) => e.network.id));
}

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

/** Bridge, rules and record of a user-defined network. */
async function destroyNetwork(ctx: RuntimeContext, n: NetworkRecord): Promise<void> {
  await removeNetworkRules(ctx, n);
  if (linkExists(bridgeOf(n))) await deleteLink(bridgeOf(n));
  await new NetworkStore(ctx).remove(n.Id);
}

async function removeOne(ctx: RuntimeContext, store: NetworkStore, ref: string): Promise<void> {
  const n = await store.find(ref);
  if (PREDEFINED.includes(n.Name)) {
    throw new ConflictError(
      `Error response from daemon: ${n.Name} is a pre-defined network and cannot be removed`,
    );
  }
  await reconcileNetwork(ctx);
  if ((await usedNetworks(ctx)).has(n.Id)) {
    throw new ConflictError(
      `Error response from daemon: error while removing network: network ${n.Name} id ${n.Id} has active endpoints`,
    );
  }
  await destroyNetwork(ctx, n);
}

export async function networkRemove(ctx: RuntimeContext, refs: string[], force: boolean): Promise<void> {
  const store = new NetworkStore(ctx);
  let failed = false;
  for (const ref of refs) {
    try {
      await removeOne(ctx, store, ref);
      ctx.stdio.stdout.write(`${ref}\n`);
    } catch (err) {
      if (force && err instanceof NotFoundError) continue;
      if (!(err instanceof TsdockError)) throw err;
      failed = true;
      ctx.stdio.stderr.write(`${err.message}\n`);
    }
  }
  if (failed) throw new PartialFailureError();
}

async function confirm(ctx: RuntimeContext, warning: string): Promise<boolean> {
  ctx.stdio.stdout.write(`${warning}\nAre you sure you want to continue? [y/N] `);
  const line = await new Promise<string>((resolve) => {
    let buf = '';
    const stdin = ctx.stdio.stdin;
    const onData = (d: Buffer | string) => {
      buf += d.toString();
      if (buf.includes('\n')) done();
    };
    const done = () => {
      stdin.removeListener('data', onData);
      stdin.removeListener('end', done);
      if ('pause' in stdin) stdin.pause();
      resolve(buf.split('\n')[0] ?? '');
    };
    stdin.on('data', onData);
    stdin.on('end', done);
  });
  return /^\s*y(es)?\s*$/i.test(line);
}

async function pruneNetworks(ctx: RuntimeContext): Promise<string[]> {
  const store = new NetworkStore(ctx);
  await reconcileNetwork(ctx);
  const used = await usedNetworks(ctx);
  const removed: string[] = [];
  for (const n of await store.list()) {
    if (PREDEFINED.includes(n.Name) || used.has(n.Id)) continue;
    await destroyNetwork(ctx, n);
    removed.push(n.Name);
  }
  return removed;
}

export async function networkPrune(ctx: RuntimeContext, force: boolean): Promise<void> {
  if (
    !force &&
    !(await confirm(ctx, 'WARNING! This will remove all custom networks not used by at least one container.'))
  ) {
    return;
  }
  const removed = await pruneNetworks(ctx);
  if (removed.length > 0) ctx.stdio.stdout.write(`Deleted Networks:\n${removed.join('\n')}\n`);
}

/**
 * `system prune`: stopped containers, unused networks, and whatever a killed tsdock left in the
 * kernel and in the network state (reconcile).
 */
export async function systemPrune(ctx: RuntimeContext, force: boolean): Promise<void> {
  const warning =
    'WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n' +
    '  - all dangling images\n  - unused build cache\n';
  if (!force && !(await confirm(ctx, warning))) return;
  const { summaries } = await import('../../container/list.js');
  const { removeContainer } = await import('../../container/remove.js');
  const { findContainer } = await import('../../container/store.js');
  const stopped = (await summaries(ctx)).filter((r) =>
    ['exited', 'created', 'dead'].includes(r.state.status),
  );
  const deleted: string[] = [];
  for (const r of stopped) {
    try {
      await removeContainer(ctx, await findContainer(ctx, r.id), { force: false });
      deleted.push(r.id);
    } catch {
      /* started meanwhile, or already gone */
    }
  }
  const networks = await pruneNetworks(ctx);
  let out = '';
  if (deleted.length > 0) out += `Deleted Containers:\n${deleted.join('\n')}\n\n`;
  if (networks.length > 0) out += `Deleted Networks:\n${networks.join('\n')}\n\n`;
  // Docker's system prune also removes the dangling build cache (build/prune.ts).
  const { pruneCache } = await import('../build/prune.js');
  const cache = await pruneCache(await ctx.client(), { all: false });
  if (cache.removed.length > 0)
    out += `Deleted build cache objects:\n${cache.removed.map((r) => r.key.slice(7, 32)).join('\n')}\n\n`;
  const { humanSize } = await import('../format/units.js');
  out += `Total reclaimed space: ${humanSize(cache.reclaimed)}\n`;
  ctx.stdio.stdout.write(out);
}

/**
 * `tsdock internal network-reset`: removes this instance's default bridge, its rules and chains
 * once no endpoint is left (the test suite's cleanup of its own bridge).
 */
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

export interface ConnectOptions {
  aliases: string[];
  ip?: string;
}

const cannotJoin = () =>
  new ConflictError(
    'Error response from daemon: container sharing network namespace with another container or host cannot be connected to any other network',
  );

/** `network connect`: recorded for every later start, and set up now if the container runs. */
export async function networkConnect(
  ctx: RuntimeContext,
  netRef: string,
  ctrRef: string,
  o: ConnectOptions,
): Promise<void> {
  const { findContainer } = await import('../../container/store.js');
  const { connectExtra } = await import('../../network/container.js');
  const { withLock } = await import('../../state/lock.js');
  for (const a of o.aliases) validateAlias(a, 'alias');
  const found = await findContainer(ctx, ctrRef);
  const net = await new NetworkStore(ctx).find(netRef);
  if (!found.record.netns || net.Driver !== 'bridge') throw cannotJoin();
  if (o.ip && !isIPv4(o.ip)) throw new RequestError(`invalid IPv4 address: ${o.ip}`);
  if (o.ip && net.Name === 'bridge') {
    throw new RequestError(
      'Error response from daemon: user specified IP address is supported on user defined networks only',
    );
  }
  const entry = { name: net.Name, aliases: o.aliases, ...(o.ip ? { ip: o.ip } : {}) };
  const record = await withLock(found.files.dir, async () => {
    const r = (await found.files.readRecord()) ?? found.record;
    const extras = r.extraNetworks ?? [];
    if (r.networkMode === net.Name || extras.some((e) => e.name === net.Name)) {
      throw new ConflictError(
        `Error response from daemon: endpoint with name ${r.name} already exists in network ${net.Name}`,
      );
    }
    r.extraNetworks = [...extras, entry];
    await found.files.writeRecord(r);
    return r;
  });
  const state = await found.files.readState();
  if (state.status !== 'running' && state.status !== 'paused') return;
  try {
    await connectExtra(ctx, { id: found.id, dir: found.files.dir, record }, entry);
  } catch (err) {
    await withLock(found.files.dir, async () => {
      const r = (await found.files.readRecord()) ?? record;
      r.extraNetworks = (r.extraNetworks ?? []).filter((e) => e.name !== net.Name);
      await found.files.writeRecord(r);
    });
    throw err;
  }
}

/** `network disconnect`: a network joined by `network connect`. */
export async function networkDisconnect(ctx: RuntimeContext, netRef: string, ctrRef: string): Promise<void> {
  const { findContainer } = await import('../../container/store.js');
  const { withLock } = await import('../../state/lock.js');
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
