/**
 * Names that end up in files other containers read (/etc/hosts of a network's members, their
 * resolv.conf) or that the kernel takes (sethostname): checked before anything is created, so a
 * newline or a space can never add a line to another container's file.
 *
 * Where docker/cli has a rule it is used with its wording (--dns-search: opts.ValidateDNSSearch,
 * --add-host: opts.ValidateExtraHost, --dns: opts.ValidateIPAddress). Docker checks hostnames,
 * domain names, aliases and resolver options no further than the kernel's length limits; tsdock
 * holds them to RFC 1123 host names (with `_`, which Docker users rely on), in the wording of
 * docker/cli's own earlier hostname check (`invalid hostname format`).
 */
import { isIP } from 'node:net';
import { UsageError } from '../errors.js';

const LABEL = '[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?';
const HOST_RE = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);

/** A value as Docker prints it with %s, control characters escaped so the message stays one line. */
function shown(v: string): string {
  const control = [...v].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
  return control ? JSON.stringify(v).slice(1, -1) : v;
}

/** pflag's form for a value its validator refused (`invalid argument "v" for "--flag" flag: …`). */
function flagError(flag: string, value: string, why: string): UsageError {
  const err = new UsageError(`invalid argument ${JSON.stringify(value)} for "--${flag}" flag: ${why}`);
  err.flagError = true;
  return err;
}

/** A host name: dot-separated labels of letters, digits, `-` and `_`, within `max` characters. */
export function isHostName(v: string, max = 253): boolean {
  return v.length <= max && HOST_RE.test(v);
}

/** -h: what sethostname(2) takes (64 bytes) and /etc/hosts can hold. */
export function validateHostname(v: string): string {
  if (!isHostName(v, 64)) throw new UsageError(`invalid hostname format: ${shown(v)}`);
  return v;
}

/** --domainname: what setdomainname(2) takes (64 bytes). */
export function validateDomainname(v: string): string {
  if (!isHostName(v.replace(/\.$/, ''), 64)) {
    throw new UsageError(`invalid domainname format: ${shown(v)}`);
  }
  return v;
}

/** --network-alias / network connect --alias: a name other members resolve. */
export function validateAlias(v: string, flag = 'network-alias'): string {
  if (!isHostName(v)) throw flagError(flag, v, `${shown(v)} is not a valid DNS name`);
  return v;
}

const DOMAIN_RE =
  /^((?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*)\.?[ \t]*$/;

/**
 * --dns-search (docker/cli opts.ValidateDNSSearch): `.` or a domain, stored without a trailing dot
 * or blanks. Only blanks may trail (Go's `\s` would let a newline through; it is refused here).
 */
export function validateDnsSearch(raw: string): string {
  const v = raw.replace(/^ +| +$/g, '');
  if (v === '.') return v;
  const m = /[a-zA-Z]/.test(v) ? DOMAIN_RE.exec(v) : null;
  if (!m || m[1]!.length >= 255) throw flagError('dns-search', raw, `${shown(raw)} is not a valid domain`);
  return m[1]!;
}

/** --dns-option: one resolv.conf option word (`ndots:2`, `rotate`, `edns0`, `timeout:1` …). */
export function validateDnsOption(v: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.:+-]*$/.test(v)) {
    throw flagError('dns-option', v, `${shown(v)} is not a valid resolver option`);
  }
  return v;
}

/** --dns (docker/cli opts.ValidateIPAddress, without its tolerance of surrounding blanks). */
export function validateDns(v: string): string {
  if (isIP(v) === 0) throw flagError('dns', v, `IP address is not correctly formatted: ${shown(v)}`);
  return v;
}

/**
 * --add-host name:ip or name=ip (docker/cli opts.ValidateExtraHost), with the name held to the host
 * name rule; `host-gateway` is kept for the network to resolve. Returns Docker's stored form.
 */
export function validateExtraHost(v: string): string {
  let sep = v.indexOf('=');
  if (sep === -1) sep = v.indexOf(':');
  const name = sep === -1 ? '' : v.slice(0, sep);
  let ip = sep === -1 ? '' : v.slice(sep + 1);
  if (sep === -1 || name === '' || name.includes(':')) {
    throw flagError('add-host', v, `bad format for add-host: ${JSON.stringify(v)}`);
  }
  if (!isHostName(name))
    throw flagError('add-host', v, `invalid hostname in add-host: ${JSON.stringify(name)}`);
  if (ip !== 'host-gateway') {
    if (ip.length > 2 && ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
    if (isIP(ip) === 0)
      throw flagError('add-host', v, `invalid IP address in add-host: ${JSON.stringify(ip)}`);
  }
  return `${name}:${ip}`;
}

const NAME_RE = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Docker's container-name rule (moby daemon/names.go); a leading `/` is accepted and dropped. */
export function validateContainerName(name: string): string {
  if (!NAME_RE.test(name)) {
    throw new UsageError(
      `Error response from daemon: Invalid container name (${shown(name)}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
    );
  }
  return name.replace(/^\//, '');
}
