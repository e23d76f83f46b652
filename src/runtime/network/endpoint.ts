/**
 * A container's attachment to a bridge network, from allocation to teardown. The endpoint file
 * (<data-root>/network/endpoints/<id>.json) is written before any kernel work and names everything
 * that work creates (namespace, veth, rules, lease, ports), so teardown is exact and a tsdock killed
 * half-way leaves a record the next command can undo. Teardown first renames that file away: of
 * several processes tearing the same endpoint down (exit hook, rm, reconcile), one does it.
 */
import { randomHex, sha256Hex } from '../state/ids.js';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { RuntimeContext } from '../context.js';
import { ConflictError, TsdockError } from '../errors.js';
import { pidAlive, readJson, sameProcess, tempWriterPid, writeJsonAtomic } from '../state/files.js';
import { withLock } from '../state/lock.js';
import { recordNetworkEvent, type NetworkEventSubject } from '../events/record.js';
import { formatCidr, macForIp } from './addr.js';
import { hostsFile, rewrite } from './hosts.js';
import { Ipam, PreviewClaims, readOwner } from './ipam.js';
import { ensureFirewallLayout, ensureNetworkRules, ruleInput } from './firewall.js';
import {
  chainsFor,
  deleteRules,
  iptablesRestore,
  networkRules,
  portRules,
  restoreText,
  type Rule,
} from './iptables.js';
import {
  addNetns,
  createBridge,
  hostIfName,
  linkExists,
  plugContainer,
  unplugContainer,
  type BridgeInput,
  type VethInput,
} from './links.js';
import { bridgeOf, mtuOf, networkRoot, subnetOf, type NetworkRecord } from './networks.js';
import { followEndpoint, reconcileServices } from './services.js';
import type { PortBindings, PublishedPort } from './ports.js';

import {
  containerEndpoints,
  endpointDir,
  endpointKey,
  readEndpoint,
  type EndpointRecord,
} from './records.js';

export { containerEndpoints, endpointDir, endpointKey, readEndpoint, type EndpointRecord };

async function listEndpoints(dir: string): Promise<{ file: string; ep: EndpointRecord }[]> {
  let files: string[] = [];
  try {
    files = await readdir(dir);
  } catch {
    return [];
  }
  const out = await Promise.all(
    files
      .filter((f) => f.endsWith('.json'))
      .map(async (f) => ({
        file: f,
        ep: await readJson<EndpointRecord>(join(dir, f)).catch(() => undefined),
      })),
  );
  return out.filter((x): x is { file: string; ep: EndpointRecord } => !!x.ep);
}

export async function allEndpoints(ctx: RuntimeContext): Promise<EndpointRecord[]> {
  return (await listEndpoints(endpointDir(ctx)))
    .filter((x) => !x.file.includes('.removing.'))
    .map((x) => x.ep);
}

/** Bridge, address, rules of a network: made once, by whoever needs them first. */
export async function ensureNetworkUp(ctx: RuntimeContext, net: NetworkRecord): Promise<void> {
  await ensureFirewallLayout(ctx);
  const bridge = bridgeOf(net);
  if (linkExists(bridge)) return;
  await withLock(join(networkRoot(ctx), 'locks', net.Id), async () => {
    if (linkExists(bridge)) return;
    // Rules before the bridge: no packet crosses it before its isolation is in place.
    await ensureNetworkRules(ctx, net);
    await createBridge(bridgeInput(net));
  });
}

/** The network's bridge as createBridge makes it. */
export function bridgeInput(net: NetworkRecord): BridgeInput {
  const { subnet, gateway } = subnetOf(net);
  const mtu = mtuOf(net);
  return { bridge: bridgeOf(net), gateway, prefix: subnet.prefix, ...(mtu ? { mtu } : {}) };
}

async function containerAlive(ep: EndpointRecord): Promise<boolean> {
  if (ep.pid === process.pid || pidAlive(ep.pid)) return true;
  const state = await readJson<{ status: string; monitorPid?: number; monitorStart?: number }>(
    join(ep.containerDir, 'state.json'),
  ).catch(() => undefined);
  if (!state) return false;
  return (
    ['running', 'paused', 'restarting'].includes(state.status) &&
    sameProcess(state.monitorPid, state.monitorStart)
  );
}

