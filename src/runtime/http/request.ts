/**
 * HTTP for tsdock's own requests (the registry client, a Dockerfile's `ADD <url>`), on
 * node:http/https rather than fetch: per-registry TLS material (certs.d CAs and client
 * certificates) goes straight into an https.Agent, bodies stream both ways without buffering, and
 * keep-alive agents reuse connections across the many small requests of a pull. A request goes
 * through the proxy the environment names for it (proxy.ts); the proxy agents do the CONNECT
 * tunnel (https) or absolute-URI forwarding (http) as Go's transport does.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import tls from 'node:tls';
import { TRACE, traceSpan } from '../trace.js';
import { type ProxySettings, proxyFor, proxySettings } from './proxy.js';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
  url: string;
}

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  signal?: AbortSignal;
}

/**
 * The server a request is meant for, as far as TLS goes (a registry endpoint is one): its client
 * certificate and extra CAs apply to requests to its own host, and `insecure` skips verification.
 */
export interface Peer {
  url: string;
  tls?: { ca?: Buffer[]; cert?: Buffer; key?: Buffer };
  insecure?: boolean;
}

const agents = new Map<string, http.Agent>();
let proxyEnv: ProxySettings | undefined;

/** The environment's proxy settings, read once per process. */
function proxies(): ProxySettings {
  proxyEnv ??= proxySettings();
  return proxyEnv;
}

interface TlsOptions {
  rejectUnauthorized: boolean;
  ca?: (string | Buffer)[];
  cert?: Buffer;
  key?: Buffer;
}

function tlsOptions(url: URL, ep?: Peer): { key: string; opts: TlsOptions } {
  const own = !!ep && url.host === new URL(ep.url).host;
  // Client certificates are the registry's: presented to it alone.
  const material = url.protocol === 'https:' && own ? ep.tls : undefined;
  // An insecure registry's requests skip verification, all of them (Docker's transport for such a
  // registry has InsecureSkipVerify): not only the first, and its token realm or storage too.
  const verify = !ep?.insecure;
  return {
    key: `${material ? '+tls' : ''}${verify ? '' : '+noverify'}`,
    opts: {
      rejectUnauthorized: verify,
      ...(verify ? { ca: [...trustedCas(), ...(material?.ca ?? [])] } : {}),
      ...(material?.cert && material.key ? { cert: material.cert, key: material.key } : {}),
    },
  };
}

/** Proxy agents are loaded only when a proxy is in use: most commands never need them. */
let proxyAgents: Promise<[typeof import('http-proxy-agent'), typeof import('https-proxy-agent')]> | undefined;

async function agentFor(url: URL, t: ReturnType<typeof tlsOptions>, proxy?: URL): Promise<http.Agent> {
  const key = `${url.protocol}//${url.host}${t.key}${proxy ? ` via ${proxy.href}` : ''}`;
  let agent = agents.get(key);
  if (!agent) {
    if (proxy) {
      proxyAgents ??= Promise.all([import('http-proxy-agent'), import('https-proxy-agent')]);
      const [{ HttpProxyAgent }, { HttpsProxyAgent }] = await proxyAgents;
      // Through a proxy the target's TLS options travel with each request (see request()).
      agent =
        url.protocol === 'https:'
          ? new HttpsProxyAgent(proxy, { keepAlive: true })
          : new HttpProxyAgent(proxy, { keepAlive: true });
      // Another request may have made one meanwhile: keep a single agent per key.
      agent = agents.get(key) ?? agent;
    } else {
      agent =
        url.protocol === 'https:'
          ? new https.Agent({ keepAlive: true, ...t.opts })
          : new http.Agent({ keepAlive: true });
    }
    agents.set(key, agent);
  }
  return agent;
}

/** Where Go's crypto/x509, and so Docker, finds the system's CA bundle on Linux, in its order. */
const SYSTEM_CA_FILES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/pki/tls/cacert.pem',
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
  '/etc/ssl/cert.pem',
];
let trusted: (string | Buffer)[] | undefined;

/**
 * Docker trusts the system's CA pool (a CA added with update-ca-certificates works for a registry);
 * Node only knows its built-in copy of Mozilla's list. So the system bundle is read here, once and
 * only when tsdock talks TLS, with Node's list as the fallback, and NODE_EXTRA_CA_CERTS honoured
 * (an explicit `ca` replaces the store that Node would add those to). certs.d CAs come on top.
 */
