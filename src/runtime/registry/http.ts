/**
 * HTTP for the registry client, on node:http/https rather than fetch: per-registry TLS material
 * (certs.d CAs and client certificates) goes straight into an https.Agent, bodies stream both ways
 * without buffering, and keep-alive agents reuse connections across the many small requests of
 * a pull.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import tls from 'node:tls';
import { TRACE, traceSpan } from '../trace.js';
import type { Endpoint } from './endpoint.js';

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

const agents = new Map<string, http.Agent>();

function agentFor(url: URL, ep?: Endpoint): http.Agent {
  const own = !!ep && url.host === new URL(ep.url).host;
  // Client certificates are the registry's: presented to it alone.
  const material = url.protocol === 'https:' && own ? ep.tls : undefined;
  // An insecure registry's requests skip verification, all of them (Docker's transport for such a
  // registry has InsecureSkipVerify): not only the first, and its token realm or storage too.
  const verify = !ep?.insecure;
  const key = `${url.protocol}//${url.host}${material ? '+tls' : ''}${verify ? '' : '+noverify'}`;
  let agent = agents.get(key);
  if (!agent) {
    agent =
      url.protocol === 'https:'
        ? new https.Agent({
            keepAlive: true,
            rejectUnauthorized: verify,
            ...(verify ? { ca: [...trustedCas(), ...(material?.ca ?? [])] } : {}),
            ...(material?.cert ? { cert: material.cert, key: material.key } : {}),
          })
        : new http.Agent({ keepAlive: true });
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

export function request(req: HttpRequest, ep?: Endpoint): Promise<HttpResponse> {
  const url = new URL(req.url);
  const mod = url.protocol === 'https:' ? https : http;
  const t0 = TRACE ? performance.now() : 0;
  return new Promise((resolve, reject) => {
    const r = mod.request(
      url,
      {
        method: req.method,
        headers: { 'User-Agent': 'tsdock/0.1', ...req.headers },
        agent: agentFor(url, ep),
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
    r.on('error', reject);
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
