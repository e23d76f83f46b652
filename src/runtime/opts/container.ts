/**
 * `run`/`create` flags → one validated, typed options object (docker/cli container/opts.go `parse`
 * plus the daemon's create-time checks). Everything a user can get wrong on the command line fails
 * here, before any image is pulled, with Docker's wording:
 *   - values a flag itself rejects (pflag `Set`) read `invalid argument "v" for "--flag" flag: …`;
 *   - checks the daemon makes read as the daemon's message.
 */
import { UsageError } from '../errors.js';
import { parseSignal, signalName } from './signals.js';
import { normalizeCapabilities } from './caps.js';
import { kvToMap, parseKeyValueFile, validateEnv, validateLabel, type Lookup } from './kvfile.js';
import {
  DEFAULT_SHM_SIZE,
  parseCpus,
  parseThrottleBps,
  parseThrottleIops,
  verifyResources,
  type ThrottleDevice,
} from './resources.js';
import { parseUlimit, ramInBytes, type Ulimit } from './units.js';
import { parseSecurityOpts, type SecurityOptions } from './security.js';
import * as names from './names.js';
import { parseHealthFlags, type HealthConfig, type HealthFlags } from './health.js';
import { parseLink, type LinkSpec } from './links.js';
import { parseNamespaceModes, type NamespaceModes } from './namespaces.js';
import { parseDevice, validateDeviceCgroupRule, type DeviceMapping } from './devices.js';
import { parseSysctl } from './sysctl.js';

export { validateContainerName } from './names.js';
import {
  parseMountFlag,
  parseVolumesFrom,
  splitVolumes,
  validateTmpfsDestination,
  type MountSpec,
} from './mounts.js';

export type { ThrottleDevice } from './resources.js';
export type { Ulimit } from './units.js';
export type { SecurityOptions } from './security.js';

/** Raw values as the command hands them over (camelCase of the flag names, see cli/run-flags.ts). */
export interface RunFlags extends HealthFlags {
  /** First positional: the image reference as typed. */
  image?: string;
  /** Positionals after the image: the command. */
  args?: string[];
  name?: string;
  env?: string[];
  envFile?: string[];
  workdir?: string;
  user?: string;
  /** A string as `--entrypoint` gives it, or a list (compose's entrypoint: [a, b]). */
  entrypoint?: string | string[];
  hostname?: string;
  domainname?: string;
  label?: string[];
  labelFile?: string[];
  interactive?: boolean;
  tty?: boolean;
  detach?: boolean;
  attach?: string[];
  rm?: boolean;
  stopSignal?: string;
  stopTimeout?: number | string;
  pull?: string;
  cidfile?: string;
  network?: string;
  networkAlias?: string[];
  publish?: string[];
  publishAll?: boolean;
  expose?: string[];
  dns?: string[];
  dnsSearch?: string[];
  dnsOption?: string[];
  addHost?: string[];
  ip?: string;
  macAddress?: string;
  volume?: string[];
  mount?: string[];
  tmpfs?: string[];
  volumesFrom?: string[];
  groupAdd?: string[];
  readOnly?: boolean;
  restart?: string;
  init?: boolean;
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  securityOpt?: string[];
  logDriver?: string;
  logOpt?: string[];
  ulimit?: string[];
  shmSize?: string;
  cpus?: string;
  cpuPeriod?: number | string;
  cpuQuota?: number | string;
  cpuShares?: number | string;
  cpusetCpus?: string;
  cpusetMems?: string;
  memory?: string;
  memorySwap?: string;
  memoryReservation?: string;
  memorySwappiness?: number | string;
  oomKillDisable?: boolean;
  oomScoreAdj?: number | string;
  pidsLimit?: number | string;
  blkioWeight?: number | string;
  deviceReadBps?: string[];
  deviceWriteBps?: string[];
  deviceReadIops?: string[];
  deviceWriteIops?: string[];
  cgroupParent?: string;
  cgroupns?: string;
  platform?: string;
  quiet?: boolean;
  sigProxy?: boolean;
  detachKeys?: string;
  link?: string[];
  pid?: string;
  ipc?: string;
  uts?: string;
  userns?: string;
  device?: string[];
  deviceCgroupRule?: string[];
  sysctl?: string[];
}

