/**
 * The OCI runtime spec for a container, built the way the Docker daemon builds it (moby
 * daemon/oci_linux.go createSpec over oci.DefaultLinuxSpec), on containerd's base where Docker has no
 * opinion (RLIMIT_NOFILE 1024). Pure: everything host-specific (user ids, namespace paths, files to
 * bind-mount, cgroup path and version) comes in through SpecInput.
 */
import { SystemError } from '../errors.js';
import { linuxResources, type DeviceNumbers } from './resources.js';
import type { ContainerOptions } from '../opts/container.js';
import {
  defaultMaskedPaths,
  defaultReadonlyPaths,
  effectiveCgroupns,
  mergeImageConfig,
  type ImageConfig,
} from '../opts/inspect-shapes.js';
import { knownCapabilities, tweakCapabilities } from '../opts/caps.js';
import { seccompFor } from './seccomp.js';
import { deviceCgroupRules, type HostDevice } from './devices.js';
import { ipcMounts } from './namespaces.js';
import type {
  OciCapabilities,
  OciDeviceCgroup,
  OciMount,
  OciNamespace,
  OciRlimit,
  OciSpec,
} from './types.js';

export const OCI_VERSION = '1.0.2-dev';
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Where Docker puts its init inside the container. */
export const CONTAINER_INIT_PATH = '/sbin/docker-init';

export interface SpecInput {
  id: string;
  opts: ContainerOptions;
  image: { config?: ImageConfig };
  /** The command after the image, when the options were parsed without it (default: opts.command). */
  command?: string[];
  user: { uid: number; gid: number; additionalGids?: number[] };
  hostname: string;
  /** Network namespace to join; undefined with network `host` shares the host's, otherwise a new one. */
  netnsPath?: string;
  /** Host files bind-mounted over /etc/hosts, /etc/resolv.conf, /etc/hostname. */
  etcFiles?: { hosts?: string; resolvConf?: string; hostname?: string };
  cgroupsPath: string;
  cgroupVersion: 1 | 2;
  /** Host binary mounted at /sbin/docker-init for --init. */
  initBinary?: string;
  /** CAP_LAST_CAP of the running kernel (privileged containers get every capability up to it). */
  lastCap?: number;
  /** What privileged containers and `--cap-add ALL` get: the capabilities tsdock has (default: lastCap's). */
  hostCaps?: string[];
  /** Resolves major:minor of --device-*-bps/iops paths (tests pass a fake). */
  deviceNumbers?: DeviceNumbers;
  /** Namespaces of other containers joined (--pid/--ipc container:NAME): their /proc/PID/ns paths. */
  joinNamespaces?: { pid?: string; ipc?: string };
  /** Bound at /dev/shm with a shareable IPC namespace, another container's, or the host's. */
  shmPath?: string;
  /** --device nodes as they are on the host (spec/devices.ts hostDevices). */
  devices?: HostDevice[];
  /** The legacy links' variables (Link.ToEnv), which the container's own Env may override. */
  linkEnv?: string[];
  /** Volumes, binds and `--mount type=tmpfs`, resolved on the host (volumes/mounts.ts specMounts). */
  mounts?: { binds: OciMount[]; tmpfs: Record<string, string>; rootfsPropagation?: string };
}

