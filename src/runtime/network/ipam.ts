/**
 * Addresses and host ports, allocated without a shared lock: each lease or port is a file created
 * with O_EXCL (atomic on one filesystem), so of many parallel runs exactly one gets a given address
 * or port. A lease records its owner's id and the allocating pid; ones whose owner is gone are
 * reclaimed by the reconcile pass (endpoint.ts).
 */
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { createExclusive } from '../state/files.js';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ConflictError, SystemError, UsageError } from '../errors.js';
import { contains, hostRange, intToIp, ipToInt, type Subnet } from './addr.js';
import { bindAddress, splitPortKey, type PortBindings, type PublishedPort } from './ports.js';

export interface Owner {
  id: string;
  pid: number;
}

function claim(path: string, owner: Owner): Promise<boolean> {
  return createExclusive(path, JSON.stringify(owner));
}

/**
 * A lease's or port's owner; undefined when there is no such file. An unreadable one is reported
 * as `damaged`, never as free: leases are written whole (createExclusive), so it is damage, and
 * handing out its address or port again could give it to two containers.
 */
export async function readOwner(path: string): Promise<Owner | 'damaged' | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : 'damaged';
  }
  try {
    const o = JSON.parse(text) as Owner;
    return typeof o === 'object' && o !== null && typeof o.id === 'string' ? o : 'damaged';
  } catch {
    return 'damaged';
  }
}

/**
 * How an address or port file is taken: claimed for good (O_EXCL), or only looked at, for a dry
 * run's preview. Either way the same search decides which address or port it is.
 */
interface Taker {
  take(path: string): Promise<boolean>;
  /** Gives back what take got (a port whose bind test then failed, an allocation undone). */
  give(path: string): Promise<void>;
  /** Directories may be made (not by a preview). */
  makeDirs: boolean;
}

function claimer(owner: Owner): Taker {
  return {
    take: (path) => claim(path, owner),
    give: (path) => rm(path, { force: true }),
    makeDirs: true,
  };
}

/**
 * A preview: a file nobody holds is free; what this preview picked is not picked twice. One
 * instance shared by the plans of one dry run (compose's services in start order) gives each
 * container the address and ports the real allocations, made one after the other, would give.
 */
export class PreviewClaims implements Taker {
  private readonly picked = new Set<string>();
  readonly makeDirs = false;

  async take(path: string): Promise<boolean> {
    if (this.picked.has(path) || existsSync(path)) return false;
    this.picked.add(path);
    return true;
  }

  async give(path: string): Promise<void> {
    this.picked.delete(path);
  }
}

type IpNet = { id: string; name: string; subnet: Subnet; gateway: string; range?: Subnet };

export class Ipam {
  constructor(readonly root: string) {}

  leaseDir(netId: string): string {
    return join(this.root, 'leases', netId);
  }
  get portDir(): string {
    return join(this.root, 'ports');
  }

  allocateIp(net: IpNet, owner: Owner, requested?: string): Promise<string> {
    return this.pickIp(net, claimer(owner), requested);
  }

  /**
   * The address allocateIp would give now, reserving nothing (it may be gone by the real run);
   * `claims` holds what earlier previews of the same dry run picked.
   */
  previewIp(net: IpNet, requested?: string, claims = new PreviewClaims()): Promise<string> {
    return this.pickIp(net, claims, requested);
  }

