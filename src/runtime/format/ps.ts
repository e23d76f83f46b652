/** Container listing fields exactly as the daemon (moby) and docker/cli's ContainerContext build them. */
import { compareGoStrings, goQuote } from './gofmt.js';
import { goTime as goTimeImpl, humanDuration, isZeroTime } from './units.js';

export type ContainerStateName =
  'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead' | 'removing';

export interface StatusInput {
  state: ContainerStateName;
  startedAt?: Date;
  finishedAt?: Date;
  exitCode?: number;
  now: Date;
  /** Health status when a healthcheck is configured: `starting`, `healthy`, `unhealthy`. */
  health?: string;
}

const since = (from: Date | undefined, now: Date): string =>
  humanDuration(now.getTime() - (from && !Number.isNaN(from.getTime()) ? from.getTime() : now.getTime()));

/** moby's State.String(): the STATUS column. */
export function statusString(s: StatusInput): string {
  switch (s.state) {
    case 'running':
    case 'paused':
    case 'restarting': {
      if (s.state === 'paused') return `Up ${since(s.startedAt, s.now)} (Paused)`;
      if (s.state === 'restarting')
        return `Restarting (${s.exitCode ?? 0}) ${since(s.finishedAt, s.now)} ago`;
      if (s.health) {
        const h = s.health === 'starting' ? 'health: starting' : s.health;
        return `Up ${since(s.startedAt, s.now)} (${h})`;
      }
      return `Up ${since(s.startedAt, s.now)}`;
    }
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
  }
  if (isZeroTime(s.startedAt)) return 'Created';
  if (isZeroTime(s.finishedAt)) return '';
  return `Exited (${s.exitCode ?? 0}) ${since(s.finishedAt, s.now)} ago`;
}

/** The CREATED column: `2 minutes ago`. */
export function runningFor(created: Date, now: Date): string {
  return `${humanDuration(now.getTime() - created.getTime())} ago`;
}

/** `.CreatedAt`: time.Unix(created, 0).String(), whole seconds in the local zone. */
export function goTime(date: Date): string {
  return goTimeImpl(new Date(Math.floor(date.getTime() / 1000) * 1000));
}

/** Ellipsis of docker/cli: at most `max` display columns, the last one `…`. */
export function ellipsis(s: string, max: number): string {
  if (max <= 0) return '';
  const runes = [...s];
  if (max === 1) return runes[0] ?? '';
  if (runes.length <= max) return s;
  return runes.slice(0, max - 1).join('') + '…';
}

/**
 * The COMMAND column: the daemon joins path and args (args containing a space in single quotes),
 * the CLI cuts it to 20 characters with `…` unless --no-trunc, then Go-quotes it.
 */
export function psCommand(path: string, args: readonly string[], noTrunc: boolean): string {
  let command = path;
  if (args.length > 0) command += ' ' + args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ');
  return goQuote(noTrunc ? command : ellipsis(command, 20));
}

/** One entry of the API's container summary Ports list. */
export interface PortSummary {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: string;
}

function ipBytes(ip: string): number[] {
  if (ip.includes(':')) {
    const [head, tail = ''] = ip.split('::');
    const parse = (p: string): number[] => (p ? p.split(':').map((h) => parseInt(h, 16)) : []);
    const h = parse(head);
    const t = ip.includes('::') ? parse(tail) : [];
    const groups = [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
    return [6, ...groups.flatMap((g) => [g >> 8, g & 0xff])];
  }
  return [4, ...ip.split('.').map(Number)];
}

/** netip.Addr.Less: invalid first, IPv4 before IPv6, then by address bytes. */
function compareIP(a: string, b: string): number {
  if (!a || !b) return (a ? 1 : 0) - (b ? 1 : 0);
  const x = ipBytes(a);
  const y = ipBytes(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  }
  return 0;
}

function comparePorts(i: PortSummary, j: PortSummary): number {
  if (i.PrivatePort !== j.PrivatePort) return i.PrivatePort - j.PrivatePort;
  const ip = compareIP(i.IP ?? '', j.IP ?? '');
  if (ip !== 0) return ip;
  if ((i.PublicPort ?? 0) !== (j.PublicPort ?? 0)) return (i.PublicPort ?? 0) - (j.PublicPort ?? 0);
  return compareGoStrings(i.Type, j.Type);
}

const joinHostPort = (host: string, port: string): string =>
  host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;

function formGroup(key: string, start: number, last: number): string {
  const slash = key.lastIndexOf('/');
  const ip = slash >= 0 ? key.slice(0, slash) : '';
  const type = slash >= 0 ? key.slice(slash + 1) : key;
  let group = String(start);
  if (start !== last) group += `-${last}`;
  if (ip) group = `${joinHostPort(ip, group)}->${group}`;
  return `${group}/${type}`;
}

/** DisplayablePorts: `0.0.0.0:8080->80/tcp, 80-82/tcp`. */
export function formatPorts(ports: readonly PortSummary[]): string {
  const sorted = [...ports].sort(comparePorts);
  const groups = new Map<string, { first: number; last: number }>();
  const result: string[] = [];
  const hostMappings: string[] = [];
  for (const port of sorted) {
    const current = port.PrivatePort;
    let key = port.Type;
    if (port.IP) {
      if ((port.PublicPort ?? 0) !== current) {
        hostMappings.push(`${joinHostPort(port.IP, String(port.PublicPort ?? 0))}->${current}/${port.Type}`);
        continue;
      }
      key = `${port.IP}/${port.Type}`;
    }
    const group = groups.get(key);
    if (!group) {
      groups.set(key, { first: current, last: current });
      continue;
    }
    if (current === group.last + 1) {
      group.last = current;
      continue;
    }
    result.push(formGroup(key, group.first, group.last));
    // re-inserting moves nothing: Map keeps the key's first position, as Go's groupMapKeys does
    groups.set(key, { first: current, last: current });
  }
  for (const [key, g] of groups) result.push(formGroup(key, g.first, g.last));
  return [...result, ...hostMappings].join(', ');
}

/** `.Labels`: `k=v` pairs sorted, comma-joined. */
export function formatLabels(labels: Record<string, string> | null | undefined): string {
  if (!labels) return '';
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .sort(compareGoStrings)
    .join(',');
}

/** TruncateID: drops an algorithm prefix, keeps 12 characters. */
export function shortId(id: string): string {
  const colon = id.indexOf(':');
  if (colon >= 0) id = id.slice(colon + 1);
  return id.length > 12 ? id.slice(0, 12) : id;
}
