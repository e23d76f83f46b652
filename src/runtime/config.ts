/**
 * tsdock's configuration file: what Docker keeps in /etc/docker/daemon.json, read by every command
 * because tsdock has no daemon. The path comes from $TSDOCK_CONFIG (the test suite points it at a
 * file of its own, so concurrent runs use different bridges and subnets), else /etc/tsdock/config.json.
 * Keys follow daemon.json's names where Docker has one.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from './errors.js';

export interface TsdockConfig {
  /** Linux bridge of the default `bridge` network (daemon.json "bridge"; Docker: docker0). */
  bridge: string;
  /** Gateway address and prefix of the default network ("bip"); unset: 10.4.0.1/24 or the next free /24. */
  bip?: string;
  /** Registries reached over plain HTTP ("insecure-registries"); loopback ones always are. */
  insecureRegistries: string[];
  /** Mirrors of Docker Hub tried in order before it by pulls ("registry-mirrors"), each ending in `/`. */
  registryMirrors: string[];
  /** Layers downloaded at once by pull ("max-concurrent-downloads"). */
  maxConcurrentDownloads: number;
  /** Layers uploaded at once by push ("max-concurrent-uploads"). */
  maxConcurrentUploads: number;
  /** Per-registry CA and client certificates, laid out as Docker's /etc/docker/certs.d. */
  certsDir: string;
}

export const DEFAULT_CONFIG: TsdockConfig = {
  bridge: 'tsdock0',
  insecureRegistries: [],
  registryMirrors: [],
  maxConcurrentDownloads: 3,
  maxConcurrentUploads: 5,
  certsDir: '/etc/tsdock/certs.d',
};

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.TSDOCK_CONFIG || '/etc/tsdock/config.json';
}

/** Reads and checks the file; a missing file means the defaults. */
export function loadConfig(path = configPath()): TsdockConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ...DEFAULT_CONFIG };
    throw new UsageError(`unable to read configuration file ${path}: ${(err as Error).message}`);
  }
  return parseConfig(text, path);
}

export function parseConfig(text: string, path: string): TsdockConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`invalid configuration file ${path}: ${(err as Error).message}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UsageError(`invalid configuration file ${path}: expected a JSON object`);
  }
  const o = raw as Record<string, unknown>;
  const bad = (key: string, want: string): never => {
    throw new UsageError(`invalid configuration file ${path}: "${key}" must be ${want}`);
  };
  const str = (key: string): string | undefined => {
    const v = o[key];
    if (v === undefined) return undefined;
    return typeof v === 'string' && v !== '' ? v : bad(key, 'a non-empty string');
  };
  const posInt = (key: string): number | undefined => {
    const v = o[key];
    if (v === undefined) return undefined;
    return Number.isInteger(v) && (v as number) > 0 ? (v as number) : bad(key, 'a positive integer');
  };
  const strList = (key: string): string[] | undefined => {
    const v = o[key];
    if (v === undefined) return undefined;
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : bad(key, 'a list of strings');
  };
  const cfg: TsdockConfig = {
    bridge: str('bridge') ?? DEFAULT_CONFIG.bridge,
    insecureRegistries: strList('insecure-registries') ?? DEFAULT_CONFIG.insecureRegistries,
    registryMirrors: DEFAULT_CONFIG.registryMirrors,
    maxConcurrentDownloads: posInt('max-concurrent-downloads') ?? DEFAULT_CONFIG.maxConcurrentDownloads,
    maxConcurrentUploads: posInt('max-concurrent-uploads') ?? DEFAULT_CONFIG.maxConcurrentUploads,
    certsDir: str('certs-dir') ?? DEFAULT_CONFIG.certsDir,
  };
  const bip = str('bip');
  if (bip !== undefined) {
    if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(bip))
      bad('bip', 'an address with a prefix, e.g. 10.4.0.1/24');
    cfg.bip = bip;
  }
  const mirrors = strList('registry-mirrors');
  if (mirrors) {
    try {
      cfg.registryMirrors = [...new Set(mirrors.map(validateMirror))];
    } catch (err) {
      throw new UsageError(`invalid configuration file ${path}: ${(err as Error).message}`);
    }
  }
  if (cfg.bridge.length > 15) bad('bridge', 'an interface name of at most 15 characters');
  return cfg;
}

const MIRROR_SCHEMES = "must use either 'https://' or 'http://'";

/**
 * A "registry-mirrors" entry, checked and normalised as the daemon's ValidateMirror: an http or
 * https URL (a path is allowed, the API is under it), without query, fragment or credentials.
 */
export function validateMirror(mirror: string): string {
  const cut = mirror.indexOf('://');
  if (cut <= 0) throw new Error(`invalid mirror: no scheme specified for "${mirror}": ${MIRROR_SCHEMES}`);
  let uri: URL;
  try {
    uri = new URL(mirror);
  } catch {
    throw new Error(`invalid mirror: "${mirror}" is not a valid URI`);
  }
  if (uri.protocol !== 'http:' && uri.protocol !== 'https:') {
    throw new Error(
      `invalid mirror: unsupported scheme "${uri.protocol.slice(0, -1)}" in "${mirror}": ${MIRROR_SCHEMES}`,
    );
  }
  if (uri.search || uri.hash || mirror.includes('?') || mirror.includes('#'))
    throw new Error(`invalid mirror: query or fragment at end of the URI "${mirror}"`);
  if (uri.username || uri.password) {
    const shown = mirror.replace(/\/\/([^:@/]*)(:[^@/]*)?@/, (_m, user: string) => `//${user}:xxxxx@`);
    throw new Error(`invalid mirror: username/password not allowed in URI "${shown}"`);
  }
  return (mirror.endsWith('/') ? mirror.slice(0, -1) : mirror) + '/';
}
