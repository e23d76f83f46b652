/**
 * The distribution API (OCI distribution spec) for one repository: manifests, blobs, uploads and
 * mounts, each request authorised through the Authorizer (a 401 teaches the challenge, then the
 * request is sent again once with credentials).
 */
import type { Readable } from 'node:stream';
import { RegistryError } from '../errors.js';
import { sha256 } from '../images/oci.js';
import { Authorizer, type Credentials, registryErrorText } from './auth.js';
import { authKey, isRegistryUrl, type Endpoint } from './endpoint.js';
import { getCredentials } from './credentials.js';
import { type HttpResponse, discard, readBody, request, transportErrorText } from '../http/request.js';
import { MANIFEST_ACCEPT } from './manifests.js';

export interface RegistryRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** A Buffer can be resent after a 401; a stream cannot, so streamed requests authorise first. */
  body?: Buffer | (() => Readable);
  /** Repositories the request touches beyond this one (a cross-repository mount reads `from`). */
  extraScopes?: string[];
  /** Statuses that are answers, not errors. */
  ok: number[];
  signal?: AbortSignal;
}

export interface FetchedManifest {
  data: Buffer;
  mediaType: string;
  digest: string;
}

/** Authorizers per registry, so the repositories of one command share tokens and challenges. */
const authorizers = new Map<string, Authorizer>();

export function authorizerFor(ep: Endpoint, creds?: () => Promise<Credentials | undefined>): Authorizer {
  // A mirror has challenges and tokens of its own, though it is asked with Docker Hub's credentials
  // (Docker sends the pulled registry's auth config to every endpoint of it).
  const key = ep.mirror ? ep.url : ep.name;
  let a = authorizers.get(key);
  if (!a) {
    a = new Authorizer(ep, creds ?? (() => getCredentials(authKey(ep.name))));
    authorizers.set(key, a);
  }
  return a;
}

/** Docker's wording for a registry that does not answer: `Get "https://…/v2/": dial tcp …: connect: connection refused`. */
function unreachable(method: string, url: string, err: unknown): RegistryError {
  const verb = method[0] + method.slice(1).toLowerCase();
  return new RegistryError(`${verb} "${url}": ${transportErrorText(url, err)}`, { cause: err });
}

/**
 * An insecure registry that failed over HTTPS: from now on the endpoint is its plain-HTTP URL.
 * Returns `url` rewritten, or undefined when there is nothing to fall back to.
 */
export function fallBack(ep: Endpoint, url: string): string | undefined {
  if (!ep.fallback || !url.startsWith(ep.url)) return undefined;
  const plain = ep.fallback + url.slice(ep.url.length);
  ep.url = ep.fallback;
  delete ep.fallback;
  return plain;
}

export class RegistryClient {
  readonly auth: Authorizer;

  constructor(
    readonly endpoint: Endpoint,
    /** Repository path in the registry (`library/busybox`). */
    readonly repository: string,
    /** `pull` or `pull,push`. */
    readonly actions: string,
    creds?: () => Promise<Credentials | undefined>,
  ) {
    this.auth = authorizerFor(endpoint, creds);
  }

  private scopes(extra: string[] = []): string[] {
    return [`repository:${this.repository}:${this.actions}`, ...extra];
  }

  url(path: string): string {
    return /^https?:\/\//.test(path) ? path : `${this.endpoint.url}${path}`;
  }

  /**
   * One request with authorisation; the caller consumes or discards the body. Credentials and
   * tokens go to the registry's own origin only: an upload `Location` or a redirect may name
   * another host (a storage backend), which gets the request bare, and whose 401 teaches nothing
   * (its challenge could name a realm that would collect the registry's credentials). As Docker's
   * endpointAuthorizer, which authorises a request only for a host it holds a challenge from.
   */
  async send(req: RegistryRequest): Promise<HttpResponse> {
    const scopes = this.scopes(req.extraScopes);
    let url = this.url(req.path);
    for (let attempt = 0; ; attempt++) {
      const own = isRegistryUrl(this.endpoint, url);
      const authz = own ? await this.auth.header(scopes) : undefined;
      const body = typeof req.body === 'function' ? req.body() : req.body;
      let res: HttpResponse;
      try {
        res = await request(
          {
            method: req.method,
            url,
            headers: { ...req.headers, ...(authz ? { Authorization: authz } : {}) },
            ...(body ? { body } : {}),
            ...(req.signal ? { signal: req.signal } : {}),
          },
          this.endpoint,
        );
      } catch (err) {
        if ((err as Error).name === 'AbortError') throw err;
        if (body && !Buffer.isBuffer(body)) body.destroy();
        const plain = fallBack(this.endpoint, url);
        if (plain) {
          url = plain;
          attempt--;
          continue;
        }
        throw unreachable(req.method, url, err);
      }
      if (res.status === 401 && attempt === 0 && own) {
        const learned = this.auth.learn(res.headers['www-authenticate'] as string | undefined);
        // A new challenge, or a cached token the registry no longer takes: one more try.
        if (learned || authz?.startsWith('Bearer')) {
          if (!learned) this.auth.invalidate(scopes);
          discard(res);
          if (body && !Buffer.isBuffer(body)) body.destroy();
          continue;
        }
      }
      // HTTPS worked: this registry stays on it.
      if (url.startsWith('https:')) delete this.endpoint.fallback;
      if (req.ok.includes(res.status)) return res;
      const text = registryErrorText(
        req.method === 'HEAD'
          ? ''
          : (await readBody(res, 1 << 20).catch(() => Buffer.alloc(0))).toString('utf8'),
        res.status,
      );
      throw new RegistryFailure(text, res.status, url);
    }
  }