/**
 * Lazy crash repair, run before allocating: endpoints of containers that are gone or no longer
 * running are torn down, and leases or ports claimed by a tsdock that died before writing its
 * endpoint are released.
 */
export async function reconcileNetwork(ctx: RuntimeContext): Promise<number> {
  const dir = endpointDir(ctx);
  const eps = await listEndpoints(dir);
  // Services own their host ports under their own keys; ones whose pods are all gone go first.
  const services = await reconcileServices(ctx);
  let cleaned = services.cleaned;
  const known = new Set<string>(services.keys);
  await Promise.all(
    eps.map(async ({ file, ep }) => {
      known.add(ep.containerId);
      if (file.includes('.removing.')) {
        const pid = Number(file.split('.removing.')[1]!.replace(/\.json$/, ''));
        if (pidAlive(pid)) return;
      } else if (await containerAlive(ep)) return;
      if (await teardownFile(ctx, join(dir, file), ep)) cleaned++;
    }),
  );
  const ipam = new Ipam(networkRoot(ctx));
  const staleTemp = async (path: string): Promise<boolean> => {
    const writer = tempWriterPid(basename(path));
    if (writer === undefined) return false;
    if (!pidAlive(writer)) await rm(path, { force: true });
    return true;
  };
  const orphan = async (path: string) => {
    if (await staleTemp(path)) return;
    const owner = await readOwner(path);
    // A damaged lease stays: its address may be in use (see readOwner).
    if (owner === 'damaged' || (owner && (known.has(owner.id) || pidAlive(owner.pid)))) return;
    await rm(path, { force: true });
    cleaned++;
  };
  const sweep = async (d: string) => {
    const names = await readdir(d).catch(() => [] as string[]);
    await Promise.all(names.map((n) => orphan(join(d, n))));
  };
  const nets = await readdir(join(ipam.root, 'leases')).catch(() => [] as string[]);
  // Endpoint records are swept above; what is left there is a killed writer's temporary file.
  const endpointTemps = (await readdir(dir).catch(() => [] as string[])).map((n) => staleTemp(join(dir, n)));
  await Promise.all([sweep(ipam.portDir), ...nets.map((n) => sweep(ipam.leaseDir(n))), ...endpointTemps]);
  return cleaned;
}

export interface SetupInput {
  id: string;
  name: string;
  containerDir: string;
  net: NetworkRecord;
  netns: string;
  hostname: string;
  aliases: string[];
  ip?: string;
  mac?: string;
  bindings: PortBindings;
  extraHosts: string[];
  hostsPath: string;
  /** A further network of a container already attached to its first one (`network connect`). */
  extra?: { ifName: string };
  /**
   * Return once the address is taken and the namespace exists (what containerd needs to create the
   * task), handing the rest — veth, addresses, routes, port rules, /etc/hosts — to this callback as a
   * promise that must settle before the task starts. It undoes the endpoint itself if it fails.
   */
  deferPlumbing?: (plumbing: Promise<void>) => void;
  /** The namespace exists already, made a moment ago by the container's monitor (loopback down). */
  netnsMade?: boolean;
  /** See EndpointRecord.linkHosts and .links. */
  linkHosts?: { ip: string; names: string[] }[];
  links?: { name: string; alias: string }[];
}

/** A port that cannot be had, in the words of the daemon's endpoint programming. */
function portConflict(err: unknown, name: string, endpointId: string): unknown {
  if (err instanceof ConflictError && err.message.startsWith('Bind for')) {
    return new ConflictError(
      `Error response from daemon: driver failed programming external connectivity on endpoint ${name} ` +
        `(${endpointId}): ${err.message}`,
    );
  }
  return err;
}

/**
 * The endpoint once its address and ports are chosen: every name the kernel work will use (veth,
 * namespace), the port rules it will install, the hosts entries. A dry run builds the same record.
 */
