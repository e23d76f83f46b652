/**
 * ContainerOptions → Docker's inspect `HostConfig` and `Config` objects, with Docker's field names,
 * units, nulls and key order (moby api/types/container host_config.go / config.go), and the daemon's
 * merge of the image config into the container config (moby daemon/commit.go `merge`).
 */
import { UsageError } from '../errors.js';
import { splitVolumes } from './mounts.js';
import type { ContainerOptions } from './container.js';
import { mergeHealthcheck, type HealthConfig } from './health.js';

/** The `config` object of an OCI image config (Docker field names). */
export interface ImageConfig {
  User?: string;
  ExposedPorts?: Record<string, object> | null;
  Env?: string[] | null;
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object> | null;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  /** HEALTHCHECK (Docker's image config extension). */
  Healthcheck?: HealthConfig | null;
  /** SHELL: what CMD-SHELL probes run under (default /bin/sh -c). */
  Shell?: string[] | null;
}

export interface MergedConfig {
  user: string;
  exposedPorts: Record<string, object>;
  env: string[];
  labels: Record<string, string>;
  entrypoint: string[] | null;
  cmd: string[] | null;
  workingDir: string;
  volumes: Record<string, object>;
  stopSignal: string;
  /** What runs: entrypoint + cmd, first element is the executable (inspect's Path/Args). */
  path: string;
  args: string[];
}

/**
 * -p values → the container ports they expose (`80/tcp`), the way the CLI adds published ports to
 * ExposedPorts. Only the container side is read; host-side validation belongs to the port module.
 */
export function publishedContainerPorts(publish: string[]): string[] {
  const out: string[] = [];
  for (const p of publish) {
    if (p.includes('=')) {
      const params: Record<string, string> = { protocol: 'tcp' };
      for (const kv of p.split(',')) {
        const eq = kv.indexOf('=');
        if (eq > 0) params[kv.slice(0, eq)] = kv.slice(eq + 1);
      }
      if (params.target) out.push(...expandPorts(`${params.target}/${params.protocol}`));
      continue;
    }
    const slash = p.lastIndexOf('/');
    const proto = slash === -1 ? 'tcp' : p.slice(slash + 1);
    const spec = slash === -1 ? p : p.slice(0, slash);
    const withoutV6 = spec.replace(/^\[[^\]]*\]/, '');
    const container = withoutV6.slice(withoutV6.lastIndexOf(':') + 1);
    if (container) out.push(...expandPorts(`${container}/${proto}`));
  }
  return out;
}

/** `80`, `80/udp`, `8000-8002/tcp` → individual `port/proto` keys. */
export function expandPorts(spec: string): string[] {
  const slash = spec.indexOf('/');
  const proto = (slash === -1 ? 'tcp' : spec.slice(slash + 1)).toLowerCase() || 'tcp';
  const range = slash === -1 ? spec : spec.slice(0, slash);
  const m = /^(\d+)(?:-(\d+))?$/.exec(range);
  if (!m) return [];
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  const out: string[] = [];
  for (let p = start; p <= end; p++) out.push(`${p}/${proto}`);
  return out;
}

/**
 * The daemon's merge: user settings win, the image fills the gaps; `--entrypoint ""` clears the
 * entrypoint and stops the image's Cmd from being inherited. Nothing to run: `no command specified`.
 */
export function mergeImageConfig(
  opts: ContainerOptions,
  image: ImageConfig | undefined,
  command: string[] = opts.command,
): MergedConfig {
  const img = image ?? {};
  const exposedPorts: Record<string, object> = {};
  for (const p of [...publishedContainerPorts(opts.publish), ...opts.expose.flatMap(expandPorts)]) {
    exposedPorts[p] = {};
  }
  for (const p of Object.keys(img.ExposedPorts ?? {})) exposedPorts[p] ??= {};

  const env = [...opts.env];
  const keyOf = (e: string) => e.split('=')[0];
  for (const e of img.Env ?? []) if (!env.some((u) => keyOf(u) === keyOf(e))) env.push(e);

  const labels: Record<string, string> = { ...opts.labels };
  for (const [k, v] of Object.entries(img.Labels ?? {})) if (!(k in labels)) labels[k] = v;

  let cmd: string[] | null = command.length > 0 ? [...command] : null;
  let entrypoint: string[] | null = opts.entrypoint === undefined ? null : [...opts.entrypoint];
  if (opts.entrypoint === undefined) {
    if (!cmd) cmd = img.Cmd && img.Cmd.length > 0 ? [...img.Cmd] : null;
    entrypoint = img.Entrypoint && img.Entrypoint.length > 0 ? [...img.Entrypoint] : null;
  }
  if (entrypoint && entrypoint.length === 0) entrypoint = null;
  if (!entrypoint && !cmd) throw new UsageError('Error response from daemon: no command specified');

  const volumes: Record<string, object> = { ...splitVolumes(opts.volumes).anonymous };
  for (const k of Object.keys(img.Volumes ?? {})) volumes[k] = {};

  const all = [...(entrypoint ?? []), ...(cmd ?? [])];
  return {
    user: opts.user || img.User || '',
    exposedPorts,
    env,
    labels,
    entrypoint,
    cmd,
    workingDir: opts.workdir || img.WorkingDir || '',
    volumes,
    stopSignal: opts.stopSignal?.raw || img.StopSignal || '',
    path: all[0]!,
    args: all.slice(1),
  };
}

