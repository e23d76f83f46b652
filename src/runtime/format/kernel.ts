/**
 * The kernel view of a container — what `run --dry-run` would make, what `explain` finds — and its
 * two layouts: the whole plan (dry run), and a short one per kernel mechanism (explain). Keys are
 * PascalCase as in Docker's documents, so `--format '{{.Cgroup.Path}}'` reads as inspect's do.
 */
import { goJson } from './gofmt.js';
import { renderInspect } from './output.js';

export type NamespaceMode = 'new' | 'host' | 'joined';

export interface NamespaceView {
  /** As /proc/PID/ns names them: mnt, uts, ipc, pid, net, cgroup, user, time. */
  Type: string;
  /** `new`: its own; `host`: the host's, shared; `joined`: another's, by Path. */
  Mode: NamespaceMode;
  Path?: string;
  /** The link /proc/PID/ns/TYPE reads (`pid:[4026532…]`), for a running container. */
  Id?: string;
}

export interface CgroupFileView {
  /** The mapping's key (cgroups/files.ts): `memory/memory.limit_in_bytes` or `memory.max`. */
  Key: string;
  Path: string;
  /** What the file reads once runc has written it. */
  Value: string;
  /** What it reads now (explain). */
  Read?: string;
}

export interface CgroupView {
  Version: 1 | 2;
  /** As the spec's linux.cgroupsPath (cgroupfs driver). */
  Path: string;
  /** Its directory on the host (v1: one per controller, `<controller>` standing for each). */
  Dir: string;
  Files: CgroupFileView[];
  /** The device rules runc programs (v1: devices.deny/devices.allow; v2: an eBPF program). */
  Devices: string[];
}

export interface RootfsView {
  Snapshotter: string;
  /** The container's active snapshot (its id) and the committed one it is prepared from. */
  Key: string;
  Parent: string;
  /** The image's snapshots, top first, each with its directory: the overlay's lowerdir list. */
  Chain: { Name: string; Dir: string }[];
  Type: 'overlay' | 'bind';
  LowerDir: string[];
  UpperDir: string;
  WorkDir: string;
  /** The mount's options as containerd hands them to the shim. */
  Options: string[];
  /** Where the shim mounts it (the bundle's rootfs), once known. */
  MergedDir?: string;
  ReadOnly: boolean;
}

export interface MountView {
  Destination: string;
  Type: string;
  Source: string;
  Options: string[];
  /**
   * The container's own mounts: `volume` (-v NAME:…, -v /path, --mount type=volume, the image's
   * VOLUME), `bind`, `tmpfs`; absent for the defaults (/proc, /dev, …) and the /etc files.
   */
  Origin?: 'volume' | 'bind' | 'tmpfs';
  /** The volume's name (an anonymous one's is generated). */
  Volume?: string;
  /** Dry run: the volume does not exist yet; create makes it. */
  NewVolume?: boolean;
  /** Dry run: create copies the image's content at the destination into the (new or empty) volume. */
  CopyUp?: boolean;
}

export interface SecurityView {
  User: { Uid: number; Gid: number; AdditionalGids: number[] };
  Privileged: boolean;
  Capabilities: { Bounding: string[]; Effective: string[]; Permitted: string[] };
  /** `default` (Docker's profile), `custom` (--security-opt seccomp=FILE) or `unconfined`. */
  Seccomp: { Profile: 'default' | 'custom' | 'unconfined'; DefaultAction: string; Rules: number };
  NoNewPrivileges: boolean;
  MaskedPaths: string[];
  ReadonlyPaths: string[];
}

export interface NetworkView {
  /** NetworkMode: `bridge`, a user network's name, `host`, `none`, `container:NAME`. */
  Mode: string;
  /** The namespace file runc joins; '' when the container shares the host's stack. */
  Netns: string;
  /** The network's id; a network a dry run would create first gets its id (and the bridge name
   * `br-<id>` taken from it) only then: this one is a stand-in. */
  NetworkId?: string;
  /** The network does not exist yet: `compose up` would create it before any container. */
  NewNetwork?: boolean;
  Bridge?: string;
  Subnet?: string;
  /** The network's gateway, the bridge's address (an internal network has one too). */
  NetworkGateway?: string;
  /** The container's default route ('' on an internal network: it has none). */
  Gateway?: string;
  HostVeth?: string;
  ContainerIf?: string;
  IPAddress?: string;
  MacAddress?: string;
  /** The network's MTU on the bridge and both veth ends; absent = the kernel's default. */
  Mtu?: number;
  /** An internal network: no default route, no way out of the bridge. */
  Internal?: boolean;
  /** The address and host ports are a preview (dry run): nothing is reserved. */
  Preview?: boolean;
  Ports: { HostIp: string; HostPort: number; ContainerPort: number; Proto: string }[];
  Routes: string[];
  /** The `ip` commands that plug the container in, as tsdock runs them. */
  Steps: string[];
  /** The port rules, as iptables-save prints them (`-t TABLE -A CHAIN …`). */
  Iptables: string[];
  /** The bridge does not exist yet: it would be made, after these rules. */
  BridgeRules?: string[];
  /** …with these commands (createBridge's). */
  BridgeSteps?: string[];
  /** Load-balanced ports it is a backend of (kube play Services): their jumps and chains as they are now. */
  ServiceRules?: string[];
}

