/**
 * Registry authentication as distribution's clients do it: a request goes out anonymously (or with
 * what an earlier challenge taught us), a 401 carries `WWW-Authenticate`, and the answer is either
 * Basic credentials or, for `Bearer realm=…,service=…,scope=…`, a token fetched from the realm with
 * the credentials (if any) and cached per scope set for the rest of the command.
 */
import { RegistryError } from '../errors.js';
import type { Endpoint } from './endpoint.js';
import { readBody, request } from '../http/request.js';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

export interface Credentials {
  username: string;
  password: string;
  /** An OAuth refresh token (config.json `identitytoken`), used in place of the password. */
  identityToken?: string;
}

/**
 * RFC 7235 challenges, as docker/distribution's registry/client/auth/challenge parses them: a scheme,
 * then comma-separated `key=value` pairs whose values may be quoted strings with `\` escapes.
 * Several challenges may share one header.
 */
export function parseWWWAuthenticate(header: string): Challenge[] {
  const out: Challenge[] = [];
  let i = 0;
  const s = header;
  const skipWs = () => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  };
  const token = () => {
    const start = i;
    while (i < s.length && /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(s[i]!)) i++;
    return s.slice(start, i);
  };
  while (i < s.length) {
    skipWs();
    const scheme = token();
    if (!scheme) break;
    const ch: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(ch);
    for (;;) {
      skipWs();
      const save = i;
      const key = token();
      skipWs();
      if (!key || s[i] !== '=') {
        // Not a parameter: the start of the next challenge (or the end).
        i = save;
        break;
      }
      i++;
      skipWs();
      let value = '';
      if (s[i] === '"') {
        i++;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < s.length) i++;
          value += s[i++];
        }
        i++;
      } else value = token();
      ch.params[key.toLowerCase()] = value;
      skipWs();
      if (s[i] === ',') i++;
      else break;
    }
    skipWs();
    if (s[i] === ',') i++;
  }
  return out;
}

/** distribution's errcode text: `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"…"}]}` → `manifest unknown: …`. */
export function registryErrorText(body: string, status: number): string {
  try {
    const doc = JSON.parse(body) as {
      errors?: { code?: string; message?: string }[];
      details?: string;
      error?: string;
    };
    if (Array.isArray(doc.errors) && doc.errors.length) {
      return doc.errors
        .map((e) => {
          const code = (e.code ?? 'UNKNOWN').replace(/_/g, ' ').toLowerCase();
          return e.message ? `${code}: ${e.message}` : code;
        })
        .join(', ');
    }
    if (doc.details) return doc.details;
    if (doc.error) return doc.error;
  } catch {
    /* not JSON */
  }
  if (status === 401) return 'unauthorized: authentication required';
  const text = body.trim();
  return text && text.length < 200
    ? text
    : `received unexpected HTTP status: ${status} ${statusText(status)}`;
}

function statusText(status: number): string {
  const t: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
  };
  return t[status] ?? '';
}

export class Authorizer {
  private challenge?: Challenge;
  private readonly tokens = new Map<string, string>();
  private credsPromise?: Promise<Credentials | undefined>;

  constructor(
    private readonly endpoint: Endpoint,
    private readonly credentials: () => Promise<Credentials | undefined>,
  ) {}

  private creds(): Promise<Credentials | undefined> {
    this.credsPromise ??= this.credentials();
    return this.credsPromise;
  }

  /** True once a challenge is known: requests then carry an Authorization header. */
  get knowsChallenge(): boolean {
    return this.challenge !== undefined;
  }

  /** Learns the registry's challenge from a 401; false when there is nothing new to try. */
  learn(wwwAuthenticate: string | undefined): boolean {
    if (!wwwAuthenticate) return false;
    const all = parseWWWAuthenticate(wwwAuthenticate);
    const ch = all.find((c) => c.scheme === 'bearer') ?? all.find((c) => c.scheme === 'basic');
    if (!ch) return false;
    const fresh = JSON.stringify(ch) !== JSON.stringify(this.challenge);
    this.challenge = ch;
    return fresh;
  }

  /** Forgets cached tokens for these scopes (a 401 despite a token: it expired or lacks a scope). */
  invalidate(scopes: string[]): void {
    this.tokens.delete(scopes.join(' '));
  }

  /** The Authorization header value for a request needing `scopes`, if the registry wants one. */
  async header(scopes: string[]): Promise<string | undefined> {
    const ch = this.challenge;
    if (!ch) return undefined;
    if (ch.scheme === 'basic') {
      const c = await this.creds();
      if (!c) throw new RegistryError('no basic auth credentials');
      return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
    }
    const key = scopes.join(' ');
    let token = this.tokens.get(key);
    if (!token) {
      token = await this.fetchToken(ch, scopes);
      this.tokens.set(key, token);
    }
    return `Bearer ${token}`;
  }

  private async fetchToken(ch: Challenge, scopes: string[]): Promise<string> {
    const realm = ch.params.realm;
    if (!realm) throw new RegistryError('no realm specified for token auth challenge');
    const url = new URL(realm);
    if (ch.params.service) url.searchParams.set('service', ch.params.service);
    for (const s of scopes) url.searchParams.append('scope', s);
    const c = await this.creds();
    const headers: Record<string, string> = {};
    if (c) {
      url.searchParams.set('account', c.username);
      headers.Authorization = `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
    }
    let res;
    try {
      res = await request({ method: 'GET', url: url.href, headers }, this.endpoint);
    } catch (err) {
      throw new RegistryError(`Get "${url.href}": ${(err as Error).message}`, { cause: err });
    }
    const body = (await readBody(res, 1 << 20)).toString('utf8');
    if (res.status !== 200) {
      const text = registryErrorText(body, res.status);
      throw new RegistryError(
        res.status === 401 && !text.startsWith('unauthorized') ? `unauthorized: ${text}` : text,
      );
    }
    let doc: { token?: string; access_token?: string };
    try {
      doc = JSON.parse(body) as typeof doc;
    } catch {
      throw new RegistryError(`malformed token response from ${url.origin}`);
    }
    const token = doc.token || doc.access_token;
    if (!token) throw new RegistryError(`authorization server did not include a token in the response`);
    return token;
  }
}
