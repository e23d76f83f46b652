/**
 * A service as containers: the names (`<project>-<service>-<n>`), Docker Compose's labels, the
 * config hash that tells whether a container still matches its service, and the service turned
 * into the flags `tsdock run`/`create` take — so a compose container is made by the very code
 * that makes any other container, with the same checks and messages.
 */
import { isAbsolute, join } from 'node:path';
import { sha256Hex } from '../state/ids.js';
import { goDurationParse } from '../format/units.js';
import type { RunFlags } from '../opts/container.js';
import { isMapping, scalarText } from './merge.js';
import type { Project, Service } from './model.js';

/** The compose version tsdock's labels and `compose version` claim to follow. */
export const COMPOSE_VERSION = '2.40.0';

export const LABEL = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  number: 'com.docker.compose.container-number',
  configHash: 'com.docker.compose.config-hash',
  oneoff: 'com.docker.compose.oneoff',
  slug: 'com.docker.compose.slug',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  environmentFile: 'com.docker.compose.project.environment_file',
  dependsOn: 'com.docker.compose.depends_on',
  image: 'com.docker.compose.image',
  version: 'com.docker.compose.version',
  network: 'com.docker.compose.network',
  volume: 'com.docker.compose.volume',
  replace: 'com.docker.compose.replace',
} as const;

/** The service's image: `image:`, or what a build names it (`<project>-<service>`, as compose does). */
export function imageName(project: Project, service: Service): string {
  return service.image ?? `${project.name}-${service.name}`.toLowerCase();
}

export function containerName(project: Project, service: Service, number: number): string {
  return service.containerName ?? `${project.name}-${service.name}-${number}`;
}

/** JSON with sorted keys: the same config always hashes the same. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * compose's ServiceHash: the service's effective config, without what does not shape a container
 * (build, pull_policy, scale/replicas, depends_on, profiles), with env_file and label_file folded
 * in, and `service:x` references resolved to the container they point at (`refs`) — so a service
 * sharing another's namespace is recreated when that container is.
 */
export function serviceHash(service: Service, refs: Record<string, string> = {}): string {
  const s: Record<string, unknown> = { ...service.raw };
  for (const k of [
    'build',
    'pull_policy',
    'scale',
    'depends_on',
    'profiles',
    'env_file',
    'label_file',
    'attach',
  ])
    delete s[k];
  if (isMapping(s.deploy)) {
    const { replicas: _replicas, ...deploy } = s.deploy;
    s.deploy = deploy;
  }
  s.environment = service.environment;
  s.labels = service.labels;
  s.command = service.command;
  s.entrypoint = service.entrypoint;
  for (const k of ['network_mode', 'ipc', 'pid']) {
    const mode = s[k];
    if (typeof mode === 'string' && mode.startsWith('service:'))
      s[k] = `container:${refs[mode.slice('service:'.length)] ?? mode}`;
  }
  return sha256Hex(stableJson(s));
}

export interface ContainerPlan {
  name: string;
  number: number;
  labels: Record<string, string>;
}

export function composeLabels(
  project: Project,
  service: Service,
  number: number,
  o: { hash: string; imageId?: string; oneoff?: boolean; slug?: string },
): Record<string, string> {
  const deps = Object.entries(service.dependsOn)
    .map(([d, c]) => `${d}:${c.condition}:${c.restart}`)
    .join(',');
  return {
    ...service.labels,
    [LABEL.project]: project.name,
    [LABEL.service]: service.name,
    ...(o.oneoff ? {} : { [LABEL.number]: String(number) }),
    [LABEL.configHash]: o.hash,
    [LABEL.oneoff]: o.oneoff ? 'True' : 'False',
    ...(o.slug ? { [LABEL.slug]: o.slug } : {}),
    [LABEL.workingDir]: project.workingDir,
    [LABEL.configFiles]: project.configFiles.join(','),
    ...(project.envFiles.length > 0 ? { [LABEL.environmentFile]: project.envFiles.join(',') } : {}),
    [LABEL.dependsOn]: deps,
    ...(o.imageId ? { [LABEL.image]: o.imageId } : {}),
    [LABEL.version]: COMPOSE_VERSION,
  };
}

function str(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : scalarText(v);
}

function list(v: unknown): string[] {
  return Array.isArray(v) ? v.map((x) => scalarText(x)) : [];
}

