/**
 * Docker's credential store, shared with the docker CLI: `$DOCKER_CONFIG/config.json` (else
 * `~/.docker/config.json`), `auths` entries with a base64 `user:password` in `auth`, or a
 * credential helper (`credsStore` for all registries, `credHelpers` per registry) run as
 * `docker-credential-<name> get|store|erase`. The file is rewritten atomically, mode 0600, and
 * every key tsdock does not manage is kept as it was.
 */
import { spawn } from 'node:child_process';
import { randomHex } from '../state/ids.js';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { RegistryError, UsageError } from '../errors.js';
import type { Credentials } from './auth.js';

export interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  [k: string]: unknown;
}

export interface DockerConfigFile {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [k: string]: unknown;
}

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || join(homedir(), '.docker');
}

export function configFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), 'config.json');
}

export async function readConfigFile(path: string): Promise<DockerConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new UsageError(`loading config file ${path}: ${(err as Error).message}`);
  }
  if (!text.trim()) return {};
  try {
    const doc = JSON.parse(text) as unknown;
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('not a JSON object');
    return doc as DockerConfigFile;
  } catch (err) {
    throw new UsageError(`loading config file ${path}: ${(err as Error).message}`);
  }
}

/** Writes beside the target and renames over it, so a reader never sees half a file. */
export async function writeConfigFile(path: string, doc: DockerConfigFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomHex(4)}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(doc, null, '\t') + '\n', { mode: 0o600 });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** config.json keys may be URLs (`https://host/v1/`); Docker matches them by host. */
export function keyHost(key: string): string {
  return key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
}

function findAuthEntry(doc: DockerConfigFile, key: string): AuthEntry | undefined {
  const auths = doc.auths ?? {};
  if (auths[key]) return auths[key];
  const host = keyHost(key);
  for (const [k, v] of Object.entries(auths)) if (keyHost(k) === host) return v;
  return undefined;
}

export function helperFor(doc: DockerConfigFile, key: string): string | undefined {
  return doc.credHelpers?.[key] ?? doc.credHelpers?.[keyHost(key)] ?? doc.credsStore ?? undefined;
}

function decodeEntry(e: AuthEntry): Credentials | undefined {
  if (e.auth) {
    const text = Buffer.from(e.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon < 0) throw new UsageError('invalid auth configuration file');
    return {
      username: text.slice(0, colon),
      password: text.slice(colon + 1),
      ...(e.identitytoken ? { identityToken: e.identitytoken } : {}),
    };
  }
  if (e.username) return { username: e.username, password: e.password ?? '' };
  return undefined;
}

/** Runs `docker-credential-<helper> <action>` with its one-line protocol on stdin/stdout. */
export function runHelper(helper: string, action: 'get' | 'store' | 'erase', input: string): Promise<string> {
  const program = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, [action], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) =>
      reject(
        new RegistryError(
          (e as NodeJS.ErrnoException).code === 'ENOENT'
            ? `error getting credentials - err: exec: "${program}": executable file not found in $PATH, out: \`\``
            : `${program}: ${e.message}`,
        ),
      ),
    );
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new HelperError((out || err).trim()));
    });
    child.stdin.end(input);
  });
}

class HelperError extends RegistryError {}

const NOT_FOUND = 'credentials not found in native keychain';

export async function getCredentials(key: string, path = configFile()): Promise<Credentials | undefined> {
  const doc = await readConfigFile(path);
  const helper = helperFor(doc, key);
  if (helper) {
    let out: string;
    try {
      out = await runHelper(helper, 'get', key);
    } catch (err) {
      if (err instanceof HelperError && err.message.includes(NOT_FOUND)) return undefined;
      throw err;
    }
    const c = JSON.parse(out) as { Username?: string; Secret?: string };
    if (!c.Secret) return undefined;
    // Helpers return `<token>` as the user name for identity tokens (docker/cli's convention).
    if (c.Username === '<token>') return { username: '', password: '', identityToken: c.Secret };
    return { username: c.Username ?? '', password: c.Secret };
  }
  const entry = findAuthEntry(doc, key);
  return entry ? decodeEntry(entry) : undefined;
}

/** Saves credentials for `key`; returns the file written (for Docker's unencrypted-storage warning). */
export async function storeCredentials(
  key: string,
  creds: Credentials,
  path = configFile(),
): Promise<{ path: string; helper?: string }> {
  const doc = await readConfigFile(path);
  const helper = helperFor(doc, key);
  doc.auths ??= {};
  if (helper) {
    await runHelper(
      helper,
      'store',
      JSON.stringify({ ServerURL: key, Username: creds.username, Secret: creds.password }),
    );
    // docker/cli keeps an empty entry so `docker info`-style listings still see the registry.
    doc.auths[key] = {};
  } else {
    doc.auths[key] = { auth: Buffer.from(`${creds.username}:${creds.password}`).toString('base64') };
  }
  await writeConfigFile(path, doc);
  return { path, ...(helper ? { helper } : {}) };
}

/** Removes credentials; false when there were none for that registry. */
export async function eraseCredentials(key: string, path = configFile()): Promise<boolean> {
  const doc = await readConfigFile(path);
  const helper = helperFor(doc, key);
  let found = false;
  for (const k of Object.keys(doc.auths ?? {})) {
    if (k === key || keyHost(k) === keyHost(key)) {
      delete doc.auths![k];
      found = true;
    }
  }
  if (helper) {
    try {
      await runHelper(helper, 'erase', key);
      found = true;
    } catch (err) {
      if (!(err instanceof HelperError)) throw err;
    }
  }
  if (found) await writeConfigFile(path, doc);
  return found;
}
