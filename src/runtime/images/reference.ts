/**
 * Docker image references, following distribution/reference (the grammar and normalisation every
 * Docker tool shares): `busybox` is `docker.io/library/busybox:latest`, `localhost:5000/x` keeps its
 * registry, `repo@sha256:…` pins a digest. The fully normalised string is what we use as the
 * containerd image name, exactly as nerdctl and `ctr` do, so images are shared with them.
 */
import { RequestError } from '../errors.js';

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';
const NAME_TOTAL_LENGTH_MAX = 255;

// The grammar, composed the way distribution/reference's regexp.go composes it.
const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const optionalPort = '(?::[0-9]+)?';
const tagPat = '[\\w][\\w.-]{0,127}';
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}';
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const host = `(?:${domainName}|${ipv6address})`;
const domainAndPort = host + optionalPort;
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const namePat = `(?:${domainAndPort}/)?${remoteName}`;

const referenceRegexp = new RegExp(`^(${namePat})(?::(${tagPat}))?(?:@(${digestPat}))?$`);
const anchoredNameRegexp = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
const anchoredIdentifierRegexp = /^[a-f0-9]{64}$/;

/** Hex lengths of the digest algorithms go-digest knows. */
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

export interface Reference {
  /** Registry host (with port), '' only for references parsed without normalisation. */
  domain: string;
  /** Repository path inside the registry, e.g. `library/busybox`. */
  path: string;
  tag?: string;
  digest?: string;
}

/** The reference was malformed; the message is distribution/reference's own. */
export class InvalidReferenceError extends RequestError {}

/** go-digest's Parse: algorithm known, hex of the right length and alphabet. */
export function validateDigest(d: string): void {
  const colon = d.indexOf(':');
  if (colon <= 0 || colon === d.length - 1) throw new InvalidReferenceError('invalid checksum digest format');
  const alg = d.slice(0, colon);
  const hex = d.slice(colon + 1);
  const len = DIGEST_HEX_LENGTH[alg];
  if (len === undefined) throw new InvalidReferenceError('unsupported digest algorithm');
  if (hex.length !== len) throw new InvalidReferenceError('invalid checksum digest length');
  if (!/^[a-f0-9]+$/.test(hex)) throw new InvalidReferenceError('invalid checksum digest format');
}

/** distribution/reference `Parse`: the grammar only, no defaults added. */
export function parse(s: string): Reference {
  const m = referenceRegexp.exec(s);
  if (!m) {
    if (s === '') throw new InvalidReferenceError('repository name must have at least one component');
    if (referenceRegexp.test(s.toLowerCase())) {
      throw new InvalidReferenceError('invalid reference format: repository name must be lowercase');
    }
    throw new InvalidReferenceError('invalid reference format');
  }
  const name = m[1]!;
  if (name.length > NAME_TOTAL_LENGTH_MAX) {
    throw new InvalidReferenceError(
      `repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`,
    );
  }
  const nm = anchoredNameRegexp.exec(name);
  const ref: Reference = { domain: nm?.[1] ?? '', path: nm ? nm[2]! : name };
  if (m[2]) ref.tag = m[2];
  if (m[3]) {
    validateDigest(m[3]);
    ref.digest = m[3];
  }
  return ref;
}

/** distribution/reference `splitDockerDomain` (the 2023 rules: uppercase first element is a domain). */
function splitDockerDomain(name: string): [string, string] {
  const slash = name.indexOf('/');
  let domain: string;
  let remote: string;
  if (slash === -1) return [DEFAULT_DOMAIN, OFFICIAL_PREFIX + name];
  const maybeDomain = name.slice(0, slash);
  const maybeRemote = name.slice(slash + 1);
  if (maybeDomain === 'localhost') [domain, remote] = [maybeDomain, maybeRemote];
  else if (maybeDomain === LEGACY_DEFAULT_DOMAIN) [domain, remote] = [DEFAULT_DOMAIN, maybeRemote];
  else if (/[.:]/.test(maybeDomain)) [domain, remote] = [maybeDomain, maybeRemote];
  else if (maybeDomain.toLowerCase() !== maybeDomain) [domain, remote] = [maybeDomain, maybeRemote];
  else [domain, remote] = [DEFAULT_DOMAIN, name];
  if (domain === DEFAULT_DOMAIN && !remote.includes('/')) remote = OFFICIAL_PREFIX + remote;
  return [domain, remote];
}