/** A port in `-p` syntax: `[ip:][published]:target/proto`, or `target/proto` for a random port. */
export function publishSpec(p: Service['ports'][number]): string {
  const target = `${p.target}/${p.protocol}`;
  if (!p.published && !p.host_ip) return target;
  const ip = p.host_ip ? (p.host_ip.includes(':') ? `[${p.host_ip}]` : p.host_ip) : '';
  return `${ip ? `${ip}:` : ''}${p.published ?? ''}:${target}`;
}

function extraHosts(v: unknown): string[] {
  if (isMapping(v)) {
    return Object.entries(v).flatMap(([h, ips]) =>
      (Array.isArray(ips) ? ips : [ips]).map((ip) => `${h}:${scalarText(ip)}`),
    );
  }
  // compose accepts host=ip and host:ip; --add-host wants host:ip.
  return list(v).map((e) => (e.includes('=') ? e.replace('=', ':') : e));
}

function ulimits(v: unknown): string[] {
  if (!isMapping(v)) return [];
  return Object.entries(v).map(([name, u]) => {
    if (isMapping(u)) return `${name}=${scalarText(u.soft)}:${scalarText(u.hard)}`;
    return `${name}=${scalarText(u)}`;
  });
}

function restartPolicy(raw: Record<string, unknown>): string | undefined {
  const deploy = isMapping(raw.deploy) ? raw.deploy : undefined;
  const rp = deploy && isMapping(deploy.restart_policy) ? deploy.restart_policy : undefined;
  if (rp) {
    const condition = String(rp.condition ?? 'any');
    const name =
      {
        none: 'no',
        no: 'no',
        'on-failure': 'on-failure',
        'unless-stopped': 'unless-stopped',
        any: 'always',
        always: 'always',
      }[condition] ?? condition;
    return rp.max_attempts !== undefined && name === 'on-failure'
      ? `${name}:${scalarText(rp.max_attempts)}`
      : name;
  }
  return str(raw.restart);
}

function throttles(v: unknown): string[] {
  return (Array.isArray(v) ? v : [])
    .filter(isMapping)
    .map((d) => `${scalarText(d.path)}:${scalarText(d.rate)}`);
}

/** A seccomp profile named relative to the project directory, as compose reads it. */
function seccompPath(opt: string, workingDir: string | undefined): string {
  const m = /^seccomp[=:](.+)$/.exec(opt);
  if (!m || !workingDir || m[1] === 'unconfined' || m[1] === 'builtin' || isAbsolute(m[1]!)) return opt;
  return `seccomp=${join(workingDir, m[1]!)}`;
}

/** healthcheck as run's health options (compose's ToMobyHealthCheck: `disable` is the test NONE). */
function healthFlags(v: unknown): Partial<RunFlags> {
  if (!isMapping(v)) return {};
  const test =
    v.disable === true
      ? ['NONE']
      : typeof v.test === 'string'
        ? ['CMD-SHELL', v.test]
        : Array.isArray(v.test)
          ? v.test.map((x) => scalarText(x))
          : undefined;
  const out: Partial<RunFlags> = {};
  if (test && test.length > 0) out.healthCmd = test;
  if (v.interval !== undefined) out.healthInterval = scalarText(v.interval);
  if (v.timeout !== undefined) out.healthTimeout = scalarText(v.timeout);
  if (v.start_period !== undefined) out.healthStartPeriod = scalarText(v.start_period);
  if (v.start_interval !== undefined) out.healthStartInterval = scalarText(v.start_interval);
  if (v.retries !== undefined) out.healthRetries = scalarText(v.retries);
  return out;
}

/** devices in --device syntax: the long form (`source`, `target`, `permissions`) joined as the short. */
function devices(v: unknown): string[] {
  return (Array.isArray(v) ? v : []).map((d) => {
    if (!isMapping(d)) return scalarText(d);
    const source = scalarText(d.source);
    const target = d.target === undefined ? source : scalarText(d.target);
    return d.permissions === undefined
      ? `${source}:${target}`
      : `${source}:${target}:${scalarText(d.permissions)}`;
  });
}

/** sysctls (a mapping or `k=v` list) as --sysctl values. */
function sysctls(v: unknown): string[] {
  if (isMapping(v)) return Object.entries(v).map(([k, x]) => `${k}=${scalarText(x)}`);
  return list(v);
}

