/**
 * A container as the kernel sees it, read off the same things that make it: the OCI spec runc is
 * given (namespaces, cgroup, mounts, capabilities, seccomp), the snapshot's overlay mount, the
 * network endpoint with its `ip` steps and port rules. `run --dry-run` describes the spec it built
 * and the endpoint it previewed; `explain` the spec containerd holds and the endpoint recorded at
 * start — with the same functions, so that the two agree by construction.
 */
import { existsSync } from 'node:fs';
import { cgroupWrites, hostCgroupFile } from '../cgroups/files.js';
import type { Mount } from '../containerd/types.js';
import type {
  CgroupView,
  MountView,
  NamespaceView,
  NetworkView,
  RootfsView,
  SecurityView,
} from '../format/kernel.js';
import type { EndpointRecord } from '../network/endpoint.js';
import { ruleLine, type Rule } from '../network/iptables.js';
import { bridgeSteps, plugSteps, type BridgeInput, type VethInput } from '../network/links.js';
import type { OciDeviceCgroup, OciSpec } from '../spec/types.js';
import type { MountPoint } from '../opts/mounts.js';
import { mountOption } from './rootfs.js';

/** The kinds of namespace, as the spec names them and as /proc/PID/ns does, in the seed's order. */
export const NAMESPACE_KINDS: { oci: string; proc: string }[] = [
  { oci: 'mount', proc: 'mnt' },
  { oci: 'uts', proc: 'uts' },
  { oci: 'ipc', proc: 'ipc' },
  { oci: 'pid', proc: 'pid' },
  { oci: 'network', proc: 'net' },
  { oci: 'cgroup', proc: 'cgroup' },
  { oci: 'user', proc: 'user' },
  // Not in runtime-spec 1.0: a container always shares the host's clocks.
  { oci: 'time', proc: 'time' },
];

/**
 * Each namespace: new, joined (a path in the spec) or the host's (absent from the spec). A path
 * among `own` is a namespace made for this container (its network namespace file), so new too.
 * With the links of a running process (`live`) and of this process (`host`), each gets its id, and
 * one equal to tsdock's own is shared with the host whatever the spec says.
 */
export function namespacesOf(
  spec: OciSpec,
  how: { own?: string[]; live?: Record<string, string>; host?: Record<string, string> } = {},
): NamespaceView[] {
  return NAMESPACE_KINDS.map(({ oci, proc }) => {
    const entry = spec.linux.namespaces.find((n) => n.type === oci);
    const id = how.live?.[proc];
    let mode: NamespaceView['Mode'] = !entry
      ? 'host'
      : entry.path && !how.own?.includes(entry.path)
        ? 'joined'
        : 'new';
    if (id && how.host?.[proc] === id) mode = 'host';
    return {
      Type: proc,
      Mode: mode,
      ...(entry?.path ? { Path: entry.path } : {}),
      ...(id ? { Id: id } : {}),
    };
  });
}

function deviceRule(d: OciDeviceCgroup): string {
  return `${d.allow ? 'allow' : 'deny'} ${d.type ?? 'a'} ${d.major ?? '*'}:${d.minor ?? '*'} ${d.access ?? 'rwm'}`;
}

/**
 * The cgroup: its path and every limit file runc writes with the value it will read (the mapping of
 * cgroups/files.ts); with `read`, what each file reads now.
 */
export function cgroupOf(
  spec: OciSpec,
  version: 1 | 2,
  read?: (path: string) => string | undefined,
): CgroupView {
  const path = spec.linux.cgroupsPath;
  return {
    Version: version,
    Path: path,
    Dir: hostCgroupFile(version === 1 ? '<controller>/' : '', path, version),
    Files: cgroupWrites(spec.linux.resources, path, version).map((w) => {
      const now = read?.(w.path);
      return { Key: w.key, Path: w.path, Value: w.value, ...(now !== undefined ? { Read: now } : {}) };
    }),
    Devices: (spec.linux.resources.devices ?? []).map(deviceRule),
  };
}

/** containerd's overlay snapshotter turns the kernel's inode index off wherever the kernel has one. */
export function overlayIndexOff(): boolean {
  return existsSync('/sys/module/overlay/parameters/index');
}

/**
 * The mount containerd's overlay snapshotter returns when a snapshot is prepared on top of these
 * layers (top first) in <root>/snapshots/<n>: `n` is a number containerd picks then, shown as given.
 */
