/**
 * A real registry for the tests: Debian's docker-registry (CNCF distribution) on 127.0.0.1 at a free
 * port, its storage and config in a temp dir, optionally behind htpasswd (bcrypt) or token auth
 * with a small token server in this process signing RS256 JWTs with a key and certificate made
 * by openssl. Everything is stopped by PID and removed by stop().
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createSign, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface TokenServer {
  url: string;
  /** Every token request: scopes asked for and the account (if any). */
  requests: { scopes: string[]; account?: string }[];
  close(): Promise<void>;
}

export interface Registry {
  host: string;
  port: number;
  dir: string;
  log(): string;
  token?: TokenServer;
  tls?: TlsFiles;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  auth?: { kind: 'htpasswd' | 'token'; user: string; password: string };
  /** HTTPS with a certificate from a test CA, clients required to present a certificate from it too. */
  mutualTls?: boolean;
  /** HTTPS with a certificate from a test CA nobody trusts (a self-signed registry), no client certificate. */
  tls?: boolean;
}

export interface TlsFiles {
  ca: string;
  clientCert: string;
  clientKey: string;
}

/** A CA, a server certificate for 127.0.0.1 (and `dnsNames`) and a client certificate, made by openssl. */
export function makeTlsFiles(
  dir: string,
  dnsNames: string[] = [],
): TlsFiles & { serverCert: string; serverKey: string } {
  const f = (n: string) => join(dir, n);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.crt'),
    '-days',
    '1',
    '-subj',
    '/CN=tsdock-test-ca',
  );
  writeFileSync(
    f('san.ext'),
    `subjectAltName=${['IP:127.0.0.1', ...dnsNames.map((n) => `DNS:${n}`)].join(',')}\n`,
  );
  for (const who of ['server', 'client']) {
    ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      f(`${who}.key`),
      '-out',
      f(`${who}.csr`),
      '-subj',
      `/CN=tsdock-test-${who}`,
    );
    ssl(
      'x509',
      '-req',
      '-in',
      f(`${who}.csr`),
      '-CA',
      f('ca.crt'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-out',
      f(`${who}.crt`),
      '-days',
      '1',
      ...(who === 'server' ? ['-extfile', f('san.ext')] : []),
    );
  }
  return {
    ca: f('ca.crt'),
    serverCert: f('server.crt'),
    serverKey: f('server.key'),
    clientCert: f('client.crt'),
    clientKey: f('client.key'),
  };
}

function b64url(b: Buffer | string): string {
  return Buffer.from(b).toString('base64url');
}

