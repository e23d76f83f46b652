/**
 * Where the network state lives (the data root, /run/netns) and what an endpoint file holds: the
 * part that read-only commands (`ps`, `inspect`) need, apart from endpoint.ts's set-up code and
 * everything it loads (iptables, `ip`, child processes).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RuntimeContext } from '../context.js';
import { readJson, readJsonSync } from '../state/files.js';
import type { Rule } from './iptables.js';
import type { PublishedPort } from './ports.js';

export const NETNS_DIR = '/run/netns';

/** A network namespace of tsdock's: a bind-mounted file, which runc joins by path. */
export function netnsPath(name: string): string {
  return `${NETNS_DIR}/${name}`;
}

export function networkRoot(ctx: RuntimeContext): string {
  return join(ctx.globals.dataRoot, 'network');
}

export interface EndpointRecord {
  containerId: string;
  containerName: string;
  /** The container's state directory: gone means the container is gone. */
  containerDir: string;
  /** The tsdock process that set it up (alive = still starting). */
  pid: number;
  endpointId: string;
  network: {
    id: string;
    name: string;
    bridge: string;
    subnet: string;
    gateway: string;
    internal: boolean;
    /** -o com.docker.network.driver.mtu (absent: the kernel's default, and in older records). */
    mtu?: number;
  };
  ip: string;
  prefix: number;
  mac: string;
  netns: string;
  hostIf: string;
  ports: PublishedPort[];
  rules: Rule[];
  /** Names the other members of a user-defined network resolve this container by. */
  dnsNames: string[];
  hostsPath: string;
  hostname: string;
  extraHosts: string[];
  /** eth0 for the container's first network; eth1… for ones joined by `network connect`. */
  ifName?: string;
  /** Joined by `network connect`: shares the first network's namespace, no default route. */
  extra?: boolean;
  /** Legacy links (default bridge): /etc/hosts lines for the linked containers. */
  linkHosts?: { ip: string; names: string[] }[];
  /** --link on a user network: another member's name and the alias this container knows it by. */
  links?: { name: string; alias: string }[];
}

/** File of an endpoint: `<id>.json` for the first network, `<id>@<network id>.json` for others. */
export function endpointKey(containerId: string, extraNetId?: string): string {
  return extraNetId ? `${containerId}@${extraNetId.slice(0, 12)}` : containerId;
}

export function endpointDir(ctx: RuntimeContext): string {
  return join(networkRoot(ctx), 'endpoints');
}

export function readEndpoint(ctx: RuntimeContext, id: string): Promise<EndpointRecord | undefined> {
  return readJson<EndpointRecord>(join(endpointDir(ctx), `${id}.json`));
}

export function readEndpointSync(ctx: RuntimeContext, id: string): EndpointRecord | undefined {
  return readJsonSync<EndpointRecord>(join(endpointDir(ctx), `${id}.json`));
}

/** A container's endpoints, its first network first. */
export async function containerEndpoints(ctx: RuntimeContext, id: string): Promise<EndpointRecord[]> {
  const dir = endpointDir(ctx);
  let files: string[] = [];
  // Synchronous, as state/files.ts reads: one small directory, and node:fs/promises (~2 ms to load)
  // stays out of ps and inspect.
  try {
    files = readdirSync(dir).filter(
      (f) => f === `${id}.json` || (f.startsWith(`${id}@`) && f.endsWith('.json')),
    );
  } catch {
    return [];
  }
  const eps = await Promise.all(
    files.map((f) => readJson<EndpointRecord>(join(dir, f)).catch(() => undefined)),
  );
  return eps.filter((e): e is EndpointRecord => !!e).sort((a, b) => Number(!!a.extra) - Number(!!b.extra));
}