// A type alias (not an interface) so it fits Record<string, unknown> slots in state records.
export type ContainerConfig = {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  ExposedPorts?: Record<string, object>;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[];
  Cmd: string[] | null;
  Healthcheck?: HealthConfig;
  Image: string;
  Volumes: Record<string, object> | null;
  WorkingDir: string;
  Entrypoint: string[] | null;
  OnBuild: null;
  Labels: Record<string, string>;
  StopSignal?: string;
  StopTimeout?: number;
  Shell?: string[];
};

/** Values the caller knows better than the options: the container's hostname (Docker: the short id). */
export interface ConfigExtras {
  hostname?: string;
  /** Image reference as typed, when the options were parsed without it. */
  image?: string;
  /** The command, when the options were parsed without it. */
  cmd?: string[];
}

/** Docker's inspect `Config`; a string third argument is the hostname. */
export function configOf(
  opts: ContainerOptions,
  image?: ImageConfig,
  extras: string | ConfigExtras = {},
): ContainerConfig {
  const x = typeof extras === 'string' ? { hostname: extras } : extras;
  const hostname = x.hostname ?? opts.hostname ?? '';
  const m = mergeImageConfig(opts, image, x.cmd ?? opts.command);
  const stdinOnce = opts.interactive && opts.attach.stdin;
  return {
    Hostname: hostname,
    Domainname: opts.domainname ?? '',
    User: m.user,
    AttachStdin: opts.attach.stdin,
    AttachStdout: opts.attach.stdout,
    AttachStderr: opts.attach.stderr,
    ...(Object.keys(m.exposedPorts).length > 0 ? { ExposedPorts: m.exposedPorts } : {}),
    Tty: opts.tty,
    OpenStdin: opts.interactive,
    StdinOnce: stdinOnce,
    Env: m.env,
    Cmd: m.cmd,
    ...healthcheckOf(opts.healthcheck, image?.Healthcheck),
    Image: x.image ?? opts.image,
    Volumes: Object.keys(m.volumes).length > 0 ? m.volumes : null,
    WorkingDir: m.workingDir,
    Entrypoint: m.entrypoint,
    OnBuild: null,
    Labels: m.labels,
    ...(m.stopSignal ? { StopSignal: m.stopSignal } : {}),
    ...(opts.stopTimeout !== undefined ? { StopTimeout: opts.stopTimeout } : {}),
    ...(image?.Shell && image.Shell.length > 0 ? { Shell: [...image.Shell] } : {}),
  };
}

/** Config.Healthcheck: the flags' settings over the image's HEALTHCHECK (absent when neither has one). */
function healthcheckOf(
  user: HealthConfig | undefined,
  image: HealthConfig | null | undefined,
): { Healthcheck?: HealthConfig } {
  const merged = mergeHealthcheck(user, image);
  return merged ? { Healthcheck: merged } : {};
}

export type PortBindings = Record<string, { HostIp: string; HostPort: string }[]>;

/** What other modules know better than the flags: resolved ports, binds, the host's cgroup version. */
export interface HostConfigExtras {
  portBindings?: PortBindings;
  binds?: string[];
  cgroupVersion?: 1 | 2;
  /** --tty terminal size [height, width]; Docker records it, [0, 0] without a TTY. */
  consoleSize?: [number, number];
  /** Legacy links as the daemon lists them (`/target:/this/alias`); user networks have none here. */
  links?: string[];
}

const MASKED_PATHS = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export const defaultMaskedPaths = (): string[] => [...MASKED_PATHS];
export const defaultReadonlyPaths = (): string[] => [...READONLY_PATHS];