/** A field of --mount's CSV, quoted when it holds a comma or a quote. */
function csv(field: string): string {
  return /[",]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

/**
 * The service's volumes (long syntax, as loading leaves them) as -v and --mount values, the way
 * compose's buildContainerVolumes splits them: a bind that may create its source and needs no
 * Mount API option goes through -v (HostConfig.Binds); everything else through --mount. A named
 * volume gets the project's name for it; an anonymous one the previous container's (`inherited`,
 * target → volume name), as compose keeps anonymous volumes across a recreation.
 */
export function serviceMounts(
  service: Service,
  volumeNames: Record<string, string>,
  inherited: Record<string, string> = {},
): { volume: string[]; mount: string[] } {
  const volume: string[] = [];
  const mount: string[] = [];
  const used = new Set<string>();
  for (const v of Array.isArray(service.raw.volumes) ? service.raw.volumes : []) {
    if (!isMapping(v)) continue;
    const type = String(v.type ?? 'volume');
    const target = scalarText(v.target);
    const ro = v.read_only === true;
    const bind = isMapping(v.bind) ? v.bind : {};
    const vol = isMapping(v.volume) ? v.volume : {};
    const tmpfs = isMapping(v.tmpfs) ? v.tmpfs : {};
    used.add(target);
    if (type === 'bind') {
      const source = scalarText(v.source);
      if (bind.create_host_path === true && bind.propagation === undefined && bind.recursive === undefined) {
        const opts = [ro ? 'ro' : 'rw', ...(bind.selinux ? [scalarText(bind.selinux)] : [])];
        volume.push(`${source}:${target}:${opts.join(',')}`);
        continue;
      }
      const f = [`type=bind`, `source=${source}`, `target=${target}`];
      if (ro) f.push('readonly');
      if (bind.propagation !== undefined) f.push(`bind-propagation=${scalarText(bind.propagation)}`);
      if (bind.recursive !== undefined) f.push(`bind-recursive=${scalarText(bind.recursive)}`);
      if (bind.create_host_path === true) f.push('bind-create-src');
      mount.push(f.map(csv).join(','));
    } else if (type === 'tmpfs') {
      const f = [`type=tmpfs`, `target=${target}`];
      if (tmpfs.size !== undefined) f.push(`tmpfs-size=${scalarText(tmpfs.size)}`);
      if (tmpfs.mode !== undefined) f.push(`tmpfs-mode=${Number(tmpfs.mode).toString(8)}`);
      mount.push(f.map(csv).join(','));
    } else {
      const key = v.source === undefined || v.source === null ? '' : scalarText(v.source);
      const source = key === '' ? (inherited[target] ?? '') : (volumeNames[key] ?? key);
      const f = [`type=volume`, ...(source ? [`source=${source}`] : []), `target=${target}`];
      if (ro) f.push('readonly');
      if (vol.nocopy === true) f.push('volume-nocopy');
      if (vol.subpath !== undefined) f.push(`volume-subpath=${scalarText(vol.subpath)}`);
      mount.push(f.map(csv).join(','));
    }
  }
  // The image's VOLUMEs the previous container had anonymous volumes for.
  for (const [target, name] of Object.entries(inherited)) {
    if (!used.has(target))
      mount.push([`type=volume`, `source=${name}`, `target=${target}`].map(csv).join(','));
  }
  return { volume, mount };
}

export interface CreateFlagsInput {
  /** The project directory, for paths in the service's options. */
  workingDir?: string;
  name: string;
  labels: Record<string, string>;
  /** The network the container is created on (`<project>_default`), with its aliases. */
  network?: { name: string; aliases: string[]; ip?: string; mac?: string };
  /** network_mode, `service:x` already resolved to `container:<id>`. */
  networkMode?: string;
  /** ipc and pid, `service:x` resolved to `container:<id>` likewise. */
  ipc?: string;
  pid?: string;
  /** links and external_links as --link values (`container:alias`), compose's getLinks. */
  links?: string[];
  /** Top-level volume key → the engine's name (`<project>_<key>`, or `name:`). */
  volumeNames?: Record<string, string>;
  /** Anonymous volumes of the container this one replaces, target → volume name. */
  inherited?: Record<string, string>;
  /** volumes_from with services resolved to their container (`name[:ro|rw]`). */
  volumesFrom?: string[];
}

/** The service as `tsdock create` flags (docker compose's getCreateConfigs, flag by flag). */
export function serviceRunFlags(service: Service, input: CreateFlagsInput): RunFlags {
  const raw = service.raw;
  const deploy = isMapping(raw.deploy) ? raw.deploy : {};
  const resources = isMapping(deploy.resources) ? deploy.resources : {};
  const limits = isMapping(resources.limits) ? resources.limits : {};
  const reservations = isMapping(resources.reservations) ? resources.reservations : {};
  const blkio = isMapping(raw.blkio_config) ? raw.blkio_config : {};
  const logging = isMapping(raw.logging) ? raw.logging : undefined;
  const env = Object.entries(service.environment).map(([k, v]) => (v === null ? k : `${k}=${v}`));
  const stopGrace = str(raw.stop_grace_period);
  const flags: RunFlags = {
    name: input.name,
    env,
    label: Object.entries(input.labels).map(([k, v]) => `${k}=${v}`),
    publish: service.ports.map(publishSpec),
    expose: service.expose,
    addHost: extraHosts(raw.extra_hosts),
    dns: list(raw.dns),
    dnsSearch: list(raw.dns_search),
    dnsOption: list(raw.dns_opt),
    tmpfs: list(raw.tmpfs),
    capAdd: list(raw.cap_add),
    capDrop: list(raw.cap_drop),
    securityOpt: list(raw.security_opt).map((o) => seccompPath(o, input.workingDir)),
    ulimit: ulimits(raw.ulimits),
    logOpt:
      logging && isMapping(logging.options)
        ? Object.entries(logging.options).map(([k, v]) => `${k}=${scalarText(v)}`)
        : [],
    deviceReadBps: throttles(blkio.device_read_bps),
    deviceWriteBps: throttles(blkio.device_write_bps),
    deviceReadIops: throttles(blkio.device_read_iops),
    deviceWriteIops: throttles(blkio.device_write_iops),
    device: devices(raw.devices),
    deviceCgroupRule: list(raw.device_cgroup_rules),
    sysctl: sysctls(raw.sysctls),
    link: input.links ?? [],
    ...serviceMounts(service, input.volumeNames ?? {}, input.inherited),
    volumesFrom: input.volumesFrom ?? [],
    groupAdd: list(raw.group_add),
    ...healthFlags(raw.healthcheck),
    // The engine has pulled what the pull policy asks for already.
    pull: 'never',
    quiet: true,
  };
  const set = <K extends keyof RunFlags>(k: K, v: RunFlags[K] | undefined) => {
    if (v !== undefined) flags[k] = v;
  };
  set('workdir', str(raw.working_dir));
  set('user', str(raw.user));
  if (service.entrypoint !== undefined) flags.entrypoint = service.entrypoint;
  set('hostname', str(raw.hostname));
  set('domainname', str(raw.domainname));
  set('interactive', raw.stdin_open === true ? true : undefined);
  set('tty', raw.tty === true ? true : undefined);
  set('stopSignal', str(raw.stop_signal));
  if (stopGrace !== undefined) flags.stopTimeout = Math.floor(goDurationParse(stopGrace) / 1e9);
  set('readOnly', raw.read_only === true ? true : undefined);
  set('restart', restartPolicy(raw));
  if (raw.init !== undefined) flags.init = raw.init === true;
  set('privileged', raw.privileged === true ? true : undefined);
  set('logDriver', logging ? str(logging.driver) : undefined);
  set('shmSize', str(raw.shm_size));
  set('cpus', str(limits.cpus ?? raw.cpus));
  set('cpuPeriod', str(raw.cpu_period));
  set('cpuQuota', str(raw.cpu_quota));
  set('cpuShares', str(raw.cpu_shares));
  set('cpusetCpus', str(raw.cpuset));
  set('memory', str(limits.memory ?? raw.mem_limit));
  set('memorySwap', str(raw.memswap_limit));
  set('memoryReservation', str(reservations.memory ?? raw.mem_reservation));
  set('memorySwappiness', str(raw.mem_swappiness));
  set('oomKillDisable', raw.oom_kill_disable === true ? true : undefined);
  set('oomScoreAdj', str(raw.oom_score_adj));
  set('pidsLimit', str(limits.pids ?? raw.pids_limit));
  set('blkioWeight', str(blkio.weight));
  set('cgroupParent', str(raw.cgroup_parent));
  set('cgroupns', str(raw.cgroup));
  set('platform', str(raw.platform));
  set('ipc', input.ipc ?? str(raw.ipc));
  set('pid', input.pid ?? str(raw.pid));
  set('uts', str(raw.uts));
  set('userns', str(raw.userns_mode));
  set('macAddress', input.network?.mac ?? str(raw.mac_address));
  if (input.networkMode !== undefined) {
    flags.network = input.networkMode;
  } else if (input.network) {
    flags.network = input.network.name;
    flags.networkAlias = input.network.aliases;
    set('ip', input.network.ip);
  }
  return flags;
}