  private async pickIp(net: IpNet, taker: Taker, requested?: string): Promise<string> {
    const dir = this.leaseDir(net.id);
    if (taker.makeDirs) await mkdir(dir, { recursive: true });
    if (requested) {
      const n = ipToInt(requested);
      if (!contains(net.subnet, n)) {
        throw new UsageError(
          `Error response from daemon: invalid endpoint settings:\nno configured subnet or ip-range contain the IP address ${requested}`,
        );
      }
      if (requested === net.gateway || !(await taker.take(join(dir, requested)))) {
        throw new ConflictError(`Error response from daemon: Address already in use`);
      }
      return requested;
    }
    const { first, last } = hostRange(net.range ?? net.subnet);
    const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' && !taker.makeDirs) return [] as string[];
      throw err;
    });
    const taken = new Set(names.filter((f) => !f.startsWith('.')));
    const gw = ipToInt(net.gateway);
    for (let n = first; n <= last; n++) {
      const ip = intToIp(n);
      if (n === gw || taken.has(ip)) continue;
      if (await taker.take(join(dir, ip))) return ip;
    }
    throw new ConflictError(
      `Error response from daemon: no available IPv4 addresses on this network's address pools: ${net.name}`,
    );
  }

  async releaseIp(netId: string, ip: string): Promise<void> {
    await rm(join(this.leaseDir(netId), ip), { force: true });
  }

  portFile(p: { proto: string; hostPort: number }): string {
    return join(this.portDir, `${p.proto}-${p.hostPort}`);
  }

  /**
   * Host ports for the bindings: fixed ones must be free (no other container, no host socket),
   * empty ones come from the ephemeral range, ranges give the first free port in them. On failure
   * nothing stays claimed.
   */
  allocatePorts(bindings: PortBindings, owner: Owner): Promise<PublishedPort[]> {
    return this.pickPorts(bindings, claimer(owner));
  }

  /** The ports allocatePorts would give now (same checks, same errors), reserving none. */
  previewPorts(bindings: PortBindings, claims = new PreviewClaims()): Promise<PublishedPort[]> {
    return this.pickPorts(bindings, claims);
  }

  private async pickPorts(bindings: PortBindings, taker: Taker): Promise<PublishedPort[]> {
    if (taker.makeDirs) await mkdir(this.portDir, { recursive: true });
    const out: PublishedPort[] = [];
    try {
      for (const [key, list] of Object.entries(bindings)) {
        const { port, proto } = splitPortKey(key);
        for (const b of list) {
          const hostPort = await this.pickHostPort(b.HostIp, b.HostPort, proto, taker);
          out.push({ containerPort: port, proto, hostIp: b.HostIp, hostPort });
        }
      }
    } catch (err) {
      await Promise.all(out.map((p) => taker.give(this.portFile(p))));
      throw err;
    }
    return out;
  }

  private async pickHostPort(hostIp: string, spec: string, proto: string, taker: Taker): Promise<number> {
    const tryPort = async (port: number): Promise<boolean> => {
      const file = this.portFile({ proto, hostPort: port });
      if (!(await taker.take(file))) return false;
      if (await canBind(proto, bindAddress(hostIp), port)) return true;
      await taker.give(file);
      return false;
    };
    if (spec !== '' && !spec.includes('-')) {
      const port = Number(spec);
      if (!(await tryPort(port))) {
        throw new ConflictError(`Bind for ${bindAddress(hostIp)}:${port} failed: port is already allocated`);
      }
      return port;
    }
    let lo: number;
    let hi: number;
    if (spec === '') [lo, hi] = await ephemeralRange();
    else [lo, hi] = spec.split('-').map(Number) as [number, number];
    const size = hi - lo + 1;
    const start = spec === '' ? Math.floor(Math.random() * size) : 0;
    for (let i = 0; i < size; i++) {
      const port = lo + ((start + i) % size);
      if (await tryPort(port)) return port;
    }
    if (spec === '')
      throw new SystemError('Error response from daemon: no free host port in the ephemeral range');
    throw new ConflictError(`Bind for ${bindAddress(hostIp)}:${spec} failed: port is already allocated`);
  }

  async releasePorts(ports: PublishedPort[]): Promise<void> {
    await Promise.all(ports.map((p) => rm(this.portFile(p), { force: true })));
  }
}

async function ephemeralRange(): Promise<[number, number]> {
  try {
    const [lo, hi] = (await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8'))
      .trim()
      .split(/\s+/)
      .map(Number);
    if (lo && hi && lo <= hi) return [lo, hi];
  } catch {
    /* fall back to the kernel's default */
  }
  return [32768, 60999];
}

/** A host process listening on the port makes it unavailable, as Docker's own bind would fail. */
function canBind(proto: string, host: string, port: number): Promise<boolean> {
  if (host.includes(':') && host !== '::') return Promise.resolve(true);
  return new Promise((resolve) => {
    if (proto === 'udp') {
      const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
      s.once('error', () => resolve(false));
      s.bind({ address: host, port, exclusive: true }, () => s.close(() => resolve(true)));
      return;
    }
    if (proto !== 'tcp') return resolve(true);
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}
