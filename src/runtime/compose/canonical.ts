/**
 * Short syntax to long syntax, defaults, and the normalisation compose-go applies once every file
 * is merged (transform/, loader/normalize.go): ports and volumes in their long form, depends_on
 * and networks as mappings, the implicit `default` network, resource names (`<project>_<key>`),
 * depends_on implied by network_mode/volumes_from/links, environment resolved against the project
 * environment.
 */
import { posix } from 'node:path';
import { ComposeError, UsageError } from '../errors.js';
import { parsePortSpec } from '../network/ports.js';
import { isMapping, scalarText } from './merge.js';
import { parseVolumeSpec } from './volumes.js';

type Tree = Record<string, unknown>;

function portsLong(entries: unknown, path: string): unknown[] {
  if (!Array.isArray(entries)) throw new ComposeError(`${path}: invalid type ${typeof entries} for port`);
  const out: unknown[] = [];
  for (const e of entries) {
    if (isMapping(e)) {
      out.push(e);
      continue;
    }
    if (typeof e !== 'string' && typeof e !== 'number')
      throw new ComposeError(`${path}: invalid type ${typeof e} for port`);
    let mappings;
    try {
      mappings = parsePortSpec(String(e));
    } catch (err) {
      if (err instanceof UsageError) throw new ComposeError(err.message);
      throw err;
    }
    for (const m of mappings) {
      const [target, protocol] = m.port.split('/');
      out.push({
        mode: 'ingress',
        ...(m.hostIp ? { host_ip: m.hostIp } : {}),
        target: Number(target),
        ...(m.hostPort ? { published: m.hostPort } : {}),
        protocol,
      });
    }
  }
  return out;
}

function stringOrList(v: unknown): unknown {
  return typeof v === 'string' ? [v] : v;
}

function envFileLong(v: unknown, path: string): unknown {
  const one = (e: unknown) => {
    if (typeof e === 'string') return { path: e, required: true };
    if (isMapping(e)) return { required: true, ...e };
    return e;
  };
  if (typeof v === 'string') return [one(v)];
  if (Array.isArray(v)) return v.map(one);
  throw new ComposeError(`${path}: invalid type ${typeof v} for env_file`);
}

function dependsOnLong(v: unknown, path: string): Tree {
  if (Array.isArray(v)) {
    const out: Tree = {};
    for (const k of v) out[String(k)] = { condition: 'service_started', required: true };
    return out;
  }
  if (!isMapping(v)) throw new ComposeError(`${path}: invalid type ${typeof v} for depend_on`);
  for (const [k, d] of Object.entries(v)) {
    if (!isMapping(d)) throw new ComposeError(`${path}.${k}: unsupported value ${String(d)}`);
    d.condition ??= 'service_started';
    d.required ??= true;
  }
  return v;
}

function listToMap(v: unknown): unknown {
  if (!Array.isArray(v)) return v;
  const out: Tree = {};
  for (const n of v) out[String(n)] = null;
  return out;
}

function volumeLong(v: unknown, path: string): unknown {
  if (isMapping(v)) {
    if (v.type === 'bind' && isMapping(v.bind)) v.bind.create_host_path ??= true;
    else if (v.type === 'bind' && v.bind === undefined) v.bind = { create_host_path: true };
    return v;
  }
  if (typeof v !== 'string')
    throw new ComposeError(`${path}: invalid type ${typeof v} for service volume mount`);
  const parsed = parseVolumeSpec(v);
  if (parsed.target) parsed.target = posix.normalize(parsed.target).replace(/(.)\/$/, '$1');
  return parsed;
}

function maybeExternal(v: unknown, path: string, warnings: string[]): unknown {
  if (v === null || v === undefined) return v;
  if (!isMapping(v)) return v;
  const ext = v.external;
  if (isMapping(ext)) {
    v.external = true;
    if ('name' in ext) {
      warnings.push(`${path}: external.name is deprecated. Please set name and external: true`);
      if ('name' in v && v.name !== ext.name)
        throw new ComposeError(`${path}: name and external.name conflict; only use name`);
      v.name ??= ext.name;
    }
  }
  return v;
}