export function endpointRecord(
  ctx: RuntimeContext,
  s: SetupInput,
  got: { endpointId: string; ip: string; ports: PublishedPort[] },
): EndpointRecord {
  const { subnet, gateway } = subnetOf(s.net);
  const key = endpointKey(s.id, s.extra ? s.net.Id : undefined);
  return {
    containerId: s.id,
    containerName: s.name,
    containerDir: s.containerDir,
    pid: process.pid,
    endpointId: got.endpointId,
    network: {
      id: s.net.Id,
      name: s.net.Name,
      bridge: bridgeOf(s.net),
      subnet: formatCidr(subnet),
      gateway,
      internal: s.net.Internal,
      ...(mtuOf(s.net) ? { mtu: mtuOf(s.net) } : {}),
    },
    ip: got.ip,
    prefix: subnet.prefix,
    mac: s.mac ?? macForIp(got.ip),
    netns: s.netns,
    hostIf: s.extra ? hostIfName(sha256Hex(key)) : hostIfName(s.id),
    ports: got.ports,
    rules: portRules(chainsFor(ctx.config.bridge), s.id, got.ip, got.ports),
    dnsNames: [...new Set([s.name, ...s.aliases, s.hostname, s.id.slice(0, 12)])],
    hostsPath: s.hostsPath,
    hostname: s.hostname,
    extraHosts: s.extraHosts.map((h) => h.replace(/:host-gateway$/, `:${gateway}`)),
    ifName: s.extra?.ifName ?? 'eth0',
    ...(s.extra ? { extra: true } : {}),
    ...(s.linkHosts?.length ? { linkHosts: s.linkHosts } : {}),
    ...(s.links?.length ? { links: s.links } : {}),
  };
}

/**
 * The veth pair, address and routes of an endpoint (plugContainer's input). The first network's
 * namespace is made apart from the veth (by the monitor or addNetns), so its loopback is brought up
 * here; a further network's namespace exists already.
 */
export function vethOf(ep: EndpointRecord, newNetns = false): VethInput {
  return {
    netns: ep.netns,
    hostIf: ep.hostIf,
    bridge: ep.network.bridge,
    mac: ep.mac,
    ip: ep.ip,
    prefix: ep.prefix,
    ...(ep.network.internal || ep.extra ? {} : { gateway: ep.network.gateway }),
    alias: `tsdock:${ep.containerId.slice(0, 12)}`,
    ifName: ep.ifName ?? 'eth0',
    ...(ep.network.mtu ? { mtu: ep.network.mtu } : {}),
    newNetns,
    freshNetns: !ep.extra && !newNetns,
  };
}

/** Everything a container on a bridge network needs before its task is created. */
export async function setupEndpoint(ctx: RuntimeContext, s: SetupInput): Promise<EndpointRecord> {
  const root = networkRoot(ctx);
  const dir = endpointDir(ctx);
  const key = endpointKey(s.id, s.extra ? s.net.Id : undefined);
  const stale = await readJson<EndpointRecord>(join(dir, `${key}.json`)).catch(() => undefined);
  await Promise.all([
    mkdir(dir, { recursive: true }),
    reconcileNetwork(ctx),
    stale ? teardownFile(ctx, join(dir, `${key}.json`), stale) : undefined,
    ensureNetworkUp(ctx, s.net),
  ]);
  const ipam = new Ipam(root);
  const owner = { id: s.id, pid: process.pid };
  const { subnet, gateway, range } = subnetOf(s.net);
  const endpointId = randomHex(32);
  const ip = await ipam.allocateIp(
    { id: s.net.Id, name: s.net.Name, subnet, gateway, ...(range ? { range } : {}) },
    owner,
    s.ip,
  );
  let ports: PublishedPort[];
  try {
    ports = await ipam.allocatePorts(s.bindings, owner);
  } catch (err) {
    await ipam.releaseIp(s.net.Id, ip);
    throw portConflict(err, s.name, endpointId);
  }
  const ep = endpointRecord(ctx, s, { endpointId, ip, ports });
  const file = join(dir, `${key}.json`);
  await writeJsonAtomic(file, ep);
  const split = s.deferPlumbing !== undefined && !s.extra;
  if (split && !s.netnsMade) {
    try {
      await addNetns(ep.netns);
    } catch (err) {
      await teardownFile(ctx, file, ep);
      throw err;
    }
  }
  const plumbing = Promise.all([
    plugContainer(vethOf(ep, !s.extra && !split && !s.netnsMade)),
    addPortRules(ctx, s.net, ep.rules),
    followEndpoint(ctx, ep.containerId),
    updateHosts(ctx, ep, 'join'),
    recordNetworkEvent(ctx, 'connect', networkSubject(ep), { container: ep.containerId }),
  ]).then(
    () => undefined,
    async (err: unknown) => {
      await teardownFile(ctx, file, ep);
      throw err;
    },
  );
  if (split) s.deferPlumbing!(plumbing);
  else await plumbing;
  return ep;
}

