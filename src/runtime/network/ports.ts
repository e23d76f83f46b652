/**
 * Docker's -p/--expose grammar (go-connections nat.ParsePortSpec, docker/cli's expose checks) and
 * the output forms of published ports (`port`, inspect). Pure: allocation lives in ipam.ts.
 */
import { isIP } from 'node:net';
import { UsageError } from '../errors.js';
import { bindAddress, splitPortKey, splitProtoPort } from './port-keys.js';

export { bindAddress, splitPortKey, splitProtoPort };

export type PortBindings = Record<string, { HostIp: string; HostPort: string }[]>;

/** A published port once its host port is chosen. */
export interface PublishedPort {
  containerPort: number;
  proto: string;
  /** '' or '0.0.0.0' = every address. */
  hostIp: string;
  hostPort: number;
}

const PROTOS = new Set(['tcp', 'udp', 'sctp']);

/** strconv.ParseUint(s, 10, 16) */
function parseUint16(s: string): number | undefined {
  if (!/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 65535 ? n : undefined;
}

/** nat.ParsePortRange: `80` or `8000-8010`. */
export function parsePortRange(ports: string): { start: number; end: number } {
  if (ports === '') throw new Error('empty string specified for ports');
  if (!ports.includes('-')) {
    const start = parseUint16(ports);
    if (start === undefined) throw new Error(`strconv.ParseUint: parsing "${ports}": invalid syntax`);
    return { start, end: start };
  }
  const [a = '', b = ''] = ports.split('-');
  const start = parseUint16(a);
  const end = parseUint16(b);
  if (start === undefined || end === undefined)
    throw new Error(`strconv.ParseUint: parsing "${start === undefined ? a : b}": invalid syntax`);
  if (end < start) throw new Error(`invalid range specified for port: ${ports}`);
  return { start, end };
}

/** nat.SplitProtoPort */
function splitParts(raw: string): [string, string, string] {
  const parts = raw.split(':');
  const n = parts.length;
  const container = parts[n - 1]!;
  if (n === 1) return ['', '', container];
  if (n === 2) return ['', parts[0]!, container];
  if (n === 3) return [parts[0]!, parts[1]!, container];
  return [parts.slice(0, n - 2).join(':'), parts[n - 2]!, container];
}

/** docker/cli's long form `published=8080,target=80,protocol=udp` → the short one. */
function standardNotation(raw: string): string {
  if (!raw.includes('=')) return raw;
  const p: Record<string, string> = {};
  for (const kv of raw.split(',')) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`invalid field '${kv}' must be a key=value pair`);
    p[kv.slice(0, eq).toLowerCase()] = kv.slice(eq + 1);
  }
  if (!p.target) throw new UsageError('missing mandatory field "target"');
  return `${p.published ?? ''}:${p.target}/${p.protocol ?? 'tcp'}`;
}

export interface PortMapping {
  /** `80/tcp` */
  port: string;
  hostIp: string;
  /** '', `8080`, or a range `8000-8010` to choose from. */
  hostPort: string;
}

/** nat.ParsePortSpec with Docker's error wording. */
export function parsePortSpec(rawPort: string): PortMapping[] {
  const raw = standardNotation(rawPort);
  const parts = splitParts(raw);
  let ip = parts[0];
  const hostPort = parts[1];
  let containerPort = parts[2];
  const sp = splitProtoPort(containerPort);
  const proto = sp.proto;
  containerPort = sp.port;
  if (ip !== '' && ip.startsWith('[')) {
    const m = /^\[([^\]]*)\]$/.exec(ip);
    if (!m) throw new UsageError(`invalid IP address ${ip}: address ${ip}:: missing port in address`);
    ip = m[1]!;
  }
  if (ip !== '' && isIP(ip) === 0) throw new UsageError(`invalid IP address: ${ip}`);
  if (containerPort === '') throw new UsageError(`no port specified: ${raw}<empty>`);
  let c: { start: number; end: number };
  try {
    c = parsePortRange(containerPort);
  } catch {
    throw new UsageError(`invalid containerPort: ${containerPort}`);
  }
  let h = { start: 0, end: 0 };
  if (hostPort.length > 0) {
    try {
      h = parsePortRange(hostPort);
    } catch {
      throw new UsageError(`invalid hostPort: ${hostPort}`);
    }
  }
  if (hostPort !== '' && c.end - c.start !== h.end - h.start && c.end !== c.start) {
    throw new UsageError(
      `invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`,
    );
  }
  if (!PROTOS.has(proto.toLowerCase())) throw new UsageError(`invalid proto: ${proto}`);
  const out: PortMapping[] = [];
  for (let i = 0; i <= c.end - c.start; i++) {
    let hp = hostPort.length > 0 ? String(h.start + i) : '';
    if (c.start === c.end && h.start !== h.end) hp = `${hp}-${h.end}`;
    out.push({ port: `${c.start + i}/${proto.toLowerCase()}`, hostIp: ip, hostPort: hp });
  }
  return out;
}

/** -p values → HostConfig.PortBindings (Docker keeps the HostIp/HostPort as typed). */
export function parsePublish(specs: string[]): PortBindings {
  const bindings: PortBindings = {};
  for (const raw of specs) {
    for (const m of parsePortSpec(raw))
      (bindings[m.port] ??= []).push({ HostIp: m.hostIp, HostPort: m.hostPort });
  }
  return bindings;
}

/** --expose checks (docker/cli opts.go): `80`, `80/udp`, `8000-8010`. */
export function parseExpose(specs: string[]): string[] {
  const out: string[] = [];
  for (const e of specs) {
    if (e.includes(':')) throw new UsageError(`invalid port format for --expose: ${e}`);
    const { proto, port } = splitProtoPort(e);
    let r: { start: number; end: number };
    try {
      r = parsePortRange(port);
    } catch (err) {
      throw new UsageError(`invalid range format for --expose: ${e}, error: ${(err as Error).message}`);
    }
    for (let p = r.start; p <= r.end; p++) out.push(`${p}/${proto}`);
  }
  return out;
}

const joinHostPort = (host: string, port: number): string =>
  host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;

/** Docker's port keys sort: by number, then protocol. */
function comparePorts(a: PublishedPort, b: PublishedPort): number {
  return a.containerPort - b.containerPort || a.proto.localeCompare(b.proto);
}

/**
 * `docker port c [PORT[/PROTO]]`: every mapping `80/tcp -> 0.0.0.0:8080`, or for one port just the
 * host addresses. `null` when the requested port is not published.
 */
export function portLines(ports: PublishedPort[], filter?: string): string[] | null {
  const sorted = [...ports].sort(comparePorts);
  if (filter === undefined) {
    return sorted.map(
      (p) => `${p.containerPort}/${p.proto} -> ${joinHostPort(bindAddress(p.hostIp), p.hostPort)}`,
    );
  }
  const { port, proto } = splitProtoPort(filter);
  const want = proto || 'tcp';
  const hits = sorted.filter((p) => String(p.containerPort) === port && p.proto === want);
  return hits.length > 0 ? hits.map((p) => joinHostPort(bindAddress(p.hostIp), p.hostPort)) : null;
}

/** NetworkSettings.Ports: every exposed port, null when not published. */
export function networkPorts(
  exposed: string[],
  published: PublishedPort[],
): Record<string, { HostIp: string; HostPort: string }[] | null> {
  const out: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const key of exposed) out[key] = null;
  for (const p of [...published].sort(comparePorts)) {
    const key = `${p.containerPort}/${p.proto}`;
    (out[key] ??= []).push({ HostIp: bindAddress(p.hostIp), HostPort: String(p.hostPort) });
  }
  return out;
}