export function preparedMount(root: string, lower: string[], n: string, indexOff = overlayIndexOff()): Mount {
  const dir = `${root}/snapshots/${n}`;
  if (lower.length === 0) return { type: 'bind', source: `${dir}/fs`, options: ['rw', 'rbind'] };
  return {
    type: 'overlay',
    source: 'overlay',
    options: [
      ...(indexOff ? ['index=off'] : []),
      `workdir=${dir}/work`,
      `upperdir=${dir}/fs`,
      `lowerdir=${lower.join(':')}`,
    ],
  };
}

/** The union filesystem: the snapshot chain and the directories of its overlay mount. */
export function rootfsOf(a: {
  key: string;
  parent: string;
  /** The image's snapshots, top first (the lowerdir list is in the same order). */
  chain: string[];
  mount: Mount;
  readOnly: boolean;
  mergedDir?: string;
}): RootfsView {
  const m = a.mount;
  const lower = m.type === 'overlay' ? (mountOption(m, 'lowerdir') ?? '').split(':').filter(Boolean) : [];
  return {
    Snapshotter: 'overlayfs',
    Key: a.key,
    Parent: a.parent,
    Chain: a.chain.map((name, i) => ({ Name: name, Dir: lower[i] ?? '' })),
    Type: m.type === 'overlay' ? 'overlay' : 'bind',
    LowerDir: lower,
    UpperDir: m.type === 'overlay' ? (mountOption(m, 'upperdir') ?? '') : m.source,
    WorkDir: m.type === 'overlay' ? (mountOption(m, 'workdir') ?? '') : '',
    Options: m.options,
    ...(a.mergedDir ? { MergedDir: a.mergedDir } : {}),
    ReadOnly: a.readOnly,
  };
}

/**
 * Every mount of the spec besides the root, with its source on the host; the container's own
 * (its mount points: volumes, binds, `--mount type=tmpfs`; and `--tmpfs`) say what they are, a
 * volume its name. For a dry run, `made` names the volumes create would make, `copyUp` the
 * destinations whose new or empty volume create would fill from the image.
 */
export function mountsOf(
  spec: OciSpec,
  own: { points: MountPoint[]; tmpfs: string[]; made?: string[]; copyUp?: string[] } = {
    points: [],
    tmpfs: [],
  },
): MountView[] {
  const points = new Map(own.points.map((p) => [p.Destination, p]));
  const tmpfs = new Set(own.tmpfs);
  return spec.mounts.map((m) => {
    const p = points.get(m.destination);
    const origin = p?.Type ?? (tmpfs.has(m.destination) ? 'tmpfs' : undefined);
    return {
      Destination: m.destination,
      Type: m.type ?? '',
      Source: m.source ?? '',
      Options: m.options ?? [],
      ...(origin ? { Origin: origin } : {}),
      ...(p?.Type === 'volume' ? { Volume: p.Name } : {}),
      ...(p?.Type === 'volume' && own.made?.includes(p.Name) ? { NewVolume: true } : {}),
      ...(p && own.copyUp?.includes(p.Destination) ? { CopyUp: true } : {}),
    };
  });
}

/**
 * The seccomp profile in effect: none in the spec is `unconfined` (asked for, or --privileged); a
 * `seccomp=FILE` option is a custom profile; otherwise Docker's default.
 */
export function seccompProfile(spec: OciSpec, securityOpt: string[]): SecurityView['Seccomp']['Profile'] {
  if (!spec.linux.seccomp) return 'unconfined';
  const chosen = securityOpt
    .filter((o) => /^seccomp[=:]/.test(o))
    .at(-1)
    ?.slice('seccomp='.length);
  return chosen && chosen !== 'builtin' && chosen !== 'unconfined' ? 'custom' : 'default';
}

export function securityOf(spec: OciSpec, securityOpt: string[], privileged: boolean): SecurityView {
  const { user, capabilities: caps } = spec.process;
  return {
    User: { Uid: user.uid, Gid: user.gid, AdditionalGids: user.additionalGids ?? [] },
    Privileged: privileged,
    Capabilities: {
      Bounding: caps?.bounding ?? [],
      Effective: caps?.effective ?? [],
      Permitted: caps?.permitted ?? [],
    },
    Seccomp: {
      Profile: seccompProfile(spec, securityOpt),
      DefaultAction: spec.linux.seccomp?.defaultAction ?? '',
      Rules: spec.linux.seccomp?.syscalls?.length ?? 0,
    },
    NoNewPrivileges: spec.process.noNewPrivileges ?? false,
    MaskedPaths: spec.linux.maskedPaths ?? [],
    ReadonlyPaths: spec.linux.readonlyPaths ?? [],
  };
}