/**
 * What the plans of one dry run have taken so far, so that each plan builds on the ones before
 * (compose plans its containers in start order, on networks it would create first).
 */
export interface NetworkDraft {
  /** Networks planned, not made. */
  networks: NetworkRecord[];
  /** Addresses and host ports planned. */
  claims: PreviewClaims;
  /** Bridges an earlier plan makes. */
  bridges: Set<string>;
}

export function networkDraft(): NetworkDraft {
  return { networks: [], claims: new PreviewClaims(), bridges: new Set() };
}

/** What setupEndpoint would do now, done by nothing: a dry run's network plan. */
export interface EndpointPreview {
  /** The endpoint as setupEndpoint would record it; its address and ports are a preview, not reserved. */
  endpoint: EndpointRecord;
  veth: VethInput;
  /** The bridge does not exist: it would be made (createBridge) with `bridgeRules` installed first. */
  newBridge?: BridgeInput;
  bridgeRules: Rule[];
}

/**
 * setupEndpoint's choices without its effects: the same checks and errors (an address or port
 * taken), the same record, rules and veth steps, nothing written or reserved — in `draft`, what
 * the dry run's earlier plans took counts as taken.
 */
export async function previewEndpoint(
  ctx: RuntimeContext,
  s: SetupInput,
  draft: NetworkDraft = networkDraft(),
): Promise<EndpointPreview> {
  const ipam = new Ipam(networkRoot(ctx));
  const { subnet, gateway, range } = subnetOf(s.net);
  const endpointId = randomHex(32);
  const ip = await ipam.previewIp(
    { id: s.net.Id, name: s.net.Name, subnet, gateway, ...(range ? { range } : {}) },
    s.ip,
    draft.claims,
  );
  const ports = await ipam.previewPorts(s.bindings, draft.claims).catch(async (err: unknown) => {
    // As setupEndpoint releases its lease: the address is not the failed plan's.
    await draft.claims.give(join(ipam.leaseDir(s.net.Id), ip));
    throw portConflict(err, s.name, endpointId);
  });
  const endpoint = endpointRecord(ctx, s, { endpointId, ip, ports });
  const bridge = endpoint.network.bridge;
  const bridgeUp = linkExists(bridge) || draft.bridges.has(bridge);
  draft.bridges.add(bridge);
  return {
    endpoint,
    veth: vethOf(endpoint),
    ...(bridgeUp ? {} : { newBridge: bridgeInput(s.net) }),
    bridgeRules: bridgeUp ? [] : networkRules(chainsFor(ctx.config.bridge), ruleInput(s.net)),
  };
}

async function addPortRules(ctx: RuntimeContext, net: NetworkRecord, rules: Rule[]): Promise<void> {
  if (rules.length === 0) return;
  const text = restoreText(rules, '-A');
  try {
    await iptablesRestore(text);
  } catch (err) {
    // Our chains were flushed or deleted behind our back: put them back once and retry.
    if (!(err instanceof TsdockError)) throw err;
    await ensureNetworkRules(ctx, net);
    await iptablesRestore(text);
  }
}

/** Tears down the container's endpoints, further networks first (exit, stop, rm). */
export async function teardownEndpoint(ctx: RuntimeContext, id: string): Promise<void> {
  const eps = await containerEndpoints(ctx, id);
  for (const ep of eps.reverse()) {
    const key = endpointKey(id, ep.extra ? ep.network.id : undefined);
    await teardownFile(ctx, join(endpointDir(ctx), `${key}.json`), ep);
  }
}

/** `network disconnect`: one further network of a container. */
export async function teardownExtra(ctx: RuntimeContext, id: string, netId: string): Promise<boolean> {
  const file = join(endpointDir(ctx), `${endpointKey(id, netId)}.json`);
  const ep = await readJson<EndpointRecord>(file).catch(() => undefined);
  return ep ? teardownFile(ctx, file, ep) : false;
}

