/**
 * Bridges, network namespaces and veth pairs through `ip -batch` (one process for the host side,
 * one inside the namespace). A container's namespace is a bind-mounted file made by `ip netns add`
 * (/run/netns/<name>), so runc joins it by path and it outlives any one task.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { SystemError } from '../errors.js';
import { exec, firstLine } from './exec.js';

import { NETNS_DIR, netnsPath } from './records.js';

export { NETNS_DIR, netnsPath };

export function linkExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

async function ipBatch(lines: string[], opts: { netns?: string; force?: boolean } = {}): Promise<void> {
  const args = [...(opts.netns ? ['-n', opts.netns] : []), ...(opts.force ? ['-force'] : []), '-batch', '-'];
  const r = await exec('ip', args, lines.join('\n') + '\n');
  if (r.code !== 0 && !opts.force) throw new SystemError(`ip: ${firstLine(r)}`);
}

export interface BridgeInput {
  bridge: string;
  gateway: string;
  prefix: number;
  /** The network's MTU; the kernel's default when absent. */
  mtu?: number;
}

/**
 * What createBridge does: the `ip -batch` lines, then the sysctls it writes (path under
 * /proc/sys, value). A dry run prints them as they are.
 */
export function bridgeSteps(b: BridgeInput): { ip: string[]; sysctls: [string, string][] } {
  return {
    ip: [
      `link add name ${b.bridge}${b.mtu ? ` mtu ${b.mtu}` : ''} type bridge`,
      `addr add ${b.gateway}/${b.prefix} dev ${b.bridge}`,
      `link set ${b.bridge} up`,
    ],
    // 127.0.0.1:port published ports are DNAT'd onto this bridge; the kernel drops such packets otherwise.
    sysctls: [
      [`net/ipv4/conf/${b.bridge}/route_localnet`, '1'],
      ['net/ipv4/ip_forward', '1'],
    ],
  };
}

export async function createBridge(b: BridgeInput): Promise<void> {
  const steps = bridgeSteps(b);
  await ipBatch(steps.ip);
  await Promise.all(steps.sysctls.map(([path, value]) => writeFile(`/proc/sys/${path}`, value)));
}

export async function deleteLink(name: string): Promise<void> {
  await ipBatch([`link del ${name}`], { force: true });
}

export interface VethInput {
  netns: string;
  hostIf: string;
  bridge: string;
  mac: string;
  ip: string;
  prefix: number;
  /** No default route on an internal network. */
  gateway?: string;
  /** Shown by `ip link` so an interface can be traced to its container. */
  alias: string;
  /** eth0, or eth1… for a further network. */
  ifName: string;
  /** False when joining a further network: the namespace exists already. */
  newNetns: boolean;
  /** The namespace was made a moment ago by addNetns: its loopback is still down. */
  freshNetns?: boolean;
  /** The network's MTU, on both ends (as moby's bridge driver sets it). */
  mtu?: number;
}

/**
 * What plugContainer runs: the host side's `ip -batch` lines, then those run inside the namespace
 * (`ip -n NETNS -batch`). A dry run prints them as they are.
 */
export function plugSteps(v: VethInput): { host: string[]; inNetns: string[] } {
  const mtu = v.mtu ? ` mtu ${v.mtu}` : '';
  return {
    host: [
      ...(v.newNetns ? [`netns add ${v.netns}`] : []),
      `link add name ${v.hostIf}${mtu} type veth peer name ${v.ifName}${mtu} netns ${v.netns} address ${v.mac}`,
      `link set ${v.hostIf} alias ${v.alias}`,
      `link set ${v.hostIf} master ${v.bridge} up`,
      // A container reaching its own published port: br_netfilter DNATs it back out of the port it came in.
      `link set ${v.hostIf} type bridge_slave hairpin on`,
    ],
    inNetns: [
      ...(v.newNetns || v.freshNetns ? ['link set lo up'] : []),
      `addr add ${v.ip}/${v.prefix} dev ${v.ifName}`,
      `link set ${v.ifName} up`,
      ...(v.gateway ? [`route add default via ${v.gateway}`] : []),
    ],
  };
}

/** Namespace, veth pair with eth0 inside, addresses and routes: two ip processes. */
export async function plugContainer(v: VethInput): Promise<void> {
  const steps = plugSteps(v);
  await ipBatch(steps.host);
  await ipBatch(steps.inNetns, { netns: v.netns });
}

/** Removes a network namespace left without its veth (see tsdock-mon's --netns); gone already is fine. */
export async function deleteNetns(netns: string): Promise<void> {
  if (existsSync(netnsPath(netns))) await ipBatch([`netns del ${netns}`], { force: true });
}

/** A container's network namespace alone (`ip netns add`); plugContainer with freshNetns does the rest. */
export async function addNetns(netns: string): Promise<void> {
  await ipBatch([`netns add ${netns}`]);
}

/** Removes the veth (its peer goes with it) and the namespace file if given; missing parts are fine. */
export async function unplugContainer(netns: string | undefined, hostIf: string): Promise<void> {
  await ipBatch([`link del ${hostIf}`, ...(netns ? [`netns del ${netns}`] : [])], { force: true });
}

/** The routes inside a network namespace, as `ip route show` prints them; none if it is gone. */
export async function netnsRoutes(netns: string): Promise<string[]> {
  const r = await exec('ip', ['-n', netns, 'route', 'show']);
  return r.code === 0
    ? r.stdout
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
    : [];
}

/** Host-side interface name: 15 characters at most. */
export function hostIfName(id: string): string {
  return `veth${id.slice(0, 11)}`;
}
