/**
 * The project as `docker compose config` renders it: the canonical model of the enabled services
 * (command and entrypoint as lists, environment resolved with env_file folded in, sizes in bytes),
 * keys in compose-go's struct order, then YAML (js-yaml) or JSON, every `$` doubled so that the
 * output reads back as the same values.
 */
import yaml from 'js-yaml';
import { ramInBytes } from '../opts/units.js';
import { isMapping } from './merge.js';
import type { Project } from './model.js';

type Tree = Record<string, unknown>;

/** compose-go's ServiceConfig field order (types.go). */
const SERVICE_ORDER = (
  'name profiles annotations attach build develop blkio_config cap_add cap_drop cgroup_parent cgroup cpu_count ' +
  'cpu_percent cpu_period cpu_quota cpu_rt_period cpu_rt_runtime cpus cpuset cpu_shares command configs ' +
  'container_name credential_spec depends_on deploy device_cgroup_rules devices dns dns_opt dns_search dockerfile ' +
  'domainname entrypoint provider environment env_file expose extends external_links extra_hosts group_add gpus ' +
  'hostname healthcheck image init ipc isolation labels label_file links logging log_driver log_opt mem_limit ' +
  'mem_reservation memswap_limit mem_swappiness mac_address models net network_mode networks oom_kill_disable ' +
  'oom_score_adj pid pids_limit platform ports privileged pull_policy read_only restart runtime scale secrets ' +
  'security_opt shm_size stdin_open stop_grace_period stop_signal storage_opt sysctls tmpfs tty ulimits ' +
  'use_api_socket user userns_mode uts volume_driver volumes volumes_from working_dir pre_start post_start pre_stop'
).split(' ');
const PORT_ORDER = ['name', 'mode', 'host_ip', 'target', 'published', 'protocol', 'app_protocol'];
const VOLUME_ORDER = [
  'type',
  'source',
  'target',
  'read_only',
  'consistency',
  'bind',
  'volume',
  'tmpfs',
  'image',
];
const NETWORK_ORDER = [
  'name',
  'driver',
  'driver_opts',
  'ipam',
  'external',
  'internal',
  'attachable',
  'labels',
  'enable_ipv4',
  'enable_ipv6',
];
const DEPENDS_ORDER = ['condition', 'restart', 'required'];
const PROJECT_ORDER = ['name', 'services', 'networks', 'volumes', 'secrets', 'configs', 'models'];

/** Keys in `order` first (in that order), then the rest sorted, extensions (`x-`) last. */
function ordered(m: Tree, order: string[] = []): Tree {
  const out: Tree = {};
  for (const k of order) if (k in m && m[k] !== undefined) out[k] = m[k];
  const rest = Object.keys(m).filter((k) => !order.includes(k));
  for (const k of rest.filter((k) => !k.startsWith('x-')).sort()) if (m[k] !== undefined) out[k] = m[k];
  for (const k of rest.filter((k) => k.startsWith('x-')).sort()) out[k] = m[k];
  return out;
}

function sortedDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedDeep);
  if (isMapping(v)) {
    const out: Tree = {};
    for (const [k, x] of Object.entries(ordered(v))) out[k] = sortedDeep(x);
    return out;
  }
  return v;
}

const BYTE_KEYS = ['mem_limit', 'mem_reservation', 'memswap_limit', 'shm_size'];

function bytes(v: unknown): unknown {
  if (typeof v === 'string') {
    try {
      return ramInBytes(v);
    } catch {
      return v;
    }
  }
  return v;
}

function renderService(p: Project, name: string): Tree {
  const s = p.services[name]!;
  const raw: Tree = { ...s.raw };
  if (s.command !== undefined) raw.command = s.command;
  if (s.entrypoint !== undefined) raw.entrypoint = s.entrypoint;
  if (Object.keys(s.environment).length > 0) raw.environment = sortedDeep(s.environment);
  delete raw.env_file;
  if (Object.keys(s.labels).length > 0) raw.labels = sortedDeep(s.labels);
  delete raw.label_file;
  for (const k of BYTE_KEYS) if (k in raw) raw[k] = bytes(raw[k]);
  if (Array.isArray(raw.ports)) raw.ports = raw.ports.map((x) => (isMapping(x) ? ordered(x, PORT_ORDER) : x));
  if (Array.isArray(raw.volumes))
    raw.volumes = raw.volumes.map((x) => (isMapping(x) ? ordered(sortedDeep(x) as Tree, VOLUME_ORDER) : x));
  if (isMapping(raw.depends_on)) {
    const deps: Tree = {};
    for (const [k, d] of Object.entries(ordered(raw.depends_on)))
      deps[k] = isMapping(d) ? ordered(d, DEPENDS_ORDER) : d;
    raw.depends_on = deps;
  }
  const out: Tree = {};
  for (const [k, v] of Object.entries(ordered(raw, SERVICE_ORDER))) {
    out[k] = ['ports', 'volumes', 'depends_on', 'environment', 'labels'].includes(k) ? v : sortedDeep(v);
  }
  return out;
}

/** The model of the enabled services (or `only`), ready to be written out. */
export function renderProject(p: Project, only?: string[]): Tree {
  const names = Object.keys(p.services)
    .filter((n) => !only || only.length === 0 || only.includes(n))
    .sort();
  const services: Tree = {};
  for (const n of names) services[n] = renderService(p, n);
  const model: Tree = { ...p.model, name: p.name, services };
  if (isMapping(model.networks)) {
    const nets: Tree = {};
    for (const [k, n] of Object.entries(ordered(model.networks)))
      nets[k] = isMapping(n) ? ordered(sortedDeep(n) as Tree, NETWORK_ORDER) : n;
    model.networks = nets;
  }
  const out: Tree = {};
  for (const [k, v] of Object.entries(ordered(model, PROJECT_ORDER)))
    out[k] = k === 'services' || k === 'networks' ? v : sortedDeep(v);
  return out;
}

function escapeDollars(v: unknown): unknown {
  if (typeof v === 'string') return v.replace(/\$/g, '$$$$');
  if (Array.isArray(v)) return v.map(escapeDollars);
  if (isMapping(v)) {
    const out: Tree = {};
    for (const [k, x] of Object.entries(v)) out[k] = escapeDollars(x);
    return out;
  }
  return v;
}

export function formatProject(model: Tree, format: 'yaml' | 'json'): string {
  const escaped = escapeDollars(model);
  if (format === 'json') return JSON.stringify(escaped, null, 2) + '\n';
  return yaml.dump(escaped, {
    indent: 2,
    lineWidth: -1,
    noRefs: true,
    quotingType: '"',
    schema: yaml.CORE_SCHEMA,
  });
}