export type RestartPolicyName = 'no' | 'always' | 'unless-stopped' | 'on-failure';
export type PullPolicy = 'missing' | 'never' | 'always';

/** Resource limits in Docker's units (bytes, nano-CPUs, µs), defaults applied as the daemon does. */
export interface ResourceOptions {
  memory: number;
  /** memory + swap; 2 × memory when only --memory is given; -1 unlimited; 0 unset. */
  memorySwap: number;
  memoryReservation: number;
  /** null: kernel default (Docker's -1). */
  memorySwappiness: number | null;
  oomKillDisable: boolean;
  nanoCpus: number;
  cpuShares: number;
  cpuPeriod: number;
  cpuQuota: number;
  cpusetCpus: string;
  cpusetMems: string;
  /** null: unlimited (flag absent or ≤ 0). */
  pidsLimit: number | null;
  blkioWeight: number;
  deviceReadBps: ThrottleDevice[];
  deviceWriteBps: ThrottleDevice[];
  deviceReadIops: ThrottleDevice[];
  deviceWriteIops: ThrottleDevice[];
}

export interface ContainerOptions {
  image: string;
  command: string[];
  name?: string;
  /** KEY=VAL entries in Docker's order (env-files, then -e); a bare KEY removes KEY from the container env. */
  env: string[];
  workdir?: string;
  user?: string;
  /** undefined: the image's; []: reset by `--entrypoint ""` (image Cmd is then not inherited either). */
  entrypoint?: string[];
  hostname?: string;
  domainname?: string;
  labels: Record<string, string>;
  interactive: boolean;
  tty: boolean;
  detach: boolean;
  attach: { stdin: boolean; stdout: boolean; stderr: boolean };
  rm: boolean;
  /** As typed (what inspect shows), with its number and canonical name. */
  stopSignal?: { raw: string; number: number; name: string };
  stopTimeout?: number;
  pull: PullPolicy;
  cidfile?: string;
  /** bridge | host | none | container:<id|name> | <network name>. */
  network: string;
  networkAliases: string[];
  publish: string[];
  publishAll: boolean;
  expose: string[];
  dns: string[];
  dnsSearch: string[];
  dnsOptions: string[];
  extraHosts: string[];
  ip?: string;
  macAddress?: string;
  /** -v values as typed (HostConfig.Binds and the anonymous part of Config.Volumes come from them). */
  volumes: string[];
  /** --mount values as the CLI sends them (HostConfig.Mounts). */
  mounts: MountSpec[];
  /** destination → mount options ('' for defaults). */
  tmpfs: Record<string, string>;
  /** --volumes-from, as typed (CONTAINER[:ro|rw]). */
  volumesFrom: string[];
  /** --group-add: gids or group names of the image. */
  groupAdd: string[];
  readOnly: boolean;
  restart: { name: RestartPolicyName; maximumRetryCount: number };
  /** undefined unless --init was given (inspect omits HostConfig.Init then). */
  init?: boolean;
  privileged: boolean;
  capAdd: string[];
  capDrop: string[];
  security: SecurityOptions;
  log: { driver: string; opts: Record<string, string> };
  ulimits: Ulimit[];
  shmSize: number;
  resources: ResourceOptions;
  cgroupParent: string;
  /** undefined: the daemon's default for the host (host on cgroup v1, private on v2). */
  cgroupns?: 'host' | 'private';
  oomScoreAdj: number;
  platform?: string;
  quiet: boolean;
  sigProxy: boolean;
  detachKeys?: string;
  /** --link, in the order given. */
  links: LinkSpec[];
  /** Config.Healthcheck as the flags give it (the image's is merged at create); undefined: none given. */
  healthcheck?: HealthConfig;
  namespaces: NamespaceModes;
  devices: DeviceMapping[];
  deviceCgroupRules: string[];
  /** --sysctl KEY=VALUE, later values of a key winning. */
  sysctls: Record<string, string>;
}