export interface RuntimeView {
  Tsdock: { Pid: number };
  Containerd: { Pid: number; Address: string };
  Shim: { Pid: number; Command: string; Bundle: string };
  Init: { Pid: number; Command: string };
  /** runc made the container from Bundle/config.json and exited: the shim is the parent of init. */
  Runc: string;
}

export interface KernelView {
  DryRun: boolean;
  Container: {
    Id: string;
    Name: string;
    Hostname: string;
    Image: string;
    ImageId: string;
    /** The image a dry run would pull first (none is pulled). */
    Pull?: string;
    Status?: string;
  };
  Namespaces: NamespaceView[];
  Cgroup: CgroupView;
  Rootfs: RootfsView | null;
  Mounts: MountView[];
  Security: SecurityView;
  Network: NetworkView;
  Runtime?: RuntimeView;
  /** The OCI runtime spec (config.json). */
  Spec: unknown;
  Notes: string[];
}

/** `--format`: none = the layout below, `json` = one JSON document, otherwise a Go template. */
export function renderKernelView(
  view: KernelView,
  format: string | undefined,
  layout: (v: KernelView) => string,
): string {
  if (!format) return layout(view);
  if (format === 'json') return goJson(view, '    ') + '\n';
  return renderInspect([view], format);
}

/**
 * JSON for reading in a terminal: as goJson, but an array of plain values (seccomp's syscall
 * names, capabilities, options) fills lines of up to `width` columns instead of one line each.
 */
export function readableJson(v: unknown, indent = '  ', width = 100, cur = ''): string {
  const inner = cur + indent;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    if (v.every((e) => e === null || typeof e !== 'object')) {
      const lines: string[] = [];
      let line = '';
      for (const e of v.map((x) => goJson(x))) {
        if (line && inner.length + line.length + e.length + 2 > width) {
          lines.push(line);
          line = '';
        }
        line += line ? ` ${e},` : `${e},`;
      }
      lines.push(line);
      const body = lines.map((l) => inner + l).join('\n');
      return `[\n${body.slice(0, -1)}\n${cur}]`;
    }
    return `[\n${v.map((e) => inner + readableJson(e, indent, width, inner)).join(',\n')}\n${cur}]`;
  }
  if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    if (entries.length === 0) return '{}';
    const body = entries.map(([k, x]) => `${inner}${goJson(k)}: ${readableJson(x, indent, width, inner)}`);
    return `{\n${body.join(',\n')}\n${cur}}`;
  }
  return goJson(v);
}

const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

function pad(rows: string[][], indent = '  '): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map((r) =>
      (indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).trimEnd(),
    )
    .join('\n');
}

function namespaceRows(list: NamespaceView[]): string[][] {
  return list.map((n) => [
    n.Type,
    n.Mode === 'host' ? 'shared with the host' : n.Mode === 'joined' ? `joined: ${n.Path ?? ''}` : 'new',
    ...(n.Id ? [n.Id] : n.Path && n.Mode === 'new' ? [n.Path] : []),
  ]);
}

function cgroupLines(c: CgroupView, live: boolean): string {
  const head = `  path ${c.Path} (cgroup v${c.Version}, cgroupfs driver)\n  dir  ${c.Dir}/`;
  if (c.Files.length === 0) return `${head}\n  no limit set: runc writes no limit file`;
  const one = (v: string) => v.replace(/\n/g, ' | ');
  // explain shows what each file reads now, and says so where it is not what the spec asked for.
  const shown = (f: CgroupFileView) =>
    !live
      ? one(f.Value)
      : f.Read === undefined
        ? `${one(f.Value)}  (asked for; the file cannot be read)`
        : `${one(f.Read)}${f.Read === f.Value ? '' : `  (the spec asked for ${one(f.Value)})`}`;
  const rows = c.Files.map((f) => [f.Key, '=', shown(f)]);
  return `${head}\n${pad(rows)}`;
}