/** Docker's cgroupns default: private on cgroup v2; host on v1 (and for privileged on v1). */
export function effectiveCgroupns(opts: ContainerOptions, cgroupVersion: 1 | 2): 'host' | 'private' {
  return opts.cgroupns ?? (cgroupVersion === 2 ? 'private' : 'host');
}

/** Docker's inspect `HostConfig`, keys in Docker's order. */
export function hostConfigOf(opts: ContainerOptions, extras: HostConfigExtras = {}) {
  const r = opts.resources;
  const throttle = (list: { path: string; rate: number }[]) =>
    list.map((d) => ({ Path: d.path, Rate: d.rate }));
  const binds = extras.binds ?? splitVolumes(opts.volumes).binds;
  return {
    Binds: binds.length > 0 ? binds : null,
    ContainerIDFile: opts.cidfile ?? '',
    LogConfig: { Type: opts.log.driver, Config: opts.log.opts },
    NetworkMode: opts.network,
    PortBindings: extras.portBindings ?? {},
    RestartPolicy: { Name: opts.restart.name, MaximumRetryCount: opts.restart.maximumRetryCount },
    AutoRemove: opts.rm,
    VolumeDriver: '',
    VolumesFrom: opts.volumesFrom.length > 0 ? opts.volumesFrom : null,
    ConsoleSize: extras.consoleSize ?? [0, 0],
    CapAdd: opts.capAdd.length > 0 ? opts.capAdd : null,
    CapDrop: opts.capDrop.length > 0 ? opts.capDrop : null,
    CgroupnsMode: effectiveCgroupns(opts, extras.cgroupVersion ?? 1),
    Dns: opts.dns,
    DnsOptions: opts.dnsOptions,
    DnsSearch: opts.dnsSearch,
    ExtraHosts: opts.extraHosts.length > 0 ? opts.extraHosts : null,
    GroupAdd: opts.groupAdd.length > 0 ? opts.groupAdd : null,
    IpcMode: opts.namespaces.ipc,
    Cgroup: '',
    Links: extras.links && extras.links.length > 0 ? extras.links : null,
    OomScoreAdj: opts.oomScoreAdj,
    PidMode: opts.namespaces.pid,
    Privileged: opts.privileged,
    PublishAllPorts: opts.publishAll,
    ReadonlyRootfs: opts.readOnly,
    SecurityOpt: opts.security.securityOpt.length > 0 ? opts.security.securityOpt : null,
    ...(Object.keys(opts.tmpfs).length > 0 ? { Tmpfs: opts.tmpfs } : {}),
    UTSMode: opts.namespaces.uts,
    UsernsMode: opts.namespaces.userns,
    ShmSize: opts.shmSize,
    ...(Object.keys(opts.sysctls).length > 0 ? { Sysctls: opts.sysctls } : {}),
    Runtime: 'runc',
    Isolation: '',
    CpuShares: r.cpuShares,
    Memory: r.memory,
    NanoCpus: r.nanoCpus,
    CgroupParent: opts.cgroupParent,
    BlkioWeight: r.blkioWeight,
    BlkioWeightDevice: [],
    BlkioDeviceReadBps: throttle(r.deviceReadBps),
    BlkioDeviceWriteBps: throttle(r.deviceWriteBps),
    BlkioDeviceReadIOps: throttle(r.deviceReadIops),
    BlkioDeviceWriteIOps: throttle(r.deviceWriteIops),
    CpuPeriod: r.cpuPeriod,
    CpuQuota: r.cpuQuota,
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetCpus: r.cpusetCpus,
    CpusetMems: r.cpusetMems,
    Devices: opts.devices,
    DeviceCgroupRules: opts.deviceCgroupRules.length > 0 ? opts.deviceCgroupRules : null,
    DeviceRequests: null,
    MemoryReservation: r.memoryReservation,
    MemorySwap: r.memorySwap,
    MemorySwappiness: r.memorySwappiness,
    OomKillDisable: r.oomKillDisable,
    PidsLimit: r.pidsLimit,
    Ulimits: opts.ulimits.map((u) => ({ Name: u.Name, Hard: u.Hard, Soft: u.Soft })),
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    ...(opts.mounts.length > 0 ? { Mounts: opts.mounts } : {}),
    MaskedPaths: opts.privileged || opts.security.unmaskSystemPaths ? [] : defaultMaskedPaths(),
    ReadonlyPaths: opts.privileged || opts.security.unmaskSystemPaths ? [] : defaultReadonlyPaths(),
    ...(opts.init !== undefined ? { Init: opts.init } : {}),
  };
}
