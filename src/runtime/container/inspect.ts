/** Docker's container inspect document (moby api/types ContainerJSON), keys in Docker's order. */
import type { RuntimeContext } from '../context.js';
import type { Mount } from '../containerd/types.js';
import { mountOption } from './rootfs.js';
import { getTask, liveState, type Found } from './store.js';
import { withLock } from '../state/lock.js';
import { wasOomKilled } from '../cgroups/oom.js';
import { cgroupPathOf, type ContainerRecord } from '../state/records.js';
import { sha256Hex } from '../state/ids.js';
import { containerEndpoints, type EndpointRecord } from '../network/endpoint.js';
import { netnsPath } from '../network/links.js';
import { networkPorts } from '../network/ports.js';
import { inspectMounts, readContainerMounts } from '../volumes/usage.js';

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

export async function inspectContainer(ctx: RuntimeContext, found: Found): Promise<Record<string, unknown>> {
  const client = await ctx.client();
  const [first, task, mounts, eps] = await Promise.all([
    found.files.readState(),
    getTask(client, found.id),
    client.snapshots.mounts(found.id).catch(() => undefined),
    found.record.netns ? containerEndpoints(ctx, found.id).catch(() => []) : [],
  ]);
  // No task but a recorded run: finalizeExit deleted the task and is writing the exit under the
  // container's lock right now. Waiting for that lock gives the real exit code instead of a guess.
  const recording = !task && ['running', 'paused', 'restarting'].includes(first.status);
  const recorded = recording ? await withLock(found.files.dir, () => found.files.readState()) : first;
  let s = liveState(recorded, task);
  // Stopped but not yet recorded (the exit hook runs a moment later): the cgroup still says whether
  // the OOM killer ended it, until the task is deleted.
  if (task?.status === 'STOPPED' && recorded.status === 'running') {
    s.oomKilled = wasOomKilled(cgroupPathOf(found.record));
    // No count may mean the cgroup is already gone: finalizeExit deleted the task (under the lock)
    // after our Get, and its record, written under that lock, has the status read before the delete.
    if (!s.oomKilled) {
      const now = await withLock(found.files.dir, () => found.files.readState());
      if (now.status !== 'running') s = liveState(now, undefined);
    }
  }
  const mergedDir =
    mounts && task && task.status !== 'STOPPED'
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