function rootfsLines(r: RootfsView | null, dry: boolean): string {
  if (!r) return '  unknown until the image is pulled';
  const chain = [
    `${r.Key.slice(0, 12)} (active${dry ? ', new' : ''})`,
    ...r.Chain.map((c) => `${short(c.Name)} (committed)`),
  ];
  const lines = [`  snapshots (${r.Snapshotter}): ${chain.join(' ← ')}`];
  if (r.Type === 'bind') lines.push(`  bind ${r.UpperDir}`);
  else {
    const rows = [
      ...r.LowerDir.map((d, i) => [i === 0 ? 'lowerdir' : '', d]),
      ['upperdir', r.UpperDir],
      ['workdir', r.WorkDir],
    ];
    lines.push(`  mount -t overlay overlay -o ${r.Options.join(',')} ${r.MergedDir ?? '<bundle>/rootfs'}`);
    lines.push(pad(rows));
  }
  if (r.ReadOnly) lines.push('  read-only root (--read-only)');
  return lines.join('\n');
}

function mountOrigin(m: MountView): string {
  if (m.Origin !== 'volume') return m.Origin ?? '';
  const facts = [
    ...(m.NewVolume ? ['made by create'] : []),
    ...(m.CopyUp ? ["filled from the image's content there"] : []),
  ];
  return `volume ${m.Volume ?? ''}${facts.length ? ` (${facts.join(', ')})` : ''}`;
}

function mountLines(list: MountView[]): string {
  return pad(
    list.map((m) => [
      m.Destination,
      m.Type,
      m.Options.join(','),
      m.Origin ? `${m.Source}  (${mountOrigin(m)})` : m.Source,
    ]),
  );
}

/** explain: the container's own mounts only (the defaults are those of every container). */
function ownMountLines(list: MountView[]): string {
  const own = list.filter((m) => m.Origin);
  if (own.length === 0) return '  none: only the defaults (/proc, /dev, /sys, …) and the /etc files';
  return pad(own.map((m) => [m.Destination, mountOrigin(m), m.Options.join(','), m.Source]));
}

function securityLines(s: SecurityView): string {
  const caps = s.Capabilities.Bounding.map((c) => c.replace(/^CAP_/, ''));
  const seccomp =
    s.Seccomp.Profile === 'unconfined'
      ? 'unconfined (no filter)'
      : `${s.Seccomp.Profile} (${s.Seccomp.Rules} rules, default action ${s.Seccomp.DefaultAction})`;
  return pad([
    [
      'user',
      `${s.User.Uid}:${s.User.Gid}${s.User.AdditionalGids.length ? ` groups ${s.User.AdditionalGids.join(',')}` : ''}`,
    ],
    ['capabilities', `${s.Privileged ? 'privileged: ' : ''}${caps.join(' ') || 'none'}`],
    ['seccomp', seccomp],
    ['no-new-privileges', String(s.NoNewPrivileges)],
    ['masked', s.MaskedPaths.join(' ') || 'none'],
    ['read-only', s.ReadonlyPaths.join(' ') || 'none'],
  ]);
}

