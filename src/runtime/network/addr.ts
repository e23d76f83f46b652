/** IPv4 arithmetic for IPAM and subnet choice (pure). */
import { UsageError } from '../errors.js';

export interface Subnet {
  /** Network address as a 32-bit unsigned integer. */
  base: number;
  prefix: number;
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new UsageError(`invalid IP address: ${ip}`);
  }
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function isIPv4(ip: string): boolean {
  try {
    ipToInt(ip);
    return true;
  } catch {
    return false;
  }
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** `10.4.0.0/24` (or an address inside it, as `bip` gives) → the subnet. */
export function parseCidr(cidr: string): Subnet {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(cidr);
  if (!m || Number(m[2]) > 32) throw new UsageError(`invalid CIDR address: ${cidr}`);
  const prefix = Number(m[2]);
  let ip: number;
  try {
    ip = ipToInt(m[1]!);
  } catch {
    throw new UsageError(`invalid CIDR address: ${cidr}`);
  }
  return { base: (ip & mask(prefix)) >>> 0, prefix };
}

export function formatCidr(s: Subnet): string {
  return `${intToIp(s.base)}/${s.prefix}`;
}

export function contains(s: Subnet, ip: number): boolean {
  return (ip & mask(s.prefix)) >>> 0 === s.base;
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return (a.base & mask(p)) >>> 0 === (b.base & mask(p)) >>> 0;
}

/** Usable host addresses (network and broadcast excluded). */
export function hostRange(s: Subnet): { first: number; last: number } {
  const size = 2 ** (32 - s.prefix);
  if (size <= 2) return { first: s.base, last: s.base + size - 1 };
  return { first: s.base + 1, last: s.base + size - 2 };
}

/** Docker's MAC for an address: 02:42 followed by the four bytes of the IPv4 address. */
export function macForIp(ip: string): string {
  const n = ipToInt(ip);
  const bytes = [0x02, 0x42, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export function isMac(mac: string): boolean {
  return /^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/.test(mac);
}

/**
 * IPv4 routes of the host from /proc/net/route's text (destination and mask are little-endian
 * hex), default route excluded: a new subnet must not overlap any of them.
 */
export function parseProcRoutes(text: string): Subnet[] {
  const out: Subnet[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const le = (h: string) => {
      const v = parseInt(h, 16);
      return (((v & 255) << 24) | (((v >>> 8) & 255) << 16) | (((v >>> 16) & 255) << 8) | (v >>> 24)) >>> 0;
    };
    const dest = le(f[1]!);
    const m = le(f[7]!);
    if (m === 0) continue;
    let prefix = 0;
    while (prefix < 32 && ((m << prefix) & 0x80000000) !== 0) prefix++;
    out.push({ base: dest, prefix });
  }
  return out;
}