export interface HostInfo {
  /** Online CPUs (--cpus and --cpuset-cpus are checked against it). */
  cpus: number;
  /** Physical memory in bytes; Docker does not cap --memory by it, so nothing here does either. */
  memTotal: number;
}

const shorthands: Record<string, string> = {
  memory: 'm',
  env: 'e',
  label: 'l',
  'cpu-shares': 'c',
  attach: 'a',
  user: 'u',
  workdir: 'w',
  hostname: 'h',
};

/** pflag's wording for a value its flag type rejects. */
function flagError(flag: string, value: string, err: unknown): UsageError {
  const s = shorthands[flag];
  const name = s ? `-${s}, --${flag}` : `--${flag}`;
  const msg = err instanceof Error ? err.message : String(err);
  return new UsageError(`invalid argument ${JSON.stringify(value)} for ${JSON.stringify(name)} flag: ${msg}`);
}

function flagValue<T>(flag: string, value: string, parse: (v: string) => T): T {
  try {
    return parse(value);
  } catch (err) {
    throw flagError(flag, value, err);
  }
}

/** Integer flags normally arrive as numbers (argv.ts parses them); strings are parsed as pflag would. */
function intFlag(
  flag: string,
  raw: number | string | undefined,
  def: number,
  bits: 'int64' | 'uint16' = 'int64',
) {
  if (raw === undefined) return def;
  const text = String(raw);
  return flagValue(flag, text, (v) => {
    const syntax = bits === 'uint16' ? /^\+?\d+$/ : /^[+-]?\d+$/;
    const fn = bits === 'uint16' ? 'ParseUint' : 'ParseInt';
    if (!syntax.test(v)) throw new Error(`strconv.${fn}: parsing ${JSON.stringify(v)}: invalid syntax`);
    const n = BigInt(v);
    const [lo, hi] = bits === 'uint16' ? [0n, 65535n] : [-(2n ** 63n), 2n ** 63n - 1n];
    if (n < lo || n > hi) throw new Error(`strconv.${fn}: parsing ${JSON.stringify(v)}: value out of range`);
    return Number(n);
  });
}

function sizeFlag(flag: string, raw: string | undefined): number {
  if (raw === undefined || raw === '') return 0;
  return flagValue(flag, raw, ramInBytes);
}

/** Docker's own log drivers: tsdock has json-file only (the monitor writes it). */
const DOCKER_LOG_DRIVERS = new Set([
  'none',
  'local',
  'syslog',
  'journald',
  'gelf',
  'fluentd',
  'awslogs',
  'splunk',
  'etwlogs',
  'gcplogs',
  'logentries',
]);

/** --log-driver: json-file works; Docker's other drivers are refused rather than ignored. */
function checkLogDriver(driver: string): void {
  if (driver === 'json-file') return;
  if (DOCKER_LOG_DRIVERS.has(driver))
    throw new UsageError(`log driver "${driver}" is not supported by tsdock (json-file only)`);
  throw new UsageError(
    `Error response from daemon: error looking up logging plugin ${driver}: plugin "${driver}" not found`,
  );
}

/** opts.ParseRestartPolicy + the daemon's ValidateRestartPolicy. */
export function parseRestartPolicy(policy: string | undefined): ContainerOptions['restart'] {
  if (policy === undefined || policy === '') return { name: 'no', maximumRetryCount: 0 };
  const colon = policy.indexOf(':');
  const name = colon === -1 ? policy : policy.slice(0, colon);
  const count = colon === -1 ? '' : policy.slice(colon + 1);
  if (colon !== -1 && name === '') {
    throw new UsageError('invalid restart policy format: no policy provided before colon');
  }
  let max = 0;
  if (count !== '') {
    if (!/^[+-]?\d+$/.test(count)) {
      throw new UsageError('invalid restart policy format: maximum retry count must be an integer');
    }
    max = Number(count);
  }
  switch (name) {
    case 'no':
    case 'always':
    case 'unless-stopped':
      if (max !== 0) {
        throw new UsageError(
          "invalid restart policy: maximum retry count can only be used with 'on-failure'" +
            (max < 0 ? ' and cannot be negative' : ''),
        );
      }
      return { name, maximumRetryCount: 0 };
    case 'on-failure':
      if (max < 0) throw new UsageError('invalid restart policy: maximum retry count cannot be negative');
      return { name, maximumRetryCount: max };
    default:
      throw new UsageError(
        `invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`,
      );
  }
}

