/**
 * Where containers meet networks: checking the network flags at create (before anything exists),
 * and attaching a container at start. Modes: `bridge` (default) and user-defined bridge networks
 * get a namespace file and an endpoint; `host` shares the host's stack; `none` gets a namespace
 * with loopback only (runc's own); `container:NAME` joins another container's namespace.
 */
import type { RuntimeContext } from '../context.js';
import { ConflictError, UsageError } from '../errors.js';
import type { ContainerOptions } from '../opts/container.js';
import type { ContainerRecord } from '../state/records.js';
import { isIPv4, isMac } from './addr.js';
import {
  containerEndpoints,
  setupEndpoint,
  teardownEndpoint,
  type EndpointRecord,
  type SetupInput,
} from './endpoint.js';
import { NetworkStore, type NetworkRecord } from './networks.js';
import { parseExpose, parsePublish, type PortBindings } from './ports.js';

export type NetworkKind = 'bridge' | 'host' | 'none' | 'container';

export interface NetworkPlan {
  kind: NetworkKind;
  /** Network name as recorded (NetworkMode): `bridge`, a user network's name, `host`, `none`, `container:x`. */
  mode: string;
  network?: NetworkRecord;
  portBindings: PortBindings;
  /** container:NAME → the target's reference. */
  joinTarget?: string;
}

export function kindOf(mode: string): NetworkKind {
  if (mode === 'host') return 'host';
  if (mode === 'none') return 'none';
  if (mode.startsWith('container:')) return 'container';
  return 'bridge';
}

/** Network flags checked as docker/cli and the daemon do, before anything is created. */
export async function planNetwork(
  ctx: RuntimeContext,
  opts: ContainerOptions,
  /**
   * A dry run's: nothing is written, not even the predefined networks' records; `planned` are
   * networks the dry run would have created by then.
   */
  how: { dryRun?: boolean; planned?: NetworkRecord[] } = {},
): Promise<NetworkPlan> {
  if (opts.macAddress && !isMac(opts.macAddress)) {
    throw new UsageError(`${opts.macAddress} is not a valid mac address`);
  }
  if (opts.ip && !isIPv4(opts.ip)) throw new UsageError(`invalid IPv4 address: ${opts.ip}`);
  parseExpose(opts.expose);
  const portBindings = parsePublish(opts.publish);
  const mode = opts.network === 'default' ? 'bridge' : opts.network;
  const kind = kindOf(mode);
  // moby's validateNetMode: such a container has no interface of its own to give the address to.
  if (opts.macAddress && (kind === 'container' || kind === 'host')) {
    throw new UsageError('conflicting options: mac-address and the network mode');
  }
  if (kind === 'container') {
    const target = mode.slice('container:'.length);
    if (!target) throw new UsageError('--network: invalid container format container:<name|id>');
    if (opts.publish.length > 0 || opts.publishAll) {
      throw new UsageError('conflicting options: port publishing and the container type network mode');
    }
    if (opts.hostname) throw new UsageError('conflicting options: hostname and the network mode');
    return { kind, mode, portBindings: {}, joinTarget: target };
  }
  if (kind === 'host') {
    if (opts.publish.length > 0)
      ctx.stdio.stderr.write('WARNING: Published ports are discarded when using host network mode\n');
    return { kind, mode, portBindings };
  }
  if (kind === 'none') return { kind, mode, portBindings };
  const network = await new NetworkStore(ctx, how.dryRun, how.planned).find(mode);
  if (network.Driver !== 'bridge') {
    return { kind: network.Driver === 'host' ? 'host' : 'none', mode: network.Name, portBindings };
  }
  if (opts.ip && network.Name === 'bridge') {
    throw new UsageError(
      'Error response from daemon: user specified IP address is supported on user defined networks only',
    );
  }
  if (opts.networkAliases.length > 0 && network.Name === 'bridge') {
    throw new UsageError(
      'Error response from daemon: network-scoped alias is supported only for containers in user defined networks',
    );
  }
  return { kind, mode, network, portBindings };
}

