/**
 * `login` / `logout`: credentials are tried against the registry's /v2/ (the same challenge flow a
 * pull uses, Basic or Bearer) and saved to config.json only when the registry accepted them.
 */
import { RegistryError, UsageError } from '../errors.js';
import type { RuntimeContext } from '../context.js';
import { DEFAULT_DOMAIN } from '../images/reference.js';
import { Authorizer, registryErrorText } from './auth.js';
import { RegistryFailure, fallBack } from './client.js';
import { authKey, endpointFor } from './endpoint.js';
import { configFile, eraseCredentials, getCredentials, storeCredentials } from './credentials.js';
import { discard, readBody, request } from '../http/request.js';

export interface LoginOptions {
  server?: string;
  username?: string;
  password?: string;
  passwordStdin: boolean;
}

/** `http://host:5000/v2/` or `https://index.docker.io/v1/` → the registry name references use. */
export function registryName(server: string | undefined): string {
  if (!server) return DEFAULT_DOMAIN;
  const host = server.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? DEFAULT_DOMAIN : host;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let s = '';
  for await (const c of stream) s += typeof c === 'string' ? c : (c as Buffer).toString('utf8');
  return s;
}

/** Reads one line from a terminal, without echo for passwords. */
async function prompt(ctx: RuntimeContext, label: string, secret: boolean): Promise<string> {
  const stdin = ctx.stdio.stdin as NodeJS.ReadStream;
  if (!stdin.isTTY) throw new UsageError('Error: Cannot perform an interactive login from a non TTY device');
  ctx.stdio.stdout.write(label);
  if (secret) stdin.setRawMode(true);
  try {
    return await new Promise<string>((resolve, reject) => {
      let line = '';
      const onData = (d: Buffer) => {
        for (const ch of d.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            stdin.off('data', onData);
            stdin.pause();
            if (secret) ctx.stdio.stdout.write('\n');
            return resolve(line);
          }
          if (ch === '\u0003') {
            stdin.off('data', onData);
            return reject(new UsageError('interrupted'));
          }
          if (ch === '\u007f') line = line.slice(0, -1);
          else line += ch;
        }
      };
      stdin.on('data', onData);
      stdin.resume();
    });
  } finally {
    if (secret) stdin.setRawMode(false);
  }
}

/** Does the registry take these credentials? Errors with Docker's wording when it does not. */
async function verify(ctx: RuntimeContext, name: string, username: string, password: string): Promise<void> {
  const ep = endpointFor(name, ctx.config);
  const auth = new Authorizer(ep, async () => ({ username, password }));
  let url = `${ep.url}/v2/`;
  for (let attempt = 0; attempt < 2; attempt++) {
    const authz = await auth.header([]);
    let res;
    try {
      res = await request({ method: 'GET', url, headers: authz ? { Authorization: authz } : {} }, ep);
    } catch (err) {
      const plain = fallBack(ep, url);
      if (plain) {
        url = plain;
        attempt--;
        continue;
      }
      const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
      const why =
        e.code === 'ECONNREFUSED'
          ? `dial tcp ${e.address}:${e.port}: connect: connection refused`
          : e.message;
      throw new RegistryError(`Error response from daemon: Get "${url}": ${why}`, { cause: err });
    }
    if (res.status === 200) return discard(res);
    if (
      res.status === 401 &&
      attempt === 0 &&
      auth.learn(res.headers['www-authenticate'] as string | undefined)
    ) {
      discard(res);
      continue;
    }
    const body = (await readBody(res, 1 << 20)).toString('utf8');
    if (res.status === 401 && authz?.startsWith('Basic')) {
      throw new RegistryError(
        `Error response from daemon: login attempt to ${url} failed with status: 401 Unauthorized`,
      );
    }
    throw new RegistryError(
      `Error response from daemon: Get "${url}": ${registryErrorText(body, res.status)}`,
    );
  }
}

/** The URL an error names: an insecure registry's plain-HTTP one (what its last attempt used). */
function plainOrTls(ep: { url: string; fallback?: string }): string {
  return ep.fallback ?? ep.url;
}

export async function login(ctx: RuntimeContext, opts: LoginOptions): Promise<void> {
  const out = ctx.stdio.stdout;
  const err = ctx.stdio.stderr;
  if (opts.password !== undefined && opts.passwordStdin) {
    throw new UsageError('conflicting options: cannot specify both --password and --password-stdin');
  }
  if (opts.passwordStdin && !opts.username)
    throw new UsageError('Must provide --username with --password-stdin');
  const name = registryName(opts.server);
  const key = authKey(name);
  let { username, password } = opts;
  if (opts.passwordStdin) password = (await readAll(ctx.stdio.stdin)).replace(/\r?\n$/, '');
  else if (password !== undefined)
    err.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
  if (!username && password === undefined) {
    // Docker re-uses saved credentials when no flags are given and they still work.
    const saved = await getCredentials(key).catch(() => undefined);
    if (saved && saved.username && !(ctx.stdio.stdin as NodeJS.ReadStream).isTTY) {
      username = saved.username;
      password = saved.password;
    }
  }
  if (!username) username = (await prompt(ctx, 'Username: ', false)).trim();
  if (!username) throw new UsageError('Error: Non-null Username Required');
  if (password === undefined) password = await prompt(ctx, 'Password: ', true);
  if (!password) throw new UsageError('Error: Password Required');
  try {
    await verify(ctx, name, username, password);
  } catch (e) {
    if (e instanceof RegistryFailure) throw new RegistryError(`Error response from daemon: ${e.message}`);
    if (e instanceof RegistryError && !e.message.startsWith('Error response from daemon')) {
      throw new RegistryError(
        `Error response from daemon: Get "${plainOrTls(endpointFor(name, ctx.config))}/v2/": ${e.message}`,
      );
    }
    throw e;
  }
  const saved = await storeCredentials(key, { username, password }, configFile());
  if (!saved.helper) {
    err.write(
      `\nWARNING! Your credentials are stored unencrypted in '${saved.path}'.\n` +
        'Configure a credential helper to remove this warning. See\n' +
        'https://docs.docker.com/go/credential-store/\n\n',
    );
  }
  out.write('Login Succeeded\n');
}

export async function logout(ctx: RuntimeContext, server?: string): Promise<void> {
  const name = registryName(server);
  const key = authKey(name);
  // docker/cli 28 says this whether or not credentials were stored.
  ctx.stdio.stdout.write(`Removing login credentials for ${server ? name : key}\n`);
  await eraseCredentials(key, configFile());
}
