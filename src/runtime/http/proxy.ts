/**
 * Which proxy a request of tsdock's (registry, `ADD <url>`) goes through, from HTTP_PROXY / HTTPS_PROXY / NO_PROXY (or their
 * lower-case forms), with the rules of Go's golang.org/x/net/http/httpproxy that Docker's daemon
 * and CLI use: upper case wins; a value without a scheme is `http://host:port`; `localhost` and
 * loopback addresses are never proxied; NO_PROXY entries match by exact IP (optionally with a port),
 * CIDR, domain and its subdomains (`.example.com` and `*.example.com` only the subdomains), a
 * domain with a port, or `*` for everything. npm's proxy-from-env follows curl instead (no CIDR, and
 * loopback is proxied), so the matching is here and the connecting is left to the proxy agents.
 */
import { BlockList, isIP } from 'node:net';
import { domainToASCII } from 'node:url';

export interface ProxySettings {
  httpProxy?: URL;
  httpsProxy?: URL;
  /** The NO_PROXY text as given, for `info`. */
  noProxy: string;
  /** Unparsed values, for `info` (Docker shows the environment's, credentials masked). */
  raw: { http: string; https: string };
  cgi: boolean;
  matchers: ((host: string, port: string, ip: number) => boolean)[];
}

function envAny(env: NodeJS.ProcessEnv, ...names: string[]): string {
  for (const n of names) {
    const v = env[n];
    if (v) return v;
  }
  return '';
}

const PROXY_SCHEMES = ['http:', 'https:', 'socks5:'];

/** Go's parseProxy: a URL, or `host[:port]` taken as `http://host[:port]`; bogus values are ignored. */
export function parseProxy(value: string): URL | undefined {
  if (!value) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !PROXY_SCHEMES.includes(url.protocol)) {
    try {
      return new URL(`http://${value}`);
    } catch {
      return url;
    }
  }
  return url;
}

/** Splits `host:port`, `[v6]:port` or a bare host; the port is '' when absent. */
function splitHostPort(s: string): { host: string; port: string } {
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end > 0) {
      const rest = s.slice(end + 1);
      return { host: s.slice(1, end), port: rest.startsWith(':') ? rest.slice(1) : '' };
    }
  }
  const colon = s.lastIndexOf(':');
  // More than one colon and no brackets: a bare IPv6 address.
  if (colon > 0 && s.indexOf(':') === colon) return { host: s.slice(0, colon), port: s.slice(colon + 1) };
  return { host: s, port: '' };
}

function noProxyMatchers(noProxy: string): ProxySettings['matchers'] {
  const out: ProxySettings['matchers'] = [];
  for (let p of noProxy.split(',')) {
    p = p.trim().toLowerCase();
    if (!p) continue;
    if (p === '*') return [() => true];
    const cidr = /^(.+)\/(\d{1,3})$/.exec(p);
    if (cidr && isIP(cidr[1]!)) {
      const family = isIP(cidr[1]!) === 4 ? 'ipv4' : 'ipv6';
      const list = new BlockList();
      try {
        list.addSubnet(cidr[1]!, Number(cidr[2]), family);
      } catch {
        continue;
      }
      out.push((host, _port, ip) => ip !== 0 && list.check(host, ip === 4 ? 'ipv4' : 'ipv6'));
      continue;
    }
    const { host: phost, port: pport } = splitHostPort(p);
    if (!phost) continue;
    if (isIP(phost)) {
      const want = new BlockList();
      want.addAddress(phost, isIP(phost) === 4 ? 'ipv4' : 'ipv6');
      out.push(
        (host, port, ip) =>
          ip !== 0 && want.check(host, ip === 4 ? 'ipv4' : 'ipv6') && (!pport || pport === port),
      );
      continue;
    }
    let domain = phost.startsWith('*.') ? phost.slice(1) : phost;
    const matchHost = !domain.startsWith('.');
    if (matchHost) domain = `.${domain}`;
    domain = domainToASCII(domain.slice(1)) ? `.${domainToASCII(domain.slice(1))}` : domain;
    out.push(
      (host, port) =>
        (host.endsWith(domain) || (matchHost && host === domain.slice(1))) && (!pport || pport === port),
    );
  }
  return out;
}

export function proxySettings(env: NodeJS.ProcessEnv = process.env): ProxySettings {
  const http = envAny(env, 'HTTP_PROXY', 'http_proxy');
  const https = envAny(env, 'HTTPS_PROXY', 'https_proxy');
  const noProxy = envAny(env, 'NO_PROXY', 'no_proxy');
  const httpProxy = parseProxy(http);
  const httpsProxy = parseProxy(https);
  return {
    ...(httpProxy ? { httpProxy } : {}),
    ...(httpsProxy ? { httpsProxy } : {}),
    noProxy,
    raw: { http, https },
    cgi: !!env.REQUEST_METHOD,
    matchers: noProxyMatchers(noProxy),
  };
}

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

/** The proxy for a request to `target`, or undefined to connect directly. */
export function proxyFor(target: URL, s: ProxySettings): URL | undefined {
  let proxy: URL | undefined;
  if (target.protocol === 'https:') proxy = s.httpsProxy;
  else if (target.protocol === 'http:') {
    proxy = s.httpProxy;
    // Go refuses HTTP_PROXY under CGI (a client could set it through the Proxy header): so do we.
    if (proxy && s.cgi) return undefined;
  }
  if (!proxy) return undefined;
  let host = target.hostname.toLowerCase();
  if (host.startsWith('[')) host = host.slice(1, -1);
  const port = target.port || DEFAULT_PORTS[target.protocol] || '';
  if (host === 'localhost') return undefined;
  const ip = isIP(host);
  if (ip === 4 && host.startsWith('127.')) return undefined;
  if (ip === 6 && isV6Loopback(host)) return undefined;
  if (s.matchers.some((m) => m(host, port, ip))) return undefined;
  return proxy;
}

function isV6Loopback(host: string): boolean {
  const list = new BlockList();
  list.addAddress('::1', 'ipv6');
  return list.check(host, 'ipv6');
}

/** A proxy URL as `docker info` shows it: the password replaced by `xxxxx`. */
export function maskProxyCredentials(value: string): string {
  try {
    const u = new URL(value);
    if (!u.password) return value;
    u.password = 'xxxxx';
    return u.href.endsWith('/') && !value.endsWith('/') ? u.href.slice(0, -1) : u.href;
  } catch {
    return value;
  }
}
