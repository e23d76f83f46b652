/**
 * Where a reference's registry is and how to talk to it, with Docker's rules: docker.io is served by
 * registry-1.docker.io, loopback registries and those listed as insecure speak plain HTTP, everything
 * else HTTPS with the system CAs plus a per-registry directory laid out as /etc/docker/certs.d
 * (`<host:port>/*.crt` extra CAs, `*.cert` + `*.key` client certificate pairs).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { TsdockConfig } from '../config.js';
import { DEFAULT_DOMAIN } from '../images/reference.js';

export interface Endpoint {
  /** The registry name as written in references and config.json (`docker.io`, `127.0.0.1:5000`). */
  name: string;
  /** Base URL of the API, without `/v2/`. */
  url: string;
  tls?: { ca?: Buffer[]; cert?: Buffer; key?: Buffer };
  /**
   * Insecure registries (loopback ones and those configured): HTTPS is tried first, and this
   * plain-HTTP URL is used when HTTPS fails — Docker's behaviour. Gone once HTTPS has worked.
   */
  fallback?: string;
  /** Loopback or configured insecure: certificates are not verified, on any request of this registry. */
  insecure?: boolean;
  /** A "registry-mirrors" entry standing in for Docker Hub: pulls only, and a failure moves on. */
  mirror?: boolean;
}

/** Whether `url` is on the registry itself (scheme, host and port), where its credentials may go. */
export function isRegistryUrl(ep: Endpoint, url: string): boolean {
  const u = new URL(url);
  return [ep.url, ep.fallback].some((base) => base !== undefined && new URL(base).origin === u.origin);
}

export const DOCKER_HUB_API = 'registry-1.docker.io';
/** Docker keeps Hub credentials under this key in config.json. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';

function hostOnly(name: string): string {
  if (name.startsWith('[')) return name.slice(1, name.indexOf(']'));
  const colon = name.lastIndexOf(':');
  return colon > 0 && !name.slice(0, colon).includes(':') ? name.slice(0, colon) : name;
}

export function isLoopback(name: string): boolean {
  const host = hostOnly(name);
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return isIP(host) === 6 && (host === '::1' || host === '0:0:0:0:0:0:0:1');
}

function ipv4ToInt(a: string): number {
  return a.split('.').reduce((n, p) => n * 256 + Number(p), 0);
}

/** An "insecure-registries" entry matches by name or, as Docker's, by CIDR for IP registries. */
export function isInsecure(name: string, insecure: string[]): boolean {
  if (isLoopback(name)) return true;
  const host = hostOnly(name);
  for (const entry of insecure) {
    if (entry === name || entry === host) return true;
    const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(entry);
    if (m && isIP(host) === 4) {
      const bits = Number(m[2]);
      const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
      if ((ipv4ToInt(host) & mask) >>> 0 === (ipv4ToInt(m[1]!) & mask) >>> 0) return true;
    }
  }
  return false;
}

function readCertsDir(dir: string): Endpoint['tls'] | undefined {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return undefined;
  }
  const tls: NonNullable<Endpoint['tls']> = {};
  for (const f of files.sort()) {
    if (f.endsWith('.crt')) (tls.ca ??= []).push(readFileSync(join(dir, f)));
    else if (f.endsWith('.cert')) {
      const key = f.replace(/\.cert$/, '.key');
      if (!files.includes(key)) throw new Error(`missing key ${key} for client certificate ${f}`);
      tls.cert = readFileSync(join(dir, f));
      tls.key = readFileSync(join(dir, key));
    }
  }
  return tls;
}

export function endpointFor(
  domain: string,
  config: Pick<TsdockConfig, 'insecureRegistries' | 'certsDir'>,
): Endpoint {
  const name = domain === 'index.docker.io' ? DEFAULT_DOMAIN : domain;
  const apiHost = name === DEFAULT_DOMAIN ? DOCKER_HUB_API : name;
  const tls = readCertsDir(join(config.certsDir, name));
  return {
    name,
    url: `https://${apiHost}`,
    ...(tls ? { tls } : {}),
    ...(isInsecure(name, config.insecureRegistries) ? { fallback: `http://${apiHost}`, insecure: true } : {}),
  };
}

/**
 * Where a pull of `domain` is tried, in order: for Docker Hub each configured mirror (its URL as
 * given, http or https, no plain-HTTP retry; certificates unverified when its host is insecure, as
 * the daemon's lookupV2Endpoints), then Hub; any other registry is its own single endpoint.
 * Pushes and logins use endpointFor: they never go to a mirror.
 */
export function pullEndpoints(
  domain: string,
  config: Pick<TsdockConfig, 'insecureRegistries' | 'certsDir' | 'registryMirrors'>,
): Endpoint[] {
  const official = endpointFor(domain, config);
  if (official.name !== DEFAULT_DOMAIN) return [official];
  const mirrors = config.registryMirrors.map((m): Endpoint => {
    const host = new URL(m).host;
    const tls = readCertsDir(join(config.certsDir, host));
    return {
      name: DEFAULT_DOMAIN,
      url: m.replace(/\/+$/, ''),
      mirror: true,
      ...(tls ? { tls } : {}),
      ...(isInsecure(host, config.insecureRegistries) ? { insecure: true } : {}),
    };
  });
  return [...mirrors, official];
}

/** The key config.json uses for a registry's credentials (Docker Hub's historical URL). */
export function authKey(name: string): string {
  return name === DEFAULT_DOMAIN ? DOCKER_HUB_AUTH_KEY : name;
}

/** `info`'s RegistryConfig, in the Engine API's shape (moby's registry.ServiceConfig). */
export interface RegistryServiceConfig {
  InsecureRegistryCIDRs: string[];
  IndexConfigs: Record<string, { Name: string; Mirrors: string[]; Secure: boolean; Official: boolean }>;
  Mirrors: string[];
}

export function registryServiceConfig(
  config: Pick<TsdockConfig, 'insecureRegistries' | 'registryMirrors'>,
): RegistryServiceConfig {
  const cidrs: string[] = [];
  const index: RegistryServiceConfig['IndexConfigs'] = {};
  for (const entry of config.insecureRegistries) {
    const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(entry);
    if (m) {
      const bits = Number(m[2]);
      const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
      const net = (ipv4ToInt(m[1]!) & mask) >>> 0;
      const text = [24, 16, 8, 0].map((s) => (net >>> s) & 255).join('.');
      cidrs.push(`${text}/${bits}`);
    } else index[entry] = { Name: entry, Mirrors: [], Secure: false, Official: false };
  }
  // Loopback registries are insecure without being listed, as the daemon adds these two.
  for (const c of ['::1/128', '127.0.0.0/8']) if (!cidrs.includes(c)) cidrs.push(c);
  index[DEFAULT_DOMAIN] = {
    Name: DEFAULT_DOMAIN,
    Mirrors: config.registryMirrors,
    Secure: true,
    Official: true,
  };
  return { InsecureRegistryCIDRs: cidrs, IndexConfigs: index, Mirrors: config.registryMirrors };
}
