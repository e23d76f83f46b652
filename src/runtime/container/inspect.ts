/** Docker's container inspect document (moby api/types ContainerJSON), keys in Docker's order. */
import type { RuntimeContext } from '../context.js';
import type { ContainerdClient } from '../containerd/client.js';
import type { Mount, Process } from '../containerd/types.js';
import { mountOption } from './rootfs.js';
import { getTask, liveState, type Found } from './store.js';
import { foreignLog, foreignSpec, foreignState, processArgs, type Foreign } from './foreign.js';
import type { OciMount, OciSpec } from '../spec/types.js';
import { withLock } from '../state/lock.js';
import { wasOomKilled } from '../cgroups/oom.js';
import { cgroupPathOf, ZERO_TIME, type ContainerRecord } from '../state/records.js';
import { sha256Hex } from '../state/ids.js';
import { containerEndpoints, netnsPath, type EndpointRecord } from '../network/records.js';
import { networkPorts } from '../network/ports.js';
import { inspectMounts, readContainerMounts } from '../volumes/usage.js';
import { rfc3339NanoOf } from '../state/clock.js';
import { kernelInspect } from './kernel-live.js';
import { pendingExit } from './restart-policy.js';

/**
 * The snapshot's directories; MergedDir while a task has the root mounted (where the shim mounted
 * it, read from the mount table). A stopped container has no merged view: containerd mounts the
 * snapshot only for a task.
 */
function overlayDirs(mounts: Mount[] | undefined, mergedDir: string | undefined): Record<string, string> {
  const m = mounts?.[0];
  if (!m) return {};
  const merged: Record<string, string> = mergedDir ? { MergedDir: mergedDir } : {};
  if (m.type === 'bind') return { ...merged, UpperDir: m.source, WorkDir: '' };
  const opt = (k: string) => mountOption(m, k) ?? '';
  return {
    LowerDir: opt('lowerdir'),
    ...merged,
    UpperDir: opt('upperdir'),
    WorkDir: opt('workdir'),
  };
}

/** The task and the snapshot's mounts of a container, asked for before the container is found. */
export interface InspectPrefetch {
  id: string;
  task: Promise<Process | undefined>;
  mounts: Promise<Mount[] | undefined>;
}

/**
 * Where the id is known before the lookup (a full id, a name tsdock reserved), inspect's other
 * two questions go to containerd beside Containers.Get instead of after it: one round trip.
 */
export function prefetchInspect(client: ContainerdClient, id: string): InspectPrefetch {
  const task = getTask(client, id);
  task.catch(() => undefined); // awaited by inspectContainer, or dropped if the lookup found another
  return { id, task, mounts: client.snapshots.mounts(id).catch(() => undefined) };
}

export async function inspectContainer(
  ctx: RuntimeContext,
  found: Found,
  prefetched?: InspectPrefetch,
): Promise<Record<string, unknown>> {
  const client = await ctx.client();
  const early = prefetched?.id === found.id ? prefetched : undefined;
  const [first, task, mounts, eps] = await Promise.all([
    found.files.readState(),
    early?.task ?? getTask(client, found.id),
    early?.mounts ?? client.snapshots.mounts(found.id).catch(() => undefined),
    found.record.netns ? containerEndpoints(ctx, found.id).catch(() => []) : [],
  ]);
  // No task but a recorded run: finalizeExit deleted the task and is writing the exit under the
  // container's lock right now. Waiting for that lock gives the real exit code instead of a guess.
  const recording = !task && ['running', 'paused', 'restarting'].includes(first.status);
  const recorded = recording ? await withLock(found.files.dir, () => found.files.readState()) : first;
  // A restart policy may have started the next run while we waited: the task read before is not its.
  const current =
    recording && (recorded.status === 'running' || recorded.status === 'paused')
      ? await getTask(client, found.id)
      : task;
  let s = liveState(recorded, current);
  // Stopped but not yet recorded (the exit hook runs a moment later): the cgroup still says whether
  // the OOM killer ended it, until the task is deleted.
  if (current?.status === 'STOPPED' && recorded.status === 'running') {
    s.oomKilled = wasOomKilled(cgroupPathOf(found.record));
    // No count may mean the cgroup is already gone: finalizeExit deleted the task (under the lock)
    // after our Get, and its record, written under that lock, has the status read before the delete.
    const now = s.oomKilled ? recorded : await withLock(found.files.dir, () => found.files.readState());
    if (now.status !== 'running') s = liveState(now, undefined);
    else if (now.pid === recorded.pid) s = pendingExit(found.record, now, current, s);
    else {
      // The next run already, which a restart policy started meanwhile.
      const next = await getTask(client, found.id);
      s = pendingExit(found.record, now, next, liveState(now, next));
    }
  }
  const mergedDir =
    mounts && current && current.status !== 'STOPPED'
      ? await import('./rootfs-mount.js').then((m) => m.taskRootfs(mounts)).catch(() => undefined)
      : undefined;
  const r = found.record;
  const dir = found.files.dir;
  const hostConfig = r.hostConfig;
  const state = {
    Status: s.status,
    Running: s.status === 'running' || s.status === 'paused' || s.status === 'restarting',
    Paused: s.status === 'paused',
    Restarting: s.status === 'restarting',
    OOMKilled: s.oomKilled,
    Dead: s.status === 'dead',
    Pid: s.pid,
    ExitCode: s.exitCode,
    Error: s.error,
    StartedAt: s.startedAt,
    FinishedAt: s.finishedAt,
    ...(s.health
      ? { Health: { Status: s.health.status, FailingStreak: s.health.failingStreak, Log: s.health.log } }
      : {}),
  };
  // Docker's State.Health is a nil pointer without a healthcheck: left out of the JSON, but a
  // template reaching for it gets <nil>, not a missing-key error.
  if (!s.health) Object.defineProperty(state, 'Health', { value: null, enumerable: false });
  return {
    Id: found.id,
    Created: r.created,
    Path: r.path,
    Args: r.args,
    State: state,
    Image: r.imageId,
    ResolvConfPath: `${dir}/resolv.conf`,
    HostnamePath: `${dir}/hostname`,
    HostsPath: `${dir}/hosts`,
    LogPath: r.logPath,
    Name: `/${r.name}`,
    RestartCount: s.restartCount,
    Driver: 'overlayfs',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: hostConfig,
    GraphDriver: {
      Data: overlayDirs(mounts, mergedDir),
      Name: 'overlayfs',
    },
    ...kernelInspect({
      pid: s.pid,
      running: s.status === 'running' || s.status === 'paused',
      cgroupPath: cgroupPathOf(r),
      hostVeth: eps.find((e) => !e.extra)?.hostIf,
    }),
    Mounts: inspectMounts(readContainerMounts(dir)),
    Config: withNilHealthcheck(r.config),
    NetworkSettings: networkSettings(r, s.status === 'running' || s.status === 'paused' ? eps : []),
  };
}