/** A rule as the `iptables` command line that adds it. */
export function iptablesLine(r: Rule): string {
  return `-t ${r.table} ${ruleLine(r, '-A')}`;
}

/**
 * The network: the namespace runc joins (from the spec) and, on a bridge, the endpoint — its veth,
 * address, routes, the `ip` steps that plug it (links.ts plugSteps, as run) and its port rules
 * (as iptables.ts portRules made them for installing).
 */
export function networkOf(
  mode: string,
  spec: OciSpec,
  bridge?: {
    endpoint: EndpointRecord;
    veth: VethInput;
    preview?: boolean;
    /** The network does not exist yet: it would be created first (compose's up), its id drawn then. */
    newNetwork?: boolean;
    /** The bridge does not exist yet: it would be made, after bridgeRules are installed. */
    newBridge?: BridgeInput;
    bridgeRules?: Rule[];
    /** Rules of the load-balanced ports (kube play Services) it is a backend of. */
    services?: Rule[];
    /** Routes read in the namespace (explain); otherwise the ones the steps make. */
    routes?: string[];
  },
): NetworkView {
  const ns = spec.linux.namespaces.find((n) => n.type === 'network');
  const netns = !ns ? '' : (ns.path ?? 'new, made by runc: loopback only');
  if (!bridge) return { Mode: mode, Netns: netns, Ports: [], Routes: [], Steps: [], Iptables: [] };
  const { endpoint: ep, veth } = bridge;
  const steps = plugSteps(veth);
  const dev = ep.ifName ?? 'eth0';
  return {
    Mode: mode,
    Netns: netns,
    NetworkId: ep.network.id,
    ...(bridge.newNetwork ? { NewNetwork: true } : {}),
    Bridge: ep.network.bridge,
    Subnet: ep.network.subnet,
    NetworkGateway: ep.network.gateway,
    Gateway: ep.network.internal ? '' : ep.network.gateway,
    HostVeth: ep.hostIf,
    ContainerIf: dev,
    IPAddress: `${ep.ip}/${ep.prefix}`,
    MacAddress: ep.mac,
    ...(ep.network.mtu ? { Mtu: ep.network.mtu } : {}),
    ...(ep.network.internal ? { Internal: true } : {}),
    ...(bridge.preview ? { Preview: true } : {}),
    Ports: ep.ports.map((p) => ({
      HostIp: p.hostIp,
      HostPort: p.hostPort,
      ContainerPort: p.containerPort,
      Proto: p.proto,
    })),
    Routes: bridge.routes ?? [
      ...(veth.gateway ? [`default via ${veth.gateway} dev ${dev}`] : []),
      `${ep.network.subnet} dev ${dev} proto kernel scope link src ${ep.ip}`,
    ],
    Steps: [
      ...(veth.newNetns ? [] : [`ip netns add ${ep.netns}`]),
      ...steps.host.map((l) => `ip ${l}`),
      ...steps.inNetns.map((l) => `ip -n ${ep.netns} ${l}`),
    ],
    Iptables: ep.rules.map(iptablesLine),
    ...(bridge.bridgeRules?.length ? { BridgeRules: bridge.bridgeRules.map(iptablesLine) } : {}),
    ...(bridge.newBridge ? { BridgeSteps: bridgeCommands(bridge.newBridge) } : {}),
    ...(bridge.services?.length ? { ServiceRules: bridge.services.map(iptablesLine) } : {}),
  };
}

/** createBridge's steps as commands a person would type. */
function bridgeCommands(b: BridgeInput): string[] {
  const steps = bridgeSteps(b);
  return [
    ...steps.ip.map((l) => `ip ${l}`),
    ...steps.sysctls.map(([path, value]) => `sysctl -w ${path.split('/').join('.')}=${value}`),
  ];
}

/**
 * The spec as containerd stores it (config.json): an unlimited rlimit is RLIM_INFINITY, which only
 * a bigint holds exactly (spec/build.ts serializeSpec writes the same number).
 */
export function specDocument(spec: OciSpec): unknown {
  const infinite = (n: number) => (n === -1 ? 18446744073709551615n : n);
  const process = Object.fromEntries(
    Object.entries(spec.process).map(([k, v]) =>
      k === 'rlimits'
        ? [
            k,
            spec.process.rlimits!.map((r) => ({
              type: r.type,
              hard: infinite(r.hard),
              soft: infinite(r.soft),
            })),
          ]
        : [k, v],
    ),
  );
  return { ...spec, process };
}
