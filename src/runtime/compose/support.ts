/**
 * What tsdock does with each key of the compose-spec. A key is implemented (it takes effect), or
 * swarm-only (docker compose ignores it on a single engine: tsdock warns and ignores it too), or
 * refused: a command that would create something from a project using it stops before anything
 * exists, naming the key. Nothing the schema allows is silently dropped.
 */
import { UsageError } from '../errors.js';
import { isMapping } from './merge.js';
import type { Project } from './model.js';

type Rule = 'ok' | 'swarm' | { sub: Record<string, Rule> } | ((v: unknown) => string | undefined);

const OK: Rule = 'ok';
const SWARM: Rule = 'swarm';

/** A key whose value must be one of a few: anything else is named in the refusal. */
const oneOf =
  (allowed: unknown[], what = 'value'): Rule =>
  (v) =>
    allowed.includes(v) ? undefined : `${what} ${JSON.stringify(v)}`;

const PORT: Rule = {
  sub: { target: OK, published: OK, host_ip: OK, protocol: OK, mode: OK, name: OK, app_protocol: OK },
};

const SERVICE_VOLUME: Record<string, Rule> = {
  type: oneOf(['volume', 'bind', 'tmpfs']),
  source: OK,
  target: OK,
  read_only: OK,
  // Docker ignores it on Linux.
  consistency: OK,
  bind: { sub: { propagation: OK, create_host_path: OK, selinux: OK, recursive: OK } },
  volume: { sub: { nocopy: OK, subpath: OK } },
  tmpfs: { sub: { size: OK, mode: OK } },
};

const SERVICE: Record<string, Rule> = {
  image: OK,
  command: OK,
  entrypoint: OK,
  environment: OK,
  env_file: OK,
  label_file: OK,
  ports: (v) => {
    for (const p of Array.isArray(v) ? v : []) {
      if (!isMapping(p)) continue;
      for (const k of Object.keys(p)) if (!(k in (PORT as { sub: object }).sub)) return k;
    }
    return undefined;
  },
  expose: OK,
  networks: (v) => {
    for (const cfg of Object.values(isMapping(v) ? v : {})) {
      if (!isMapping(cfg)) continue;
      for (const k of Object.keys(cfg)) if (!['aliases', 'ipv4_address', 'mac_address'].includes(k)) return k;
    }
    return undefined;
  },
  network_mode: (v) => {
    const s = String(v);
    return ['host', 'none', 'bridge', 'default'].includes(s) || /^(service|container):./.test(s)
      ? undefined
      : `value ${JSON.stringify(s)}`;
  },
  depends_on: OK,
  healthcheck: OK,
  links: OK,
  external_links: OK,
  ipc: OK,
  pid: OK,
  uts: OK,
  userns_mode: OK,
  devices: OK,
  device_cgroup_rules: OK,
  sysctls: OK,
  volumes: (v) => {
    for (const m of Array.isArray(v) ? v : []) {
      const refused = check(m, SERVICE_VOLUME, [], { warnings: [] });
      if (refused) return refused;
    }
    return undefined;
  },
  volumes_from: OK,
  group_add: OK,
  restart: OK,
  deploy: {
    sub: {
      replicas: OK,
      mode: oneOf(['replicated']),
      resources: {
        sub: {
          limits: { sub: { cpus: OK, memory: OK, pids: OK } },
          reservations: { sub: { memory: OK, cpus: SWARM } },
        },
      },
      restart_policy: { sub: { condition: OK, max_attempts: OK, delay: SWARM, window: SWARM } },
      placement: SWARM,
      update_config: SWARM,
      rollback_config: SWARM,
      endpoint_mode: SWARM,
      labels: SWARM,
    },
  },
  mem_limit: OK,
  memswap_limit: OK,
  mem_reservation: OK,
  mem_swappiness: OK,
  oom_kill_disable: OK,
  oom_score_adj: OK,
  cpus: OK,
  cpu_shares: OK,
  cpu_quota: OK,
  cpu_period: OK,
  cpuset: OK,
  pids_limit: OK,
  blkio_config: {
    sub: {
      weight: OK,
      device_read_bps: OK,
      device_write_bps: OK,
      device_read_iops: OK,
      device_write_iops: OK,
    },
  },
  labels: OK,
  container_name: OK,
  hostname: OK,
  domainname: OK,
  working_dir: OK,
  user: OK,
  tmpfs: OK,
  read_only: OK,
  stop_signal: OK,
  stop_grace_period: OK,
  extra_hosts: OK,
  dns: OK,
  dns_search: OK,
  dns_opt: OK,
  init: OK,
  privileged: OK,
  cap_add: OK,
  cap_drop: OK,
  security_opt: OK,
  ulimits: OK,
  shm_size: OK,
  stdin_open: OK,
  tty: OK,
  logging: (v) => {
    if (!isMapping(v)) return undefined;
    for (const k of Object.keys(v)) if (k !== 'driver' && k !== 'options') return k;
    if (v.driver !== undefined && v.driver !== 'json-file' && v.driver !== 'none')
      return `driver ${JSON.stringify(v.driver)}`;
    return undefined;
  },
  profiles: OK,
  scale: OK,
  pull_policy: oneOf(['always', 'missing', 'never', 'if_not_present', 'build']),
  build: (v) => {
    if (!isMapping(v)) return undefined;
    const done = [
      'context',
      'dockerfile',
      'args',
      'target',
      'labels',
      'network',
      'extra_hosts',
      'no_cache',
      'pull',
    ];
    for (const k of Object.keys(v)) if (!done.includes(k) && !k.startsWith('x-')) return k;
    return undefined;
  },
  cgroup_parent: OK,
  cgroup: OK,
  mac_address: OK,
  platform: OK,
  attach: OK,
  extends: OK,
};

