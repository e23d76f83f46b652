/**
 * Addresses and host ports, allocated without a shared lock: each lease or port is a file created
 * with O_EXCL (atomic on one filesystem), so of many parallel runs exactly one gets a given address
 * or port. A lease records its owner's id and the allocating pid; ones whose owner is gone are
 * reclaimed by the reconcile pass (endpoint.ts).
 */
import { createSocket } from 'node:dgram';
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

export class Ipam {
  constructor(readonly root: string) {}

  leaseDir(netId: string): string {
    return join(this.root, 'leases', netId);
  }
  get portDir(): string {
    return join(this.root, 'ports');
  }

  async allocateIp(
    net: { id: string; name: string; subnet: Subnet; gateway: string; range?: Subnet },
    owner: Owner,
    requested?: string,
  ): Promise<string> {
    const dir = this.leaseDir(net.id);
    await mkdir(dir, { recursive: true });
    if (requested) {
      const n = ipToInt(requested);
      if (!contains(net.subnet, n)) {
        throw new UsageError(
          `Error response from daemon: invalid endpoint settings:\nno configured subnet or ip-range contain the IP address ${requested}`,
        );
      }
      if (requested === net.gateway || !(await claim(join(dir, requested), owner))) {
        throw new ConflictError(`Error response from daemon: Address already in use`);
      }
      return requested;
    }
    const { first, last } = hostRange(net.range ?? net.subnet);
    const taken = new Set((await readdir(dir)).filter((f) => !f.startsWith('.')));
    const gw = ipToInt(net.gateway);
    for (let n = first; n <= last; n++) {
      const ip = intToIp(n);
      if (n === gw || taken.has(ip)) continue;
      if (await claim(join(dir, ip), owner)) return ip;
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
  async allocatePorts(bindings: PortBindings, owner: Owner): Promise<PublishedPort[]> {
    await mkdir(this.portDir, { recursive: true });
    const out: PublishedPort[] = [];
    try {
      for (const [key, list] of Object.entries(bindings)) {
        const { port, proto } = splitPortKey(key);
        for (const b of list) {
          const hostPort = await this.claimHostPort(b.HostIp, b.HostPort, proto, owner);
          out.push({ containerPort: port, proto, hostIp: b.HostIp, hostPort });
        }
      }
    } catch (err) {
      await this.releasePorts(out);
      throw err;
    }
    return out;
  }

  private async claimHostPort(hostIp: string, spec: string, proto: string, owner: Owner): Promise<number> {
    const tryPort = async (port: number): Promise<boolean> => {
      const file = this.portFile({ proto, hostPort: port });
      if (!(await claim(file, owner))) return false;
      if (await canBind(proto, bindAddress(hostIp), port)) return true;
      await rm(file, { force: true });
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