function networkLines(n: NetworkView, full: boolean): string {
  if (!n.Netns) return `  ${n.Mode}: the host's network stack (no namespace of its own)`;
  if (!n.HostVeth) {
    if (n.Mode === 'none' || n.Mode.startsWith('container:')) return `  netns ${n.Netns}`;
    return `  netns ${n.Netns}: no endpoint now (it is set up at start and removed at stop)`;
  }
  const net = [
    `${n.Mode} ${(n.NetworkId ?? '').slice(0, 12)}`,
    n.NewNetwork
      ? '(created by up first; id generated for this plan, the real one and its bridge name are assigned at creation)'
      : '',
    `subnet ${n.Subnet ?? ''} gateway ${n.NetworkGateway ?? ''}`,
    ...(n.Mtu ? [`mtu ${n.Mtu}`] : []),
    ...(n.Internal ? ['internal'] : []),
  ];
  const rows: string[][] = [
    ...(full ? [['network', net.filter(Boolean).join(' ')]] : []),
    ['netns', n.Netns],
    ['veth', `${n.HostVeth} (host, on bridge ${n.Bridge ?? ''}) ↔ ${n.ContainerIf ?? 'eth0'} (container)`],
    [
      'address',
      `${n.IPAddress ?? ''} gateway ${n.Gateway || 'none'} mac ${n.MacAddress ?? ''}${n.Preview ? ' (a preview: not reserved)' : ''}`,
    ],
    ...n.Routes.map((r, i) => [i === 0 ? 'routes' : '', r]),
  ];
  if (n.Ports.length) {
    rows.push(
      ...n.Ports.map((p, i) => [
        i === 0 ? 'ports' : '',
        `${p.HostIp || '0.0.0.0'}:${p.HostPort} → ${p.ContainerPort}/${p.Proto}`,
      ]),
    );
  }
  const parts = [pad(rows)];
  if (full && n.BridgeRules?.length) {
    parts.push(
      `  bridge ${n.Bridge ?? ''} does not exist yet: made with its rules`,
      pad(
        n.BridgeRules.map((r) => [r]),
        '    ',
      ),
    );
    if (n.BridgeSteps?.length)
      parts.push(
        '  then',
        pad(
          n.BridgeSteps.map((r) => [r]),
          '    ',
        ),
      );
  }
  if (full)
    parts.push(
      '  steps',
      pad(
        n.Steps.map((s) => [s]),
        '    ',
      ),
    );
  parts.push(
    n.Iptables.length
      ? `  iptables\n${pad(
          n.Iptables.map((r) => [r]),
          '    ',
        )}`
      : '  iptables: no port rule',
  );
  if (n.ServiceRules?.length) {
    parts.push(
      `  services (one of the backends)\n${pad(
        n.ServiceRules.map((r) => [r]),
        '    ',
      )}`,
    );
  }
  return parts.join('\n');
}

function runtimeLines(r: RuntimeView): string {
  return pad([
    ['tsdock', `pid ${r.Tsdock.Pid} (this command)`],
    ['containerd', `pid ${r.Containerd.Pid || '?'} (${r.Containerd.Address})`],
    ['shim', `pid ${r.Shim.Pid} ${r.Shim.Command}`],
    ['runc', r.Runc],
    ['container init', `pid ${r.Init.Pid} ${r.Init.Command}`],
  ]);
}

function header(v: KernelView): string {
  const c = v.Container;
  const image = `${c.Image}${c.ImageId ? ` (${short(c.ImageId)})` : ''}`;
  if (v.DryRun) {
    return (
      `Dry run: nothing was created. Container ${c.Id.slice(0, 12)} (generated for this plan), ` +
      `name ${c.Name}, hostname ${c.Hostname}, image ${image}` +
      (c.Pull ? `\nWould pull ${c.Pull} first (nothing is pulled by a dry run).` : '')
    );
  }
  return `Container ${c.Id.slice(0, 12)} (${c.Name}), ${c.Status ?? ''}, image ${image}`;
}

/** `run --dry-run`, `create --dry-run`: the whole plan, the spec last. */
export function planLayout(v: KernelView): string {
  const out = [
    header(v),
    `\nNamespaces\n${pad(namespaceRows(v.Namespaces))}`,
    `\nCgroups\n${cgroupLines(v.Cgroup, false)}`,
    ...(v.Cgroup.Devices.length ? [`  devices: ${v.Cgroup.Devices.join('; ')}`] : []),
    `\nUnion filesystem\n${rootfsLines(v.Rootfs, true)}`,
    `\nMounts\n${mountLines(v.Mounts)}`,
    `\nSecurity\n${securityLines(v.Security)}`,
    `\nNetwork (${v.Network.Mode})\n${networkLines(v.Network, true)}`,
    ...(v.Notes.length ? [`\nNotes\n${v.Notes.map((n) => `  ${n}`).join('\n')}`] : []),
    `\nOCI runtime spec (config.json)\n${readableJson(v.Spec)}`,
  ];
  return out.join('\n') + '\n';
}

/** `explain`: one short section per kernel mechanism, in the order they are put together. */
export function explainLayout(v: KernelView): string {
  const out = [
    header(v),
    `\nNamespaces\n${pad(namespaceRows(v.Namespaces))}`,
    `\nCgroups\n${cgroupLines(v.Cgroup, v.Runtime !== undefined)}`,
    `\nUnion filesystem\n${rootfsLines(v.Rootfs, false)}`,
    `\nVolumes, binds and tmpfs\n${ownMountLines(v.Mounts)}`,
    `\nNetwork (${v.Network.Mode})\n${networkLines(v.Network, false)}`,
    ...(v.Runtime ? [`\nRuntime chain\n${runtimeLines(v.Runtime)}`] : []),
    ...(v.Notes.length ? [`\nNotes\n${v.Notes.map((n) => `  ${n}`).join('\n')}`] : []),
  ];
  return out.join('\n') + '\n';
}