/** Config.Healthcheck is a pointer in Docker too: nil (<nil> to a template) when there is none. */
function withNilHealthcheck(config: Record<string, unknown>): Record<string, unknown> {
  if ('Healthcheck' in config) return config;
  const copy = { ...config };
  Object.defineProperty(copy, 'Healthcheck', { value: null, enumerable: false });
  return copy;
}

/** moby's NetworkSettings: the top-level address fields describe the default bridge only. */
function networkSettings(r: ContainerRecord, eps: EndpointRecord[]): Record<string, unknown> {
  const mode = r.networkMode;
  const exposed = Object.keys((r.config.ExposedPorts ?? {}) as Record<string, object>);
  const ep = eps.find((e) => !e.extra);
  const networks: Record<string, unknown> = {};
  networks[mode] = endpointSettings(mode, ep, r.ipv4, r.networkAliases ?? [], r.id);
  for (const x of r.extraNetworks ?? []) {
    networks[x.name] = endpointSettings(
      x.name,
      eps.find((e) => e.extra && e.network.name === x.name),
      x.ip,
      x.aliases,
      r.id,
    );
  }
  const top = mode === 'bridge' ? ep : undefined;
  return {
    Bridge: '',
    SandboxID: ep ? sha256Hex(ep.netns) : '',
    SandboxKey: ep ? netnsPath(ep.netns) : '',
    Ports: ep ? networkPorts(exposed, ep.ports) : {},
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: top?.endpointId ?? '',
    Gateway: top?.network.gateway ?? '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: top?.ip ?? '',
    IPPrefixLen: top?.prefix ?? 0,
    IPv6Gateway: '',
    MacAddress: top?.mac ?? '',
    Networks: networks,
  };
}

function endpointSettings(
  name: string,
  ep: EndpointRecord | undefined,
  ip: string | undefined,
  aliases: string[],
  id: string,
): Record<string, unknown> {
  const user = name !== 'bridge' && ep !== undefined;
  return {
    IPAMConfig: ip ? { IPv4Address: ip } : null,
    Links: null,
    Aliases: user ? [id.slice(0, 12), ...aliases] : null,
    MacAddress: ep?.mac ?? '',
    NetworkID: ep?.network.id ?? '',
    EndpointID: ep?.endpointId ?? '',
    Gateway: ep && !ep.network.internal ? ep.network.gateway : '',
    IPAddress: ep?.ip ?? '',
    IPPrefixLen: ep?.prefix ?? 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DNSNames: user ? ep.dnsNames : null,
  };
}

/**
 * The same document for another client's container, filled from what containerd knows: the
 * container record (image, labels, creation), its OCI spec (command, environment, mounts, limits,
 * namespaces) and its task. What only Docker or tsdock would know (port bindings, restart policy,
 * an image id) stays empty.
 */