const VOLUME: Record<string, Rule> = {
  name: OK,
  driver: oneOf(['local']),
  driver_opts: OK,
  external: OK,
  labels: OK,
};

const NETWORK: Record<string, Rule> = {
  name: OK,
  driver: oneOf(['bridge']),
  driver_opts: OK,
  ipam: {
    sub: {
      driver: oneOf(['default']),
      config: (v) => {
        for (const c of Array.isArray(v) ? v : []) {
          if (!isMapping(c)) continue;
          for (const k of Object.keys(c)) if (!['subnet', 'gateway', 'ip_range'].includes(k)) return k;
        }
        if (Array.isArray(v) && v.length > 1) return 'with more than one subnet';
        return undefined;
      },
    },
  },
  external: OK,
  internal: OK,
  enable_ipv6: oneOf([false]),
  enable_ipv4: oneOf([true]),
  labels: OK,
};

export interface SupportReport {
  /** Swarm-only keys, ignored as docker compose ignores them. */
  warnings: string[];
}

function check(
  value: unknown,
  rules: Record<string, Rule>,
  path: string[],
  out: SupportReport,
): string | undefined {
  if (!isMapping(value)) return undefined;
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith('x-')) continue;
    const rule = rules[k];
    const here = [...path, k];
    if (rule === undefined) return here.join('.');
    if (rule === 'ok') continue;
    if (rule === 'swarm') {
      out.warnings.push(`${here.join('.')}: swarm-only, ignored on a single engine (as docker compose does)`);
      continue;
    }
    if (typeof rule === 'function') {
      const what = rule(v);
      if (what !== undefined) return `${here.join('.')} ${what}`;
      continue;
    }
    const refused = check(v, rule.sub, here, out);
    if (refused) return refused;
  }
  return undefined;
}

/**
 * Throws (exit 125, nothing created) when a service about to be created or a resource of the
 * project uses a key tsdock does not implement.
 */
export function assertSupported(project: Project, services: string[]): SupportReport {
  const report: SupportReport = { warnings: [] };
  const refuse = (what: string) => new UsageError(`tsdock compose does not support ${what} yet`);
  for (const name of services) {
    const s = project.services[name];
    if (!s) continue;
    const refused = check(s.raw, SERVICE, ['services', name], report);
    if (refused) throw refuse(refused);
  }
  for (const [name, n] of Object.entries(project.networks)) {
    const refused = check(n.raw, NETWORK, ['networks', name], report);
    if (refused) throw refuse(refused);
  }
  const volumes = isMapping(project.model.volumes) ? project.model.volumes : {};
  for (const [name, v] of Object.entries(volumes)) {
    const refused = check(v, VOLUME, ['volumes', name], report);
    if (refused) throw refuse(refused);
  }
  for (const top of ['secrets', 'configs', 'models', 'include'] as const) {
    const v = project.model[top];
    if ((isMapping(v) && Object.keys(v).length > 0) || (Array.isArray(v) && v.length > 0)) throw refuse(top);
  }
  return report;
}