/** distribution/reference `ParseNormalizedNamed`: a familiar name made fully qualified (no default tag). */
export function parseNormalizedNamed(s: string): Reference {
  if (anchoredIdentifierRegexp.test(s)) {
    throw new InvalidReferenceError(
      `invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`,
    );
  }
  const [domain, remainder] = splitDockerDomain(s);
  const tagSep = remainder.indexOf(':');
  const remote = tagSep > -1 ? remainder.slice(0, tagSep) : remainder;
  if (remote.toLowerCase() !== remote) {
    throw new InvalidReferenceError(
      `invalid reference format: repository name (${remote}) must be lowercase`,
    );
  }
  const ref = parse(`${domain}/${remainder}`);
  // A digest-only result is impossible here: the string always starts with a domain and a path.
  return ref;
}

/** Parses and adds `:latest` when neither tag nor digest is given (containerd's / Docker's TagNameOnly). */
export function parseReference(s: string): Reference {
  const ref = parseNormalizedNamed(s);
  if (!ref.tag && !ref.digest) ref.tag = DEFAULT_TAG;
  return ref;
}

export function repositoryName(ref: Pick<Reference, 'domain' | 'path'>): string {
  return ref.domain ? `${ref.domain}/${ref.path}` : ref.path;
}

export function referenceString(ref: Reference): string {
  let s = repositoryName(ref);
  if (ref.tag) s += `:${ref.tag}`;
  if (ref.digest) s += `@${ref.digest}`;
  return s;
}

/** The containerd image name for what the user typed: `busybox` → `docker.io/library/busybox:latest`. */
export function normalize(s: string): string {
  return referenceString(parseReference(s));
}

/** Docker's familiar repository: `docker.io/library/busybox` → `busybox`, `docker.io/u/r` → `u/r`. */
export function familiarRepository(ref: Pick<Reference, 'domain' | 'path'>): string {
  if (ref.domain !== DEFAULT_DOMAIN) return repositoryName(ref);
  if (ref.path.startsWith(OFFICIAL_PREFIX)) {
    const rest = ref.path.slice(OFFICIAL_PREFIX.length);
    if (!rest.includes('/')) return rest;
  }
  return ref.path;
}

/** Familiar form of a full name (e.g. a containerd image name): `docker.io/library/busybox:latest` → `busybox:latest`. */
export function familiar(name: string): string {
  const ref = parse(name);
  let s = familiarRepository(ref);
  if (ref.tag) s += `:${ref.tag}`;
  if (ref.digest) s += `@${ref.digest}`;
  return s;
}

/**
 * Splits a containerd image name into Docker's REPOSITORY and TAG columns (`<none>` when the name
 * is pinned by digest only). Names that are not references at all (other tools may create them)
 * come back whole as the repository.
 */
export function splitRepositoryTag(name: string): { repository: string; tag: string; digest?: string } {
  let ref: Reference;
  try {
    ref = parse(name);
  } catch {
    return { repository: name, tag: '<none>' };
  }
  return {
    repository: familiarRepository(ref),
    tag: ref.tag ?? '<none>',
    ...(ref.digest ? { digest: ref.digest } : {}),
  };
}

/** distribution/reference `ParseAnyReference`: a 64-hex id or a digest is an id, anything else a name. */
export function parseAnyReference(s: string): { id: string } | { ref: Reference } {
  if (anchoredIdentifierRegexp.test(s)) return { id: `sha256:${s}` };
  if (/^[a-z0-9]+:/.test(s) && !s.includes('/')) {
    try {
      validateDigest(s);
      return { id: s };
    } catch {
      // not a digest: fall through to a name (e.g. `busybox:latest`)
    }
  }
  return { ref: parseNormalizedNamed(s) };
}

/** `sha256:<64 hex>` → 12-char short id as Docker prints image IDs. */
export function shortImageId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}