async function startTokenServer(
  dir: string,
  user: string,
  password: string,
): Promise<{ server: TokenServer; certPath: string; service: string; issuer: string }> {
  const key = join(dir, 'token.key');
  const certPath = join(dir, 'token.crt');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      certPath,
      '-days',
      '1',
      '-subj',
      '/CN=tsdock-test-token',
    ],
    { stdio: 'ignore' },
  );
  const keyPem = readFileSync(key);
  const certDer = Buffer.from(
    readFileSync(certPath, 'utf8')
      .replace(/-----[^-]+-----/g, '')
      .replace(/\s+/g, ''),
    'base64',
  );
  const service = 'tsdock-test-registry';
  const issuer = 'tsdock-test-issuer';
  const requests: TokenServer['requests'] = [];
  const srv = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const scopes = url.searchParams.getAll('scope');
    const authz = req.headers.authorization ?? '';
    let account: string | undefined;
    if (authz.startsWith('Basic ')) {
      const [u, p] = Buffer.from(authz.slice(6), 'base64').toString().split(':');
      if (u !== user || p !== password) {
        res.writeHead(401, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ details: 'incorrect username or password' }));
        requests.push({ scopes, account: u });
        return;
      }
      account = u;
    }
    requests.push({ scopes, ...(account ? { account } : {}) });
    // Authenticated callers get what they ask for; anonymous ones get nothing.
    const access = account
      ? scopes.map((s) => {
          const [type, ...rest] = s.split(':');
          const actions = rest.pop()!.split(',');
          return { type, name: rest.join(':'), actions };
        })
      : [];
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', x5c: [certDer.toString('base64')] };
    const claims = {
      iss: issuer,
      sub: account ?? '',
      aud: service,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access,
    };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = createSign('RSA-SHA256').update(signingInput).sign(keyPem);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ token: `${signingInput}.${b64url(sig)}`, expires_in: 300 }));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}/token`;
  return {
    server: { url, requests, close: () => new Promise((r) => srv.close(() => r())) },
    certPath,
    service,
    issuer,
  };
}

export async function startRegistry(opts: RegistryOptions = {}): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), 'tsdock-registry-'));
  const port = await freePort();
  let auth = '';
  let token: TokenServer | undefined;
  if (opts.auth?.kind === 'htpasswd') {
    const htpasswd = join(dir, 'htpasswd');
    writeFileSync(htpasswd, `${opts.auth.user}:${bcrypt.hashSync(opts.auth.password, 5)}\n`);
    auth = `auth:\n  htpasswd:\n    realm: tsdock-test\n    path: ${htpasswd}\n`;
  } else if (opts.auth?.kind === 'token') {
    const t = await startTokenServer(dir, opts.auth.user, opts.auth.password);
    token = t.server;
    auth =
      `auth:\n  token:\n    realm: ${t.server.url}\n    service: ${t.service}\n` +
      `    issuer: ${t.issuer}\n    rootcertbundle: ${t.certPath}\n`;
  }
  let tls: ReturnType<typeof makeTlsFiles> | undefined;
  let httpTls = '';
  if (opts.mutualTls || opts.tls) {
    tls = makeTlsFiles(dir);
    httpTls = `  tls:\n    certificate: ${tls.serverCert}\n    key: ${tls.serverKey}\n`;
    if (opts.mutualTls) httpTls += `    clientcas:\n      - ${tls.ca}\n`;
  }
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\n` +
      `storage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: true\n` +
      `http:\n  addr: 127.0.0.1:${port}\n  secret: ${randomBytes(8).toString('hex')}\n` +
      httpTls +
      auth,
  );
  let log = '';
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  child.on('exit', (code, signal) => (log += `\n[registry exited: ${code ?? signal}]\n`));
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      if (tls) {
        // With client certificates required, a connection accepted is as far as a bare probe gets.
        const sock = net.connect(port, '127.0.0.1', () => {
          sock.destroy();
          resolve(true);
        });
        sock.on('error', () => resolve(false));
        return;
      }
      const req = http.get(`http://${host}/v2/`, (res) => {
        res.resume();
        resolve(true);
      });
      req.on('error', () => resolve(false));
    });
    if (up) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`registry did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host,
    port,
    dir,
    log: () => log,
    ...(token ? { token } : {}),
    ...(tls ? { tls: { ca: tls.ca, clientCert: tls.clientCert, clientKey: tls.clientKey } } : {}),
    async stop() {
      const running = () => child.exitCode === null && child.signalCode === null;
      if (running()) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (running()) child.kill('SIGKILL');
      }
      await token?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A proxy in front of a registry that cuts the first download of any blob larger than `minSize`
 * after `cutAt` bytes (or, with `stall`, keeps the connection open and sends nothing more, for a
 * client to be killed in the middle), and records the Range header of every blob request.
 */
export async function startCuttingProxy(
  target: string,
  opts: { cutAt: number; minSize: number; stall?: boolean },
): Promise<{ host: string; ranges: (string | undefined)[]; cuts: number; close(): Promise<void> }> {
  const state = { ranges: [] as (string | undefined)[], cuts: 0 };
  const cut = new Set<string>();
  const srv = http.createServer((req, res) => {
    const isBlob = req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '');
    if (isBlob) state.ranges.push(req.headers.range);
    const up = http.request(
      `http://${target}${req.url}`,
      { method: req.method, headers: { ...req.headers, host: target } },
      (ur) => {
        const size = Number(ur.headers['content-length'] ?? 0);
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        if (isBlob && ur.statusCode === 200 && size > opts.minSize && !cut.has(req.url!)) {
          cut.add(req.url!);
          state.cuts++;
          let sent = 0;
          ur.on('data', (c: Buffer) => {
            if (sent >= opts.cutAt) return;
            const part = c.subarray(0, opts.cutAt - sent);
            sent += part.length;
            res.write(part);
            if (sent >= opts.cutAt) {
              ur.destroy();
              if (opts.stall) return;
              // Let the bytes reach the client, then break the connection mid-body.
              setTimeout(() => res.socket?.destroy(), 200);
            }
          });
          return;
        }
        ur.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${(srv.address() as net.AddressInfo).port}`,
    get ranges() {
      return state.ranges;
    },
    get cuts() {
      return state.cuts;
    },
    close: () =>
      new Promise((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}
