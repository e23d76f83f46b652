/**
 * A container's /etc/hosts and /etc/resolv.conf, as moby's libnetwork writes them (etchosts.Build,
 * resolvconf.Build). Files are rewritten in place, never replaced: they are bind-mounted by inode.
 */
import { readFile, writeFile } from 'node:fs/promises';

const DEFAULT_HOSTS = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

export interface HostsInput {
  hostname: string;
  /** The container's own address; none (host/none modes) maps the hostname to 127.0.0.1 … */
  ip?: string;
  /** --add-host entries, `name:ip` (host-gateway already replaced). */
  extraHosts: string[];
  /** --link targets: their address and the names they answer to here (after --add-host, as Docker). */
  links?: { ip: string; names: string[] }[];
  /** Other members of a user-defined network: address and the names it answers to. */
  peers?: { ip: string; names: string[] }[];
}

export function hostsFile(h: HostsInput): string {
  const lines = [...DEFAULT_HOSTS];
  for (const e of h.extraHosts) {
    const i = e.indexOf(':');
    lines.push(`${e.slice(i + 1)}\t${e.slice(0, i)}`);
  }
  for (const l of h.links ?? []) lines.push(`${l.ip}\t${l.names.join(' ')}`);
  lines.push(`${h.ip ?? '127.0.0.1'}\t${h.hostname}`);
  if (h.peers && h.peers.length > 0) {
    lines.push('# tsdock: other containers of the network');
    for (const p of h.peers) lines.push(`${p.ip}\t${p.names.join(' ')}`);
  }
  return lines.join('\n') + '\n';
}

export interface DnsInput {
  dns: string[];
  dnsSearch: string[];
  dnsOptions: string[];
}

/**
 * The host's resolv.conf minus loopback resolvers (they mean nothing inside another netns), with
 * --dns/--dns-search/--dns-option replacing the host's nameservers, search and options lines.
 */
export async function resolvConf(d: DnsInput, hostFile = '/etc/resolv.conf'): Promise<string> {
  let text = '';
  try {
    text = await readFile(hostFile, 'utf8');
  } catch {
    /* no resolver configured */
  }
  return buildResolvConf(text, d);
}

export function buildResolvConf(hostText: string, d: DnsInput): string {
  const lines = hostText.split('\n');
  const field = (k: string) => lines.filter((l) => new RegExp(`^\\s*${k}\\s`).test(l));
  let ns = field('nameserver')
    .map((l) => l.trim().split(/\s+/)[1]!)
    .filter((a) => !/^(127\.|::1$)/.test(a));
  if (ns.length === 0) ns = ['8.8.8.8', '8.8.4.4'];
  if (d.dns.length === 0 && d.dnsSearch.length === 0 && d.dnsOptions.length === 0) {
    const kept = hostText
      .trimEnd()
      .split('\n')
      .filter((l) => l !== '' && !/^\s*nameserver\s+(127\.|::1\b)/.test(l));
    if (!kept.some((l) => /^\s*nameserver\s/.test(l))) kept.push('nameserver 8.8.8.8', 'nameserver 8.8.4.4');
    return kept.join('\n').trimEnd() + '\n';
  }
  const search =
    d.dnsSearch.length > 0 ? d.dnsSearch : field('search').flatMap((l) => l.trim().split(/\s+/).slice(1));
  const options =
    d.dnsOptions.length > 0 ? d.dnsOptions : field('options').flatMap((l) => l.trim().split(/\s+/).slice(1));
  let out = '';
  for (const n of d.dns.length > 0 ? d.dns : ns) out += `nameserver ${n}\n`;
  if (search.length > 0 && search.join(' ').trim() !== '.') out += `search ${search.join(' ')}\n`;
  if (options.length > 0) out += `options ${options.join(' ')}\n`;
  return out;
}

/** Rewrites a bind-mounted file in place (same inode). */
export async function rewrite(path: string, content: string): Promise<void> {
  await writeFile(path, content);
}