export function netnsName(ctx: RuntimeContext, id: string): string {
  return `${ctx.config.bridge}-${id.slice(0, 12)}`;
}

/** setupEndpoint's input for a container's first network, from its record (start and dry run alike). */
export function endpointInput(
  c: { id: string; dir: string; record: ContainerRecord },
  net: NetworkRecord,
): SetupInput {
  const r = c.record;
  const hc = r.hostConfig as {
    PortBindings?: PortBindings;
    PublishAllPorts?: boolean;
    ExtraHosts?: string[] | null;
  };
  const bindings: PortBindings = { ...(hc.PortBindings ?? {}) };
  if (hc.PublishAllPorts) {
    const exposed = (r.config.ExposedPorts ?? {}) as Record<string, object>;
    for (const key of Object.keys(exposed)) bindings[key] ??= [{ HostIp: '', HostPort: '' }];
  }
  return {
    id: c.id,
    name: r.name,
    containerDir: c.dir,
    net,
    netns: r.netns!,
    hostname: String(r.config.Hostname ?? c.id.slice(0, 12)),
    aliases: r.networkAliases ?? [],
    ...(r.ipv4 ? { ip: r.ipv4 } : {}),
    ...(r.macAddress ? { mac: r.macAddress } : {}),
    bindings,
    extraHosts: hc.ExtraHosts ?? [],
    hostsPath: `${c.dir}/hosts`,
    ...(r.links?.length && r.networkMode !== 'bridge' ? { links: r.links } : {}),
  };
}

/** At start: a bridge-type container's endpoint (namespace, veth, address, ports, hosts file). */
export async function connectContainer(
  ctx: RuntimeContext,
  c: { id: string; dir: string; record: ContainerRecord },
  /** See SetupInput.deferPlumbing (a container with further networks is connected in one go). */
  opts: {
    deferPlumbing?: (plumbing: Promise<void>) => void;
    netnsMade?: boolean;
    /** The legacy links' /etc/hosts lines (container/joins.ts). */
    linkHosts?: { ip: string; names: string[] }[];
  } = {},
): Promise<EndpointRecord | undefined> {
  const r = c.record;
  if (!r.netns) return undefined;
  const net = await new NetworkStore(ctx).find(r.networkMode);
  const ep = await setupEndpoint(ctx, {
    ...endpointInput(c, net),
    ...(opts.deferPlumbing && !r.extraNetworks?.length ? { deferPlumbing: opts.deferPlumbing } : {}),
    ...(opts.netnsMade ? { netnsMade: true } : {}),
    ...(opts.linkHosts?.length ? { linkHosts: opts.linkHosts } : {}),
  });
  try {
    const extras = r.extraNetworks ?? [];
    for (let i = 0; i < extras.length; i++) await connectExtra(ctx, c, extras[i]!);
  } catch (err) {
    await teardownEndpoint(ctx, c.id);
    throw err;
  }
  return ep;
}

/** One further network (`network connect`) of a container whose first network is set up. */
export async function connectExtra(
  ctx: RuntimeContext,
  c: { id: string; dir: string; record: ContainerRecord },
  n: { name: string; aliases: string[]; ip?: string },
): Promise<EndpointRecord> {
  const r = c.record;
  const [net, eps] = await Promise.all([new NetworkStore(ctx).find(n.name), containerEndpoints(ctx, c.id)]);
  const used = new Set(eps.map((e) => e.ifName ?? 'eth0'));
  let index = 1;
  while (used.has(`eth${index}`)) index++;
  return setupEndpoint(ctx, {
    id: c.id,
    name: r.name,
    containerDir: c.dir,
    net,
    netns: r.netns!,
    hostname: String(r.config.Hostname ?? c.id.slice(0, 12)),
    aliases: n.aliases,
    ...(n.ip ? { ip: n.ip } : {}),
    bindings: {},
    extraHosts: [],
    hostsPath: `${c.dir}/hosts`,
    extra: { ifName: `eth${index}` },
  });
}

export function notRunningTarget(id: string): ConflictError {
  return new ConflictError(
    `Error response from daemon: cannot join network of a non running container: ${id}`,
  );
}