/** transform.Canonical + SetDefaultValues on one (merged, schema-valid) tree. */
export function canonical(dict: Tree, warnings: string[]): Tree {
  const services = isMapping(dict.services) ? dict.services : {};
  for (const [name, s] of Object.entries(services)) {
    if (!isMapping(s)) continue;
    const p = `services.${name}`;
    if (typeof s.build === 'string') s.build = { context: s.build };
    if (isMapping(s.build)) {
      s.build.context ??= '.';
      if (Array.isArray(s.build.additional_contexts)) {
        const m: Tree = {};
        for (const e of s.build.additional_contexts) {
          const [k, ...rest] = String(e).split('=');
          if (rest.length === 0)
            throw new ComposeError(
              `${p}.build.additional_contexts: invalid value ${String(e)}, expected key=value`,
            );
          m[k!] = rest.join('=');
        }
        s.build.additional_contexts = m;
      }
    }
    if (s.depends_on !== undefined) s.depends_on = dependsOnLong(s.depends_on, `${p}.depends_on`);
    if (s.env_file !== undefined) s.env_file = envFileLong(s.env_file, `${p}.env_file`);
    if (s.label_file !== undefined) s.label_file = stringOrList(s.label_file);
    if (typeof s.extends === 'string') s.extends = { service: s.extends };
    if (s.networks !== undefined) s.networks = listToMap(s.networks);
    if (Array.isArray(s.volumes)) s.volumes = s.volumes.map((v, i) => volumeLong(v, `${p}.volumes.${i}`));
    if (s.dns !== undefined) s.dns = stringOrList(s.dns);
    if (s.ports !== undefined) s.ports = portsLong(s.ports, `${p}.ports`);
    for (const k of ['tmpfs', 'dns_search', 'dns_opt'] as const) if (typeof s[k] === 'string') s[k] = [s[k]];
    if (isMapping(s.ulimits)) {
      for (const [k, u] of Object.entries(s.ulimits)) {
        if (typeof u !== 'number' && !isMapping(u))
          throw new ComposeError(`${p}.ulimits.${k}: invalid type ${typeof u} for external`);
      }
    }
  }
  for (const top of ['networks', 'volumes', 'secrets', 'configs'] as const) {
    const m = dict[top];
    if (!isMapping(m)) continue;
    for (const [k, v] of Object.entries(m)) m[k] = maybeExternal(v, `${top}.${k}`, warnings);
  }
  return dict;
}

/** mapstructure's MappingWithEquals: `KEY=VAL` / `KEY` entries or a mapping → KEY → value (null: unset). */
export function toMappingWithEquals(v: unknown): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  if (Array.isArray(v)) {
    for (const e of v) {
      const s = String(e);
      const eq = s.indexOf('=');
      if (eq < 0) out[s] = null;
      else out[s.slice(0, eq)] = s.slice(eq + 1);
    }
  } else if (isMapping(v)) {
    for (const [k, x] of Object.entries(v)) out[k] = x === null || x === undefined ? null : scalarText(x);
  }
  return out;
}

/** loader.Normalize: after every file is merged, with the project's name known. */
export function normalize(dict: Tree, name: string, env: Record<string, string>): Tree {
  dict.name = name;
  const services = isMapping(dict.services) ? dict.services : {};
  const networks: Tree = isMapping(dict.networks) ? dict.networks : {};
  let usesDefault = false;
  for (const s of Object.values(services)) {
    if (!isMapping(s) || 'network_mode' in s || 'provider' in s) continue;
    if (!isMapping(s.networks) || Object.keys(s.networks).length === 0) {
      s.networks = { default: null };
      usesDefault = true;
    } else if ('default' in s.networks) usesDefault = true;
  }
  if (!('default' in networks) && usesDefault) networks.default = null;
  if (Object.keys(networks).length > 0) dict.networks = networks;

  for (const s of Object.values(services)) {
    if (!isMapping(s)) continue;
    if (s.pull_policy === 'if_not_present') s.pull_policy = 'missing';
    if (isMapping(s.build)) {
      s.build.context ??= '.';
      if (s.build.dockerfile === undefined && s.build.dockerfile_inline === undefined)
        s.build.dockerfile = 'Dockerfile';
    }
    if (s.environment !== undefined) {
      const resolved: Record<string, string | null> = {};
      for (const [k, v] of Object.entries(toMappingWithEquals(s.environment)))
        resolved[k] = v !== null ? v : (env[k] ?? null);
      s.environment = resolved;
    }
    const dependsOn: Tree = isMapping(s.depends_on) ? s.depends_on : {};
    const implied = (svc: string, restart: boolean) => {
      if (!(svc in dependsOn)) dependsOn[svc] = { condition: 'service_started', restart, required: true };
    };
    if (Array.isArray(s.links)) {
      for (const l of s.links) {
        const parts = String(l).split(':');
        implied(parts.length === 2 ? parts[0]! : String(l), true);
      }
    }
    for (const ns of ['network_mode', 'ipc', 'pid', 'uts', 'cgroup']) {
      const ref = s[ns];
      if (typeof ref === 'string' && ref.startsWith('service:')) implied(ref.slice('service:'.length), true);
    }
    if (Array.isArray(s.volumes)) {
      for (const v of s.volumes)
        if (isMapping(v) && typeof v.target === 'string') v.target = posix.normalize(v.target);
    }
    if (Array.isArray(s.volumes_from)) {
      for (const v of s.volumes_from) {
        const ref = String(v);
        if (!ref.startsWith('container:')) implied(ref.split(':')[0]!, false);
      }
    }
    if (Object.keys(dependsOn).length > 0) s.depends_on = dependsOn;
  }
  for (const top of ['networks', 'volumes', 'configs', 'secrets'] as const) {
    const m = dict[top];
    if (!isMapping(m)) continue;
    for (const [key, r] of Object.entries(m)) {
      const resource: Tree = isMapping(r) ? r : {};
      if (resource.name === undefined || resource.name === null) {
        resource.name = resource.external === true ? key : `${name}_${key}`;
      }
      m[key] = resource;
    }
  }
  return dict;
}