export function trustedCas(env: NodeJS.ProcessEnv = process.env): (string | Buffer)[] {
  if (trusted && env === process.env) return trusted;
  const read = (f: string): Buffer | undefined => {
    try {
      return readFileSync(f);
    } catch {
      return undefined;
    }
  };
  const system = SYSTEM_CA_FILES.map(read).find((b) => b !== undefined && b.length > 0);
  const extra = env.NODE_EXTRA_CA_CERTS ? read(env.NODE_EXTRA_CA_CERTS) : undefined;
  const cas = [...(system ? [system] : tls.rootCertificates), ...(extra ? [extra] : [])];
  if (env === process.env) trusted = cas;
  return cas;
}

/** Closes idle keep-alive sockets so the process can exit promptly. */
export function closeAgents(): void {
  for (const a of agents.values()) a.destroy();
  agents.clear();
}

/** Marks a failure to reach the proxy itself, which Go words as `proxyconnect tcp: …`. */
function proxyError(err: NodeJS.ErrnoException & { port?: number }, proxy: URL): Error {
  const proxyPort = Number(proxy.port || (proxy.protocol === 'https:' ? 443 : 80));
  if (err.syscall === 'connect' && err.port === proxyPort) Object.assign(err, { proxyConnect: true });
  return err;
}

/**
 * A transport failure as Go's net/http words it after `Get "<url>": `, the wording Docker prints:
 * `dial tcp 127.0.0.1:5000: connect: connection refused`, `dial tcp: lookup h: no such host`, and
 * `proxyconnect tcp: …` when the proxy itself could not be reached.
 */
export function transportErrorText(url: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number; proxyConnect?: boolean };
  let why = e.message;
  if (e.code === 'ECONNREFUSED') why = `dial tcp ${e.address}:${e.port}: connect: connection refused`;
  else if (e.code === 'ENETUNREACH') why = `dial tcp ${e.address}:${e.port}: connect: network is unreachable`;
  else if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN')
    why = `dial tcp: lookup ${new URL(url).hostname}: no such host`;
  else if (e.code === 'ECONNRESET') why = 'connection reset by peer';
  else if (e.code === 'EPROTO' || /wrong version number|SSL/i.test(e.message))
    why = 'http: server gave HTTP response to HTTPS client';
  if (e.proxyConnect) why = `proxyconnect tcp: ${why}`;
  return why;
}

export async function request(req: HttpRequest, ep?: Peer): Promise<HttpResponse> {
  const url = new URL(req.url);
  const mod = url.protocol === 'https:' ? https : http;
  const t0 = TRACE ? performance.now() : 0;
  const proxy = proxyFor(url, proxies());
  if (proxy && proxy.protocol === 'socks5:') {
    throw new Error(`proxy ${proxy.href}: SOCKS5 proxies are not supported by tsdock`);
  }
  const t = tlsOptions(url, ep);
  const agent = await agentFor(url, t, proxy);
  return new Promise((resolve, reject) => {
    const r = mod.request(
      url,
      {
        method: req.method,
        headers: { 'User-Agent': 'tsdock/0.1', ...req.headers },
        agent,
        ...(proxy && url.protocol === 'https:' ? t.opts : {}),
        signal: req.signal,
      },
      (res) => {
        if (TRACE) {
          traceSpan('http', `${req.method} ${url.pathname} ${res.statusCode}`, t0);
          res.once('end', () => traceSpan('http', `${req.method} ${url.pathname} body`, t0));
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url: url.href });
      },
    );
    if (proxy) {
      // A refused tunnel is a transport failure, as in Go ("Forbidden"), not the registry's answer.
      r.once('proxyConnect', (res: { statusCode?: number; statusText?: string }) => {
        // Only a CONNECT has a status; a forwarding proxy's answer is the response itself.
        if (res.statusCode !== undefined && res.statusCode !== 200)
          r.destroy(Object.assign(new Error(res.statusText || 'unknown status code'), { code: 'EPROXY' }));
      });
    }
    r.on('error', (err) => reject(proxy ? proxyError(err, proxy) : err));
    if (!req.body) r.end();
    else if (Buffer.isBuffer(req.body)) r.end(req.body);
    else {
      req.body.on('error', (err) => r.destroy(err));
      req.body.pipe(r);
    }
  });
}

/** Reads a (small) response body: manifests, tokens, error documents. */
export async function readBody(res: HttpResponse, limit = 16 << 20): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of res.body) {
    n += (c as Buffer).length;
    if (n > limit) {
      res.body.destroy();
      throw new Error(`response from ${res.url} is larger than ${limit} bytes`);
    }
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts);
}

/** Drains and discards a body we do not need, so the connection goes back to the pool. */
export function discard(res: HttpResponse): void {
  res.body.resume();
}