export async function inspectForeign(ctx: RuntimeContext, f: Foreign): Promise<Record<string, unknown>> {
  const client = await ctx.client();
  const c = f.container;
  const [task, mounts] = await Promise.all([
    f.task ? Promise.resolve(f.task) : getTask(client, f.id),
    c.snapshotKey
      ? client.snapshots.mounts(c.snapshotKey, c.snapshotter || undefined).catch(() => undefined)
      : undefined,
  ]);
  const s = foreignState({ container: c, task });
  const spec = foreignSpec(c);
  const args = processArgs(spec);
  const running = s.status === 'running' || s.status === 'paused';
  const mergedDir =
    mounts && running
      ? await import('./rootfs-mount.js').then((m) => m.taskRootfs(mounts)).catch(() => undefined)
      : undefined;
  const specMounts = Array.isArray(spec.mounts) ? spec.mounts : [];
  const etcSource = (dest: string) => specMounts.find((m) => m.destination === dest)?.source ?? '';
  const netns = spec.linux?.namespaces?.find((n) => n.type === 'network');
  return {
    Id: f.id,
    Created: c.createdAt ? rfc3339NanoOf(BigInt(c.createdAt.getTime()) * 1_000_000n) : ZERO_TIME,
    Path: args[0] ?? '',
    Args: args.slice(1),
    State: {
      Status: s.status,
      Running: running,
      Paused: s.status === 'paused',
      Restarting: false,
      OOMKilled: false,
      Dead: s.status === 'dead',
      Pid: s.pid,
      ExitCode: s.exitCode,
      Error: '',
      StartedAt: s.startedAt,
      FinishedAt: s.finishedAt,
    },
    Image: c.image,
    ResolvConfPath: etcSource('/etc/resolv.conf'),
    HostnamePath: etcSource('/etc/hostname'),
    HostsPath: etcSource('/etc/hosts'),
    LogPath: foreignLog({ container: c, task })?.path ?? '',
    Name: `/${f.name}`,
    RestartCount: 0,
    Driver: c.snapshotter,
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: foreignHostConfig(spec, c.runtime.name, netns),
    GraphDriver: { Data: overlayDirs(mounts, mergedDir), Name: c.snapshotter },
    Mounts: specMounts.filter((m) => m.type === 'bind' || m.options?.includes('rbind')).map(mountPoint),
    Config: {
      Hostname: spec.hostname ?? '',
      Domainname: spec.domainname ?? '',
      User: userOf(spec),
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      Tty: spec.process?.terminal === true,
      OpenStdin: false,
      StdinOnce: false,
      Env: Array.isArray(spec.process?.env) ? spec.process.env : [],
      Cmd: args,
      Image: c.image,
      Volumes: null,
      WorkingDir: spec.process?.cwd ?? '',
      Entrypoint: null,
      OnBuild: null,
      Labels: c.labels,
    },
    NetworkSettings: {
      Bridge: '',
      SandboxID: '',
      SandboxKey: netns?.path ?? (running && s.pid ? `/proc/${s.pid}/ns/net` : ''),
      Ports: {},
      HairpinMode: false,
      LinkLocalIPv6Address: '',
      LinkLocalIPv6PrefixLen: 0,
      SecondaryIPAddresses: null,
      SecondaryIPv6Addresses: null,
      EndpointID: '',
      Gateway: '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      IPAddress: '',
      IPPrefixLen: 0,
      IPv6Gateway: '',
      MacAddress: '',
      Networks: {},
    },
  };
}

/** `uid:gid` as Docker's Config.User, empty for root. */
function userOf(spec: Partial<OciSpec>): string {
  const u = spec.process?.user;
  if (!u || (!u.uid && !u.gid)) return '';
  return u.gid ? `${u.uid}:${u.gid}` : String(u.uid);
}

/** The limits and namespaces a spec sets, in the HostConfig fields Docker has for them. */
function foreignHostConfig(
  spec: Partial<OciSpec>,
  runtime: string,
  netns: { path?: string } | undefined,
): Record<string, unknown> {
  const r = spec.linux?.resources;
  const quota = r?.cpu?.quota ?? 0;
  const period = r?.cpu?.period ?? 0;
  return {
    // No network namespace of its own: the host's. One by path: another's (a pod's sandbox).
    NetworkMode: !netns ? 'host' : netns.path ? `ns:${netns.path}` : 'none',
    Privileged: false,
    ReadonlyRootfs: spec.root?.readonly === true,
    Runtime: runtime,
    CgroupParent: spec.linux?.cgroupsPath ?? '',
    CpuShares: r?.cpu?.shares ?? 0,
    Memory: r?.memory?.limit ?? 0,
    NanoCpus: 0,
    CpuPeriod: period,
    CpuQuota: quota,
    CpusetCpus: r?.cpu?.cpus ?? '',
    CpusetMems: r?.cpu?.mems ?? '',
    MemoryReservation: r?.memory?.reservation ?? 0,
    MemorySwap: r?.memory?.swap ?? 0,
    PidsLimit: r?.pids?.limit ?? null,
  };
}

/** A bind mount of the spec as Docker's MountPoint. */
function mountPoint(m: OciMount): Record<string, unknown> {
  const opts = m.options ?? [];
  return {
    Type: 'bind',
    Source: m.source ?? '',
    Destination: m.destination,
    Mode: '',
    RW: !opts.includes('ro'),
    Propagation: opts.find((o) => /^r?(shared|slave|private)$/.test(o)) ?? '',
  };
}