/** The character devices every container may use (moby oci.DefaultLinuxSpec), after a deny-all. */
export function defaultDeviceRules(): OciDeviceCgroup[] {
  const allow = (major: number, minor: number): OciDeviceCgroup => ({
    allow: true,
    type: 'c',
    major,
    minor,
    access: 'rwm',
  });
  return [
    { allow: false, access: 'rwm' },
    allow(1, 5), // /dev/zero
    allow(1, 3), // /dev/null
    allow(1, 9), // /dev/urandom
    allow(1, 8), // /dev/random
    allow(5, 0), // /dev/tty
    allow(5, 1), // /dev/console
    { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' }, // /dev/fuse
  ];
}

function defaultMounts(shmSize: number): OciMount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['ro', 'nosuid', 'noexec', 'nodev'],
    },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${shmSize}`],
    },
  ];
}

/**
 * Docker's process environment: PATH, HOSTNAME, TERM (with a TTY), then the container's Env replacing
 * same-named entries or appending; a bare `KEY` deletes KEY (moby ReplaceOrAppendEnvValues).
 */
export function processEnv(
  containerEnv: string[],
  hostname: string,
  tty: boolean,
  linkEnv: string[] = [],
): string[] {
  const env = [`PATH=${DEFAULT_PATH}`, `HOSTNAME=${hostname}`];
  if (tty) env.push('TERM=xterm');
  env.push(...linkEnv);
  const keyOf = (e: string) => e.split('=')[0]!;
  const index = new Map<string, number>(env.map((e, i) => [keyOf(e), i]));
  const removed = new Set<number>();
  for (const value of containerEnv) {
    const key = keyOf(value);
    const at = index.get(key);
    if (!value.includes('=')) {
      if (at !== undefined) removed.add(at);
      continue;
    }
    if (at !== undefined) {
      env[at] = value;
      removed.delete(at);
    } else {
      index.set(key, env.length);
      env.push(value);
    }
  }
  return env.filter((_, i) => !removed.has(i));
}

function capabilitiesFor(opts: ContainerOptions, uid: number, all: string[]): OciCapabilities {
  const caps = tweakCapabilities(opts.capAdd, opts.capDrop, opts.privileged, all);
  // Docker gives a non-root process only the bounding set: it gains capabilities through setuid
  // binaries or file capabilities, never by default.
  return uid === 0 ? { bounding: caps, effective: caps, permitted: caps } : { bounding: caps };
}

function rlimitsFor(opts: ContainerOptions): OciRlimit[] {
  const limits: OciRlimit[] = [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }];
  for (const u of opts.ulimits) {
    const type = `RLIMIT_${u.Name.toUpperCase()}`;
    // -1 stays -1 here and becomes RLIM_INFINITY (2^64-1) in serializeSpec.
    const entry = { type, hard: u.Hard, soft: u.Soft };
    const at = limits.findIndex((l) => l.type === type);
    if (at === -1) limits.push(entry);
    else limits[at] = entry;
  }
  return limits;
}

function etcMounts(files: SpecInput['etcFiles'], readOnly: boolean): OciMount[] {
  const out: OciMount[] = [];
  const add = (destination: string, source: string | undefined) => {
    if (!source) return;
    out.push({
      destination,
      type: 'bind',
      source,
      options: ['rbind', 'rprivate', ...(readOnly ? ['ro'] : [])],
    });
  };
  add('/etc/hostname', files?.hostname);
  add('/etc/hosts', files?.hosts);
  add('/etc/resolv.conf', files?.resolvConf);
  return out;
}

function tmpfsMounts(tmpfs: Record<string, string>): OciMount[] {
  return Object.entries(tmpfs).map(([destination, data]) => {
    const options = ['noexec', 'nosuid', 'nodev', 'rprivate'];
    for (const o of data ? data.split(',') : []) {
      // A later option of the same kind replaces the default one (moby mount.MergeTmpfsOptions).
      const flip: Record<string, string> = { exec: 'noexec', suid: 'nosuid', dev: 'nodev' };
      const opposite = flip[o] ?? Object.keys(flip).find((k) => flip[k] === o);
      const i = opposite ? options.indexOf(opposite) : -1;
      if (i !== -1) options.splice(i, 1);
      const key = o.split('=')[0]!;
      const same = o.includes('=') ? options.findIndex((x) => x.startsWith(`${key}=`)) : options.indexOf(o);
      if (same !== -1) options.splice(same, 1);
      options.push(o);
    }
    return { destination, type: 'tmpfs', source: 'tmpfs', options };
  });
}

function namespacesFor(input: SpecInput): OciNamespace[] {
  const { opts } = input;
  const ns: OciNamespace[] = [{ type: 'mount' }];
  if (input.netnsPath) ns.push({ type: 'network', path: input.netnsPath });
  else if (opts.network !== 'host') ns.push({ type: 'network' });
  // --uts/--pid/--ipc host: the host's namespace (none in the spec); container:NAME: that one's.
  const { pid, ipc, uts } = opts.namespaces;
  const joined = input.joinNamespaces ?? {};
  if (uts !== 'host') ns.push({ type: 'uts' });
  if (pid !== 'host') ns.push({ type: 'pid', ...(joined.pid ? { path: joined.pid } : {}) });
  if (ipc !== 'host') ns.push({ type: 'ipc', ...(joined.ipc ? { path: joined.ipc } : {}) });
  if (effectiveCgroupns(opts, input.cgroupVersion) === 'private') ns.push({ type: 'cgroup' });
  return ns;
}

export function buildSpec(input: SpecInput): OciSpec {
  const { opts } = input;
  const merged = mergeImageConfig(opts, input.image.config, input.command ?? opts.command);

  let args = [merged.path, ...merged.args];
  const mounts = defaultMounts(opts.shmSize);
  if (opts.init) {
    if (!input.initBinary) throw new SystemError('exec: "docker-init": executable file not found in $PATH');
    args = [CONTAINER_INIT_PATH, '--', ...args];
  }

  // Docker's order: the defaults the user did not mount over, the user's mounts parents first,
  // then /etc/hosts, /etc/resolv.conf and /etc/hostname unless the user mounted those too.
  const depth = (m: OciMount) => m.destination.split('/').filter(Boolean).length;
  const ownMounts = [
    ...tmpfsMounts({ ...opts.tmpfs, ...input.mounts?.tmpfs }),
    ...(input.mounts?.binds ?? []),
  ].sort((a, b) => depth(a) - depth(b));
  const userDest = new Set(ownMounts.map((m) => m.destination));
  const etc = etcMounts(input.etcFiles, opts.readOnly).filter((m) => !userDest.has(m.destination));
  const overridden = new Set([...userDest, ...etc.map((m) => m.destination)]);
  const all = ipcMounts(
    [
      ...mounts.filter(
        (m) => !overridden.has(m.destination) && !(userDest.has('/dev') && m.destination.startsWith('/dev/')),
      ),
      ...ownMounts,
      ...etc,
    ],
    opts.namespaces.ipc,
    input.shmPath,
  );
  if (opts.init && input.initBinary) {
    all.push({
      destination: CONTAINER_INIT_PATH,
      type: 'bind',
      source: input.initBinary,
      options: ['bind', 'ro'],
    });
  }
  if (opts.readOnly) {
    const exempt = new Set(['/proc', '/dev/pts', '/dev/shm', '/dev/mqueue', '/dev']);
    for (const m of all) {
      if (!exempt.has(m.destination) && !overridden.has(m.destination) && !m.options?.includes('ro')) {
        m.options = [...(m.options ?? []), 'ro'];
      }
    }
  }
  if (opts.privileged) {
    for (const m of all) if (m.destination === '/sys') m.options = m.options?.filter((o) => o !== 'ro');
  }
  if (opts.security.writableCgroups ?? opts.privileged) {
    for (const m of all) if (m.type === 'cgroup') m.options = m.options?.filter((o) => o !== 'ro');
  }

  const resources = linuxResources(opts.resources, input.deviceNumbers);
  resources.devices = opts.privileged
    ? [{ allow: true, access: 'rwm' }]
    : [...defaultDeviceRules(), ...deviceCgroupRules(input.devices ?? [], opts.deviceCgroupRules)];

  const privateNet = opts.network !== 'host' && !opts.network.startsWith('container:');
  const user = {
    uid: input.user.uid,
    gid: input.user.gid,
    ...(input.user.additionalGids ? { additionalGids: input.user.additionalGids } : {}),
  };

  const capabilities = capabilitiesFor(
    opts,
    input.user.uid,
    input.hostCaps ?? knownCapabilities(input.lastCap),
  );
  const seccomp = seccompFor(opts.security.seccomp, opts.privileged, capabilities.bounding ?? []);
  const unmasked = opts.privileged || opts.security.unmaskSystemPaths;

  return {
    ociVersion: OCI_VERSION,
    process: {
      terminal: opts.tty,
      user,
      args,
      env: processEnv(merged.env, input.hostname, opts.tty, input.linkEnv),
      cwd: merged.workingDir || '/',
      capabilities,
      rlimits: rlimitsFor(opts),
      noNewPrivileges: opts.security.noNewPrivileges,
      oomScoreAdj: opts.oomScoreAdj,
    },
    root: { path: 'rootfs', readonly: opts.readOnly },
    // runc sets these only in a UTS namespace of the container's own.
    ...(opts.namespaces.uts === 'host'
      ? {}
      : { hostname: input.hostname, ...(opts.domainname ? { domainname: opts.domainname } : {}) }),
    mounts: all,
    linux: {
      namespaces: namespacesFor(input),
      ...(input.devices && input.devices.length > 0 ? { devices: input.devices.map((d) => d.device) } : {}),
      resources,
      cgroupsPath: input.cgroupsPath,
      ...(input.mounts?.rootfsPropagation ? { rootfsPropagation: input.mounts.rootfsPropagation } : {}),
      ...(unmasked ? {} : { maskedPaths: defaultMaskedPaths(), readonlyPaths: defaultReadonlyPaths() }),
      // Docker's defaults for a container with its own network stack: unprivileged ping and low ports.
      ...sysctlsFor(opts.sysctls, privateNet),
      ...(seccomp ? { seccomp } : {}),
    },
  };
}

/**
 * --sysctl over Docker's defaults for a container with its own network stack (unprivileged ping and
 * low ports), which apply unless the user set those keys.
 */
function sysctlsFor(user: Record<string, string>, privateNet: boolean): { sysctl?: Record<string, string> } {
  const sysctl: Record<string, string> = privateNet
    ? { 'net.ipv4.ping_group_range': '0 2147483647', 'net.ipv4.ip_unprivileged_port_start': '0' }
    : {};
  Object.assign(sysctl, user);
  return Object.keys(sysctl).length > 0 ? { sysctl } : {};
}

/**
 * The spec as the JSON bytes containerd stores. An unlimited rlimit (-1 in OciRlimit) is written as
 * RLIM_INFINITY, 18446744073709551615, which a JS number cannot hold exactly.
 */
export function serializeSpec(spec: OciSpec): string {
  return JSON.stringify(spec).replace(/"(hard|soft)":-1(?=[,}])/g, '"$1":18446744073709551615');
}