function readFiles(files: string[] | undefined, lookup?: Lookup): string[] {
  const out: string[] = [];
  for (const f of files ?? []) {
    try {
      out.push(...parseKeyValueFile(f, lookup));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  return out;
}

function parseAttach(values: string[]): ContainerOptions['attach'] {
  const a = { stdin: false, stdout: false, stderr: false };
  for (const v of values) {
    const s = v.toLowerCase();
    if (s !== 'stdin' && s !== 'stdout' && s !== 'stderr') {
      throw flagError('attach', v, new Error('valid streams are STDIN, STDOUT and STDERR'));
    }
    a[s] = true;
  }
  return a;
}

function parseResources(flags: RunFlags, host: HostInfo): ResourceOptions & { oomScoreAdj: number } {
  const swappiness = intFlag('memory-swappiness', flags.memorySwappiness, -1);
  if (swappiness !== -1 && (swappiness < 0 || swappiness > 100)) {
    throw new UsageError(`invalid value: ${swappiness}. Valid memory swappiness range is 0-100`);
  }
  const memory = sizeFlag('memory', flags.memory);
  const memorySwap =
    flags.memorySwap === undefined || flags.memorySwap === ''
      ? 0
      : flags.memorySwap === '-1'
        ? -1
        : sizeFlag('memory-swap', flags.memorySwap);
  const nanoCpus = flags.cpus ? flagValue('cpus', flags.cpus, parseCpus) : 0;
  const pids = intFlag('pids-limit', flags.pidsLimit, 0);
  const r = {
    memory,
    memorySwap,
    memoryReservation: sizeFlag('memory-reservation', flags.memoryReservation),
    memorySwappiness: swappiness === -1 ? null : swappiness,
    oomKillDisable: flags.oomKillDisable ?? false,
    nanoCpus,
    cpuShares: intFlag('cpu-shares', flags.cpuShares, 0),
    cpuPeriod: intFlag('cpu-period', flags.cpuPeriod, 0),
    cpuQuota: intFlag('cpu-quota', flags.cpuQuota, 0),
    cpusetCpus: flags.cpusetCpus ?? '',
    cpusetMems: flags.cpusetMems ?? '',
    pidsLimit: pids > 0 ? pids : null,
    blkioWeight: intFlag('blkio-weight', flags.blkioWeight, 0, 'uint16'),
    deviceReadBps: (flags.deviceReadBps ?? []).map((v) => flagValue('device-read-bps', v, parseThrottleBps)),
    deviceWriteBps: (flags.deviceWriteBps ?? []).map((v) =>
      flagValue('device-write-bps', v, parseThrottleBps),
    ),
    deviceReadIops: (flags.deviceReadIops ?? []).map((v) =>
      flagValue('device-read-iops', v, parseThrottleIops),
    ),
    deviceWriteIops: (flags.deviceWriteIops ?? []).map((v) =>
      flagValue('device-write-iops', v, parseThrottleIops),
    ),
    oomScoreAdj: intFlag('oom-score-adj', flags.oomScoreAdj, 0),
  };
  if (r.cpuShares < 0) throw new UsageError('shares: invalid argument');
  verifyResources(r, host.cpus);
  // The daemon's default, applied after validation: swap as large as the memory limit.
  if (r.memory > 0 && r.memorySwap === 0) r.memorySwap = r.memory * 2;
  return r;
}

export function parseContainerOptions(
  flags: RunFlags,
  env: NodeJS.ProcessEnv,
  host: HostInfo,
): ContainerOptions {
  const lookup: Lookup = (k) => env[k];

  const name = flags.name ? names.validateContainerName(flags.name) : undefined;

  const envFromFlags = (flags.env ?? []).map((v) => flagValue('env', v, (x) => validateEnv(x, lookup)));
  const containerEnv = [...readFiles(flags.envFile, lookup), ...envFromFlags];

  const labelFlags = (flags.label ?? []).map((v) => flagValue('label', v, validateLabel));
  const labels = kvToMap([...readFiles(flags.labelFile), ...labelFlags]);

  if (flags.workdir && !flags.workdir.startsWith('/')) {
    throw new UsageError(
      `the working directory '${flags.workdir}' is invalid, it needs to be an absolute path`,
    );
  }

  let stopSignal: ContainerOptions['stopSignal'];
  if (flags.stopSignal) {
    const n = parseSignal(flags.stopSignal);
    stopSignal = { raw: flags.stopSignal, number: n, name: signalName(n) };
  }

  const pull = (flags.pull ?? 'missing') as PullPolicy;
  if (!['missing', 'never', 'always'].includes(pull)) {
    throw new UsageError(`invalid pull option: '${pull}': must be one of "always", "missing" or "never"`);
  }

  const restart = parseRestartPolicy(flags.restart);
  if (flags.rm && restart.name !== 'no') {
    throw new UsageError('conflicting options: cannot specify both --restart and --rm');
  }

  const detach = flags.detach ?? false;
  const attachFlags = flags.attach ?? [];
  if (detach && attachFlags.length > 0) {
    throw new UsageError('conflicting options: cannot specify both --attach and --detach');
  }
  const attach = parseAttach(attachFlags);
  const interactive = flags.interactive ?? false;
  if (interactive) attach.stdin = true;
  if (attachFlags.length === 0) {
    attach.stdout = true;
    attach.stderr = true;
  }
  if (detach) {
    attach.stdin = false;
    attach.stdout = false;
    attach.stderr = false;
  }

  const logDriver = flags.logDriver || 'json-file';
  const logOpts = flags.logOpt ?? [];
  if (logDriver === 'none' && logOpts.length > 0)
    throw new UsageError('invalid logging opts for driver none');
  checkLogDriver(logDriver);

  const ulimits = new Map<string, Ulimit>();
  for (const u of flags.ulimit ?? []) {
    const parsed = flagValue('ulimit', u, parseUlimit);
    ulimits.set(parsed.Name, parsed);
  }

  const tmpfs: Record<string, string> = {};
  for (const t of flags.tmpfs ?? []) {
    const colon = t.indexOf(':');
    const dest = colon === -1 ? t : t.slice(0, colon);
    validateTmpfsDestination(dest);
    tmpfs[dest] = colon === -1 ? '' : t.slice(colon + 1);
  }
  // The CLI's own reading of -v (volumespec) and --mount; the daemon's checks follow at create.
  splitVolumes(flags.volume ?? []);
  const mounts = (flags.mount ?? []).map((v) => flagValue('mount', v, (x) => parseMountFlag(x)));
  const volumesFrom = flags.volumesFrom ?? [];
  for (const v of volumesFrom) parseVolumesFrom(v);

  let cgroupns: ContainerOptions['cgroupns'];
  if (flags.cgroupns) {
    if (flags.cgroupns !== 'host' && flags.cgroupns !== 'private') {
      throw new UsageError('--cgroupns: invalid CGROUP mode');
    }
    cgroupns = flags.cgroupns;
  }

  const capAdd = flags.capAdd ?? [];
  const capDrop = flags.capDrop ?? [];
  normalizeCapabilities(capAdd);
  normalizeCapabilities(capDrop);
  const security = parseSecurityOpts(flags.securityOpt ?? []);
  // Before anything is created: these end up in other containers' /etc/hosts and resolv.conf.
  const hostname = flags.hostname ? names.validateHostname(flags.hostname) : undefined;
  const domainname = flags.domainname ? names.validateDomainname(flags.domainname) : undefined;
  const networkAliases = (flags.networkAlias ?? []).map((a) => names.validateAlias(a));
  const extraHosts = (flags.addHost ?? []).map(names.validateExtraHost);
  const dns = (flags.dns ?? []).map(names.validateDns);
  const dnsSearch = (flags.dnsSearch ?? []).map(names.validateDnsSearch);
  const dnsOptions = (flags.dnsOption ?? []).map(names.validateDnsOption);

  const { oomScoreAdj, ...resources } = parseResources(flags, host);
  const shm = sizeFlag('shm-size', flags.shmSize);

  const stopTimeout =
    flags.stopTimeout === undefined ? undefined : intFlag('stop-timeout', flags.stopTimeout, 0);

  const links = (flags.link ?? []).map((v) => flagValue('link', v, parseLink));
  const healthcheck = parseHealthFlags(flags, flagValue);
  const devices = (flags.device ?? []).flatMap((v) => flagValue('device', v, parseDevice));
  const deviceCgroupRules = (flags.deviceCgroupRule ?? []).map((v) =>
    flagValue('device-cgroup-rule', v, validateDeviceCgroupRule),
  );
  const sysctls: Record<string, string> = {};
  for (const v of flags.sysctl ?? []) {
    const [k, val] = flagValue('sysctl', v, parseSysctl);
    sysctls[k] = val;
  }
  const namespaces = parseNamespaceModes(flags);
  if (namespaces.uts === 'host' && hostname) {
    throw new UsageError('Error response from daemon: conflicting options: hostname and the UTS mode');
  }

  return {
    image: flags.image ?? '',
    command: flags.args ?? [],
    ...(name !== undefined ? { name } : {}),
    env: containerEnv,
    ...(flags.workdir ? { workdir: flags.workdir } : {}),
    ...(flags.user ? { user: flags.user } : {}),
    ...(flags.entrypoint !== undefined
      ? {
          entrypoint: Array.isArray(flags.entrypoint)
            ? flags.entrypoint
            : flags.entrypoint === ''
              ? []
              : [flags.entrypoint],
        }
      : {}),
    ...(hostname ? { hostname } : {}),
    ...(domainname ? { domainname } : {}),
    labels,
    interactive,
    tty: flags.tty ?? false,
    detach,
    attach,
    rm: flags.rm ?? false,
    ...(stopSignal ? { stopSignal } : {}),
    ...(stopTimeout !== undefined ? { stopTimeout } : {}),
    pull,
    ...(flags.cidfile ? { cidfile: flags.cidfile } : {}),
    network: flags.network || 'bridge',
    networkAliases,
    publish: flags.publish ?? [],
    publishAll: flags.publishAll ?? false,
    expose: flags.expose ?? [],
    dns,
    dnsSearch,
    dnsOptions,
    extraHosts,
    ...(flags.ip ? { ip: flags.ip } : {}),
    ...(flags.macAddress ? { macAddress: flags.macAddress } : {}),
    volumes: flags.volume ?? [],
    mounts,
    tmpfs,
    volumesFrom,
    groupAdd: flags.groupAdd ?? [],
    readOnly: flags.readOnly ?? false,
    restart,
    ...(flags.init !== undefined ? { init: flags.init } : {}),
    privileged: flags.privileged ?? false,
    capAdd,
    capDrop,
    security,
    log: { driver: logDriver, opts: kvToMap(logOpts) },
    ulimits: [...ulimits.values()].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0)),
    shmSize: shm === 0 ? DEFAULT_SHM_SIZE : shm,
    resources,
    cgroupParent: flags.cgroupParent ?? '',
    ...(cgroupns ? { cgroupns } : {}),
    oomScoreAdj,
    ...(flags.platform ? { platform: flags.platform } : {}),
    quiet: flags.quiet ?? false,
    sigProxy: flags.sigProxy ?? true,
    ...(flags.detachKeys ? { detachKeys: flags.detachKeys } : {}),
    links,
    ...(healthcheck ? { healthcheck } : {}),
    namespaces,
    devices,
    deviceCgroupRules,
    sysctls,
  };
}
