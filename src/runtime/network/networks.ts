/**
 * Network records (Docker's `network inspect` shape), one JSON file each under
 * <data-root>/network/networks. The predefined `bridge`, `host` and `none` networks are written on
 * first use; `bridge`'s subnet comes from the config (`bip`) or is the first 10.4.N.0/24 that no
 * route of the host overlaps, and is then fixed in its record.
 */
import { randomHex } from '../state/ids.js';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RuntimeContext } from '../context.js';
import { isIP } from 'node:net';
import { ConflictError, CorruptRecordError, NotFoundError, RequestError, UsageError } from '../errors.js';
import { readJson, writeJsonAtomic } from '../state/files.js';
import { withLock } from '../state/lock.js';
import { formatCidr, intToIp, overlaps, parseCidr, parseProcRoutes, type Subnet } from './addr.js';

export interface IpamConfig {
  Subnet: string;
  Gateway: string;
  IPRange?: string;
}

export interface NetworkRecord {
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local';
  Driver: 'bridge' | 'host' | 'null';
  EnableIPv6: boolean;
  IPAM: { Driver: 'default'; Options: Record<string, string> | null; Config: IpamConfig[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

/** Makes a new network's record from the networks there are (NetworkStore.create and preview). */
export type NetworkBuilder = (existing: NetworkRecord[]) => Promise<NetworkRecord> | NetworkRecord;

export const BRIDGE_NAME_OPTION = 'com.docker.network.bridge.name';
export const PREDEFINED = ['bridge', 'host', 'none'];

import { networkRoot } from './records.js';

export { networkRoot };

export const MTU_OPTION = 'com.docker.network.driver.mtu';
/** What the kernel takes for a bridge or veth (ETH_MIN_MTU, ETH_MAX_MTU). */
const MTU_RANGE = { min: 68, max: 65535 };

/**
 * `-o com.docker.network.driver.mtu=N` as moby's bridge driver reads it (strconv.Atoi, then
 * Validate); 0 is the default. Docker hands a value the kernel refuses to netlink and reports its
 * EINVAL; tsdock refuses it before anything is made, in the words of the negative case.
 */
export function parseMtu(value: string): number {
  const n = /^[+-]?[0-9]+$/.test(value) ? BigInt(value) : undefined;
  if (n === undefined || n > 2n ** 63n - 1n || n < -(2n ** 63n)) {
    const why = n === undefined ? 'invalid syntax' : 'value out of range';
    throw new RequestError(
      `Error response from daemon: failed to parse ${MTU_OPTION} value: ${value} (strconv.Atoi: parsing ${JSON.stringify(value)}: ${why})`,
    );
  }
  if (n < 0n) throw new RequestError(`Error response from daemon: invalid MTU number: ${n}`);
  if (n !== 0n && (n < BigInt(MTU_RANGE.min) || n > BigInt(MTU_RANGE.max))) {
    throw new RequestError(
      `Error response from daemon: invalid MTU number: ${n} (the kernel takes ${MTU_RANGE.min} to ${MTU_RANGE.max})`,
    );
  }
  return Number(n);
}

const GO_BOOLS: Record<string, boolean> = Object.fromEntries([
  ...['1', 't', 'T', 'TRUE', 'true', 'True'].map((v) => [v, true]),
  ...['0', 'f', 'F', 'FALSE', 'false', 'False'].map((v) => [v, false]),
]);

/**
 * The bridge driver's other options (moby's networkConfiguration.fromLabels), by the kind of
 * value it reads and the value that is its default — the only one tsdock's bridges implement.
 */
const BRIDGE_OPTIONS: Record<string, { kind: 'bool' | 'ip' | 'string'; default?: string | boolean }> = {
  'com.docker.network.enable_ipv6': { kind: 'bool', default: false },
  'com.docker.network.bridge.enable_ip_masquerade': { kind: 'bool', default: true },
  'com.docker.network.bridge.enable_icc': { kind: 'bool', default: true },
  'com.docker.network.bridge.inhibit_ipv4': { kind: 'bool', default: false },
  'com.docker.network.bridge.default_bridge': { kind: 'bool', default: false },
  'com.docker.network.bridge.host_binding_ipv4': { kind: 'ip', default: '0.0.0.0' },
  'com.docker.network.host_ipv4': { kind: 'ip' },
  'com.docker.network.container_iface_prefix': { kind: 'string', default: 'eth' },
};

/**
 * `network create -o` as the bridge driver reads it: the MTU and the options above parsed with
 * moby's errors (status 1); a well-formed value other than the default is refused (125) until
 * tsdock's bridges implement it. Other keys are kept and shown, as Docker keeps them.
 */
export function checkBridgeOptions(options: Record<string, string>): void {
  for (const [key, value] of Object.entries(options)) {
    if (key === MTU_OPTION) {
      parseMtu(value);
      continue;
    }
    const known = BRIDGE_OPTIONS[key];
    if (!known) continue;
    const parseErr = (why: string) =>
      new RequestError(`Error response from daemon: failed to parse ${key} value: ${value} (${why})`);
    let parsed: string | boolean = value;
    if (known.kind === 'bool') {
      if (!(value in GO_BOOLS))
        throw parseErr(`strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`);
      parsed = GO_BOOLS[value]!;
    } else if (known.kind === 'ip') {
      if (isIP(value) === 0) throw parseErr('nil ip');
    }
    if (parsed !== known.default) {
      throw new UsageError(`tsdock: network option ${key}=${value} is not supported yet`);
    }
  }
}

/** The kernel's MTU for a new bridge or veth: nothing to set when the network asks for it. */
const KERNEL_DEFAULT_MTU = 1500;

/** The network's MTU for its bridge and veths; undefined = the kernel's default. */
export function mtuOf(n: NetworkRecord): number | undefined {
  const v = n.Options[MTU_OPTION];
  if (v === undefined) return undefined;
  try {
    const mtu = parseMtu(v);
    return mtu === 0 || mtu === KERNEL_DEFAULT_MTU ? undefined : mtu;
  } catch {
    return undefined;
  }
}

export function bridgeOf(n: NetworkRecord): string {
  return n.Options[BRIDGE_NAME_OPTION] ?? `br-${n.Id.slice(0, 12)}`;
}

export function subnetOf(n: NetworkRecord): { subnet: Subnet; gateway: string; range?: Subnet } {
  const c = n.IPAM.Config[0]!;
  return {
    subnet: parseCidr(c.Subnet),
    gateway: c.Gateway,
    ...(c.IPRange ? { range: parseCidr(c.IPRange) } : {}),
  };
}

async function hostRoutes(exceptIface?: string): Promise<Subnet[]> {
  try {
    const text = await readFile('/proc/net/route', 'utf8');
    const lines = text.split('\n');
    const kept = [lines[0]!, ...lines.slice(1).filter((l) => l.split(/\s+/)[0] !== exceptIface)];
    return parseProcRoutes(kept.join('\n'));
  } catch {
    return [];
  }
}

export class NetworkStore {
  readonly dir: string;
  constructor(
    private readonly ctx: RuntimeContext,
    /** Writes nothing (a dry run): a predefined network not made yet is only described. */
    private readonly readOnly = false,
    /** A dry run's networks, planned and not made: listed and found as if they were. */
    private readonly planned: NetworkRecord[] = [],
  ) {
    this.dir = join(networkRoot(ctx), 'networks');
  }

  /**
   * Records that cannot be read, found by the last listing. One of them may hold any name or
   * subnet, so none is taken for free: creating a network or a predefined one waits for it to be
   * repaired or removed; everything else goes on with the readable ones.
   */
  damaged: CorruptRecordError[] = [];
  private warned = false;

  private async readAll(): Promise<NetworkRecord[]> {
    let files: string[] = [];
    try {
      files = await readdir(this.dir);
    } catch {
      /* none yet */
    }
    const damaged: CorruptRecordError[] = [];
    const recs = await Promise.all(
      files
        .filter((f) => f.endsWith('.json'))
        .map((f) =>
          readJson<NetworkRecord>(join(this.dir, f)).catch((err: unknown) => {
            if (!(err instanceof CorruptRecordError)) throw err;
            damaged.push(err);
            return undefined;
          }),
        ),
    );
    this.damaged = damaged;
    if (damaged.length && !this.warned) {
      this.warned = true;
      for (const d of damaged) this.ctx.stdio.stderr.write(`WARNING: ${d.message}\n`);
    }
    return recs.filter((r): r is NetworkRecord => !!r);
  }

  private refuseIfDamaged(what: string): void {
    const d = this.damaged[0];
    if (d)
      throw new ConflictError(
        `Error response from daemon: ${d.message}: cannot tell whether ${what} is free`,
      );
  }

  /** Every network, the predefined ones created on first use; sorted by name. */
  async list(): Promise<NetworkRecord[]> {
    let all = [...(await this.readAll()), ...this.planned];
    // A predefined network missing while a record is damaged may be that record: not made anew.
    if (!PREDEFINED.every((n) => all.some((r) => r.Name === n)) && this.damaged.length === 0) {
      if (this.readOnly) {
        for (const name of PREDEFINED) {
          if (!all.some((r) => r.Name === name)) all.push(await this.predefined(name, all));
        }
        return all.sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
      }
      all = await withLock(this.dir, async () => {
        const now = await this.readAll();
        for (const name of PREDEFINED) {
          if (!now.some((r) => r.Name === name)) now.push(await this.writePredefined(name, now));
        }
        return now;
      });
    }
    return all.sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
  }

  private async writePredefined(name: string, existing: NetworkRecord[]): Promise<NetworkRecord> {
    const rec = await this.predefined(name, existing);
    await writeJsonAtomic(join(this.dir, `${rec.Id}.json`), rec);
    return rec;
  }

  private async predefined(name: string, existing: NetworkRecord[]): Promise<NetworkRecord> {
    const rec = base(name, name === 'bridge' ? 'bridge' : name === 'host' ? 'host' : 'null');
    if (name === 'bridge') {
      const bridge = this.ctx.config.bridge;
      let subnet: Subnet;
      let gateway: string;
      if (this.ctx.config.bip) {
        subnet = parseCidr(this.ctx.config.bip);
        gateway = this.ctx.config.bip.split('/')[0]!;
      } else {
        subnet = await this.freeSubnet(existing, 0x0a040000, bridge);
        gateway = intToIp(subnet.base + 1);
      }
      rec.IPAM.Options = null;
      rec.IPAM.Config = [{ Subnet: formatCidr(subnet), Gateway: gateway }];
      rec.Options = {
        'com.docker.network.bridge.default_bridge': 'true',
        'com.docker.network.bridge.enable_icc': 'true',
        'com.docker.network.bridge.enable_ip_masquerade': 'true',
        'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
        [BRIDGE_NAME_OPTION]: bridge,
        [MTU_OPTION]: '1500',
      };
    }
    return rec;
  }

  /** The first /24 from `start` on that overlaps no host route and no other network of ours. */
  async freeSubnet(existing: NetworkRecord[], start: number, ownBridge?: string): Promise<Subnet> {
    const taken = [
      ...(await hostRoutes(ownBridge)),
      ...existing.filter((n) => n.IPAM.Config[0]).map((n) => parseCidr(n.IPAM.Config[0]!.Subnet)),
    ];
    for (let i = 0; i < 256 * 16; i++) {
      const cand = { base: (start + i * 256) >>> 0, prefix: 24 };
      if (!taken.some((t) => overlaps(t, cand))) return cand;
    }
    throw new ConflictError(
      'Error response from daemon: could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network',
    );
  }

  /** Docker's lookup: full id, exact name, then a unique id prefix. */
  async find(ref: string): Promise<NetworkRecord> {
    const all = await this.list();
    const hit =
      all.find((n) => n.Id === ref) ??
      all.find((n) => n.Name === ref) ??
      (() => {
        const byPrefix = all.filter((n) => n.Id.startsWith(ref));
        return byPrefix.length === 1 ? byPrefix[0] : undefined;
      })();
    if (!hit) {
      // Not found among the readable ones: it may be the damaged one; say which file that is.
      if (this.damaged[0]) throw this.damaged[0];
      throw new NotFoundError(`Error response from daemon: network ${ref} not found`);
    }
    return hit;
  }

  /** Creates a record under the store lock (names are unique, subnets do not overlap). */
  async create(build: NetworkBuilder): Promise<NetworkRecord> {
    await this.list();
    return withLock(this.dir, async () => {
      const rec = await this.admit(build, await this.readAll());
      await writeJsonAtomic(join(this.dir, `${rec.Id}.json`), rec);
      return rec;
    });
  }

  /**
   * The record create would write now, with the same choices and refusals, writing nothing and
   * taking no lock (a dry run): the predefined and planned networks count as existing, as the
   * ones create's first listing writes do for it.
   */
  async preview(build: NetworkBuilder): Promise<NetworkRecord> {
    return this.admit(build, await this.list());
  }

  private async admit(build: NetworkBuilder, existing: NetworkRecord[]): Promise<NetworkRecord> {
    this.refuseIfDamaged('the name and subnet of a new network');
    const rec = await build(existing);
    if (existing.some((n) => n.Name === rec.Name)) {
      throw new ConflictError(`Error response from daemon: network with name ${rec.Name} already exists`);
    }
    const mine = parseCidr(rec.IPAM.Config[0]!.Subnet);
    if (existing.some((n) => n.IPAM.Config[0] && overlaps(parseCidr(n.IPAM.Config[0].Subnet), mine))) {
      throw new RequestError(
        'Error response from daemon: Pool overlaps with other one on this address space',
      );
    }
    return rec;
  }

  async remove(id: string): Promise<void> {
    await rm(join(this.dir, `${id}.json`), { force: true });
  }
}

export function base(name: string, driver: NetworkRecord['Driver']): NetworkRecord {
  return {
    Name: name,
    Id: randomHex(32),
    Created: new Date().toISOString(),
    Scope: 'local',
    Driver: driver,
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: driver === 'bridge' ? {} : null, Config: [] },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Options: {},
    Labels: {},
  };
}