  /** Makes sure the next (streamed, not resendable) request carries valid authorisation. */
  async authorise(extraScopes: string[] = []): Promise<void> {
    const res = await this.send({ method: 'GET', path: '/v2/', ok: [200, 404], extraScopes });
    discard(res);
  }

  async manifest(reference: string, accept = MANIFEST_ACCEPT): Promise<FetchedManifest> {
    const res = await this.send({
      method: 'GET',
      path: `/v2/${this.repository}/manifests/${reference}`,
      headers: { Accept: accept.join(', ') },
      ok: [200],
    });
    const data = await readBody(res);
    const digest = sha256(data);
    const header = res.headers['docker-content-digest'] as string | undefined;
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw new RegistryError(`manifest verification failed for digest ${reference}`);
    }
    let mediaType = (res.headers['content-type'] as string | undefined)?.split(';')[0]?.trim() ?? '';
    try {
      const doc = JSON.parse(data.toString('utf8')) as { mediaType?: string; manifests?: unknown };
      if (doc.mediaType) mediaType = doc.mediaType;
      else if (!mediaType || mediaType === 'application/json')
        mediaType = doc.manifests
          ? 'application/vnd.oci.image.index.v1+json'
          : 'application/vnd.oci.image.manifest.v1+json';
    } catch {
      throw new RegistryError(`invalid manifest for ${this.repository}:${reference}`);
    }
    void header;
    return { data, mediaType, digest };
  }

  /** A blob's bytes from `offset` on; `partial` says whether the registry honoured the range. */
  async blob(
    digest: string,
    offset = 0,
    signal?: AbortSignal,
  ): Promise<{ res: HttpResponse; start: number }> {
    let res = await this.send({
      method: 'GET',
      path: `/v2/${this.repository}/blobs/${digest}`,
      headers: offset > 0 ? { Range: `bytes=${offset}-` } : {},
      ok: [200, 206, 301, 302, 303, 307, 308],
      ...(signal ? { signal } : {}),
    });
    // Registries may redirect blob reads to a storage backend; its URL carries its own authorisation.
    for (let hops = 0; res.status >= 300 && res.status < 400 && hops < 5; hops++) {
      const location = new URL(res.headers.location as string, res.url).href;
      discard(res);
      if (isRegistryUrl(this.endpoint, location)) {
        res = await this.send({
          method: 'GET',
          path: location,
          headers: offset > 0 ? { Range: `bytes=${offset}-` } : {},
          ok: [200, 206, 301, 302, 303, 307, 308],
          ...(signal ? { signal } : {}),
        });
        continue;
      }
      try {
        res = await request(
          {
            method: 'GET',
            url: location,
            headers: offset > 0 ? { Range: `bytes=${offset}-` } : {},
            ...(signal ? { signal } : {}),
          },
          this.endpoint,
        );
      } catch (err) {
        throw unreachable('GET', location, err);
      }
    }
    if (res.status !== 200 && res.status !== 206) {
      const text = registryErrorText((await readBody(res, 1 << 20)).toString('utf8'), res.status);
      throw new RegistryFailure(text, res.status, res.url);
    }
    return { res, start: res.status === 206 ? offset : 0 };
  }

  async blobExists(digest: string, repository = this.repository): Promise<boolean> {
    const res = await this.send({
      method: 'HEAD',
      path: `/v2/${repository}/blobs/${digest}`,
      ok: [200, 404],
    });
    discard(res);
    return res.status === 200;
  }

  /** Starts an upload; with `mountFrom`, asks the registry to link the blob from that repository instead. */
  async startUpload(mount?: {
    digest: string;
    from: string;
  }): Promise<{ mounted: boolean; location: string }> {
    const q = mount
      ? `?mount=${encodeURIComponent(mount.digest)}&from=${encodeURIComponent(mount.from)}`
      : '';
    const res = await this.send({
      method: 'POST',
      path: `/v2/${this.repository}/blobs/uploads/${q}`,
      headers: { 'Content-Length': '0' },
      ok: [201, 202],
      ...(mount ? { extraScopes: [`repository:${mount.from}:pull`] } : {}),
    });
    discard(res);
    return {
      mounted: res.status === 201,
      location: this.url(new URL(res.headers.location as string, res.url).href),
    };
  }

  async putManifest(reference: string, mediaType: string, data: Buffer): Promise<string> {
    const res = await this.send({
      method: 'PUT',
      path: `/v2/${this.repository}/manifests/${reference}`,
      headers: { 'Content-Type': mediaType, 'Content-Length': String(data.length) },
      body: data,
      ok: [201, 200],
    });
    discard(res);
    return (res.headers['docker-content-digest'] as string | undefined) ?? sha256(data);
  }
}

/** A registry answered with an error status; `status` lets callers word it as Docker does. */
export class RegistryFailure extends RegistryError {
  constructor(
    message: string,
    readonly status: number,
    readonly url: string,
  ) {
    super(message);
  }
}

/** Appends query parameters to an upload location (which may already carry some). */
export function withQuery(location: string, params: Record<string, string>): string {
  const u = new URL(location);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.href;
}
