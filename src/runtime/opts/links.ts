/**
 * `--link NAME[:ALIAS]` as docker/cli reads it (opts.ParseLink), and the legacy link's environment
 * variables the daemon gives the linking container (moby daemon/links Link.ToEnv).
 */

export interface LinkSpec {
  /** The linked container, as typed (a name or an id). */
  name: string;
  alias: string;
}

export function parseLink(val: string): LinkSpec {
  if (val === '') throw new Error('empty string specified for links');
  const arr = val.split(':');
  if (arr.length > 2) throw new Error(`bad format for links: ${val}`);
  if (arr.length === 1) return { name: val, alias: val };
  // The daemon's own form, `/name:/parent/alias`, as an existing container's HostConfig holds it.
  if (arr[0]!.startsWith('/')) return { name: arr[0]!.slice(1), alias: arr[1]!.split('/').pop()! };
  return { name: arr[0]!, alias: arr[1]! };
}

export interface LinkedContainer {
  /** `/parent/alias`: the link's name in Docker's link graph. */
  linkName: string;
  ip: string;
  /** The linked container's Config.Env. */
  env: string[];
  /** Its Config.ExposedPorts keys (`6379/tcp`). */
  exposedPorts: string[];
}

interface Port {
  port: number;
  proto: string;
}

/** nat.Sort with the links' order: by number, tcp first among equal numbers. */
function sortPorts(keys: string[]): Port[] {
  const ports = keys.map((k) => {
    const [p, proto] = k.split('/');
    return { port: Number(p), proto: (proto || 'tcp').toLowerCase() };
  });
  return ports.sort((a, b) => a.port - b.port || (a.proto === 'tcp' ? -1 : b.proto === 'tcp' ? 1 : 0));
}

/** Index of the last port of the run of consecutive numbers starting at `index` (nextContiguous). */
function nextContiguous(ports: Port[], value: number, index: number): number {
  if (index + 1 === ports.length) return index;
  for (let i = index + 1; i < ports.length; i++) {
    if (ports[i]!.port > value + 1) return i - 1;
    value++;
  }
  return ports.length - 1;
}

/** Link.ToEnv: `ALIAS_PORT…`, `ALIAS_NAME`, `ALIAS_ENV_…` (the child's HOME and PATH left out). */
export function linkEnv(l: LinkedContainer): string[] {
  const env: string[] = [];
  const alias = l.linkName.split('/').pop()!.toUpperCase().replace(/-/g, '_');
  const ports = sortPorts(l.exposedPorts);
  const ip = l.ip;
  if (ports.length > 0) env.push(`${alias}_PORT=${ports[0]!.proto}://${ip}:${ports[0]!.port}`);
  for (let i = 0; i < ports.length;) {
    const p = ports[i]!;
    const j = nextContiguous(ports, p.port, i);
    if (j > i + 1) {
      const P = `${alias}_PORT_${p.port}_${p.proto.toUpperCase()}`;
      const q = ports[j]!;
      env.push(
        `${P}_START=${p.proto}://${ip}:${p.port}`,
        `${P}_ADDR=${ip}`,
        `${P}_PROTO=${p.proto}`,
        `${P}_PORT_START=${p.port}`,
        `${alias}_PORT_${p.port}_${q.proto.toUpperCase()}_END=${q.proto}://${ip}:${q.port}`,
        `${alias}_PORT_${p.port}_${q.proto.toUpperCase()}_PORT_END=${q.port}`,
      );
      i = j + 1;
    } else i++;
  }
  for (const p of ports) {
    const P = `${alias}_PORT_${p.port}_${p.proto.toUpperCase()}`;
    env.push(
      `${P}=${p.proto}://${ip}:${p.port}`,
      `${P}_ADDR=${ip}`,
      `${P}_PORT=${p.port}`,
      `${P}_PROTO=${p.proto}`,
    );
  }
  env.push(`${alias}_NAME=${l.linkName}`);
  for (const v of l.env) {
    const eq = v.indexOf('=');
    if (eq === -1) continue;
    const key = v.slice(0, eq);
    // Added by builds, of no use to the linking container (Docker's own exception list).
    if (key === 'HOME' || key === 'PATH') continue;
    env.push(`${alias}_ENV_${key}=${v.slice(eq + 1)}`);
  }
  return env;
}