async function teardownFile(ctx: RuntimeContext, file: string, ep: EndpointRecord): Promise<boolean> {
  const claimed = file.includes('.removing.')
    ? file
    : join(endpointDir(ctx), `${basename(file, '.json')}.removing.${process.pid}.json`);
  if (claimed !== file) {
    try {
      await rename(file, claimed);
    } catch {
      return false; // someone else is on it
    }
  }
  const ipam = new Ipam(networkRoot(ctx));
  await Promise.all([
    deleteRules(ep.rules),
    unplugContainer(ep.extra ? undefined : ep.netns, ep.hostIf),
    // Renamed away above, so the Services it backs are rewritten without it.
    ep.extra ? undefined : followEndpoint(ctx, ep.containerId),
  ]);
  const leasePath = join(ipam.leaseDir(ep.network.id), ep.ip);
  const mine = async (path: string) => {
    const owner = await readOwner(path);
    return owner !== 'damaged' && owner?.id === ep.containerId;
  };
  await Promise.all([
    (async () => {
      if (await mine(leasePath)) await rm(leasePath, { force: true });
    })(),
    ...ep.ports.map(async (p) => {
      if (await mine(ipam.portFile(p))) await rm(ipam.portFile(p), { force: true });
    }),
    updateHosts(ctx, ep, 'leave').catch(() => undefined),
    recordNetworkEvent(ctx, 'disconnect', networkSubject(ep), { container: ep.containerId }),
  ]);
  await rm(claimed, { force: true });
  return true;
}

/** --link on a user network: the alias resolves to the linked member, for this container only (as Docker). */
function linkAliases(own: EndpointRecord, peers: EndpointRecord[]): { ip: string; names: string[] }[] {
  const out: { ip: string; names: string[] }[] = [];
  for (const l of own.links ?? []) {
    const peer = peers.find((p) => p.containerId !== own.containerId && p.dnsNames.includes(l.name));
    if (peer) out.push({ ip: peer.ip, names: [l.alias] });
  }
  return out;
}

/** An endpoint's network, as its events name it (tsdock's networks with endpoints are bridges). */
function networkSubject(ep: EndpointRecord): NetworkEventSubject {
  return { id: ep.network.id, name: ep.network.name, driver: 'bridge' };
}

/**
 * Name resolution on user-defined networks: a container's /etc/hosts lists the members of every
 * user network it is on, itself included (the default bridge resolves no names, as Docker's).
 * Rewritten, for every container sharing the changed network, under one lock.
 */
async function updateHosts(ctx: RuntimeContext, ep: EndpointRecord, how: 'join' | 'leave'): Promise<void> {
  const render = (own: EndpointRecord, peers: EndpointRecord[]) =>
    hostsFile({
      hostname: own.hostname,
      ip: own.ip,
      extraHosts: own.extraHosts,
      links: [...(own.linkHosts ?? []), ...linkAliases(own, peers)],
      peers: peers.map((p) => ({ ip: p.ip, names: p.dnsNames })),
    });
  if (ep.network.name === 'bridge' && !ep.extra) {
    if (how === 'join') await rewrite(ep.hostsPath, render(ep, []));
    return;
  }
  await withLock(join(networkRoot(ctx), 'locks', 'hosts'), async () => {
    const same = (e: EndpointRecord) => e.containerId === ep.containerId && e.network.id === ep.network.id;
    const all = (await allEndpoints(ctx)).filter((e) => !same(e));
    if (how === 'join') all.push(ep);
    const affected = new Set(all.filter((e) => e.network.id === ep.network.id).map((e) => e.containerId));
    affected.add(ep.containerId);
    await Promise.all(
      [...affected].map(async (cid) => {
        const mine = all.filter((e) => e.containerId === cid);
        const own = mine.find((e) => !e.extra);
        if (!own) return;
        const nets = new Set(mine.filter((e) => e.network.name !== 'bridge').map((e) => e.network.id));
        // The container's own names too: Docker's DNS answers a service's name from its own
        // replicas as well (a scaled service resolves to every replica, the asking one included).
        const peers = all.filter((e) => nets.has(e.network.id));
        await rewrite(own.hostsPath, render(own, peers)).catch(() => undefined);
      }),
    );
  });
}
