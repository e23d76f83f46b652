/**
 * What `create` decides before it makes anything, shared by `create` (create.ts) and its dry run
 * (dry-run.ts), so that the plan a dry run prints is the one a create carries out: the checks in
 * create's order, the new container's identity and kernel names, buildSpec's input, the record.
 */
import { randomHex } from '../../state/ids.js';
import { cpus, totalmem } from 'node:os';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { RuntimeContext } from '../../context.js';
import type { ContainerdClient } from '../../containerd/client.js';
import { ImageNotFoundError, NotFoundError, TsdockError, UsageError } from '../../errors.js';
import { parseContainerOptions, type ContainerOptions, type RunFlags } from '../../opts/container.js';
import { configOf, hostConfigOf, type ImageConfig } from '../../opts/inspect-shapes.js';
import type { buildSpec, SpecInput } from '../../spec/build.js';
import { currentCapabilities } from '../../opts/caps.js';
import { containerCgroupPath, detectCgroupVersion } from '../../cgroups/files.js';
import { resolveImageForRun, type ResolvedImage } from '../../images/resolve.js';
import { familiar, normalize } from '../../images/reference.js';
import type { ContainerRecord } from '../../state/records.js';
import { nowRfc3339Nano } from '../../state/clock.js';
import type { Monitor, MonitorTarget } from '../../logs/monitor.js';
import { findInitBinary } from '../../container/init.js';
import type { ResolvedUser } from '../../container/rootfs.js';
import { findContainer, statePaths } from '../../container/store.js';
import { signalName, parseSignal } from '../../opts/signals.js';
import { parseLogOpts } from '../../logs/jsonfile.js';
import { netnsName, notRunningTarget, planNetwork, type NetworkPlan } from '../../network/container.js';
import { netnsPath } from '../../network/links.js';
import { specMounts } from '../../volumes/mounts.js';
import type { MountPoint } from '../../opts/mounts.js';
import { checkSysctlNamespaces } from '../../opts/sysctl.js';
import { hostDevices, type HostDevice } from '../../spec/devices.js';
import { blkioWeightSupported } from '../../cgroups/probe.js';
import {
  checkLinks,
  hasJoins,
  pinNamespaceTargets,
  resolveJoins,
  type Joins,
  type JoinsInput,
} from '../../container/joins.js';

/** --network container:NAME: the target's namespace and its hosts/resolv.conf/hostname files. */
export interface Joined {
  netnsPath: string;
  dir: string;
  hostname: string;
}

export async function joinedNamespace(ctx: RuntimeContext, ref: string): Promise<Joined> {
  const target = await findContainer(ctx, ref);
  const dir = target.files.dir;
  const hostname = String(target.record.config.Hostname ?? '');
  if (target.record.netns) return { netnsPath: netnsPath(target.record.netns), dir, hostname };
  if (target.record.networkMode === 'host') return { netnsPath: '/proc/1/ns/net', dir, hostname };
  const state = await target.files.readState();
  if (state.status !== 'running' || !state.pid) throw notRunningTarget(target.id);
  return { netnsPath: `/proc/${state.pid}/ns/net`, dir, hostname };
}

export interface CreateRequest {
  image: string;
  command: string[];
  flags: RunFlags;
  /**
   * For a container about to start (`run`): its monitor, launched as soon as the directory exists
   * so that it is ready while containerd prepares the snapshot and creates the container.
   */
  monitor?: (target: MonitorTarget) => Promise<Monitor>;
}

export type PullOptions = Pick<ContainerOptions, 'pull' | 'platform' | 'quiet'>;

/**
 * The daemon's answer when the local image is not for the --platform asked for (moby 20.10
 * ImageService.GetImage, a "not found": the CLI pulls unless --pull never); undefined when it is.
 */
async function platformMismatch(
  ref: string,
  image: ResolvedImage,
  platform: string,
): Promise<string | undefined> {
  // Loaded only with --platform: run's common path does not read the registry module.
  const { formatPlatform, normalizePlatform, parsePlatform, platformMatches } =
    await import('../../registry/manifests.js');
  const want = parsePlatform(platform);
  const have = {
    os: image.config.os,
    architecture: image.config.architecture,
    variant: image.config.variant,
  };
  if (platformMatches(want, have)) return undefined;
  // containerd's platforms.Format of normalized platforms: arm64's default variant is left out.
  const shown = (p: typeof want) =>
    formatPlatform(p.architecture === 'arm64' && p.variant === 'v8' ? { ...p, variant: '' } : p);
  return `Error response from daemon: image with reference ${ref} was found but does not match the specified platform: wanted ${shown(want)}, actual: ${shown(normalizePlatform(have))}`;
}

/** The local image, unless --pull always or it is not for --platform; undefined when there is none. */
export async function localImage(
  ctx: RuntimeContext,
  ref: string,
  opts: PullOptions,
  remember = true,
): Promise<ResolvedImage | undefined> {
  let image: ResolvedImage;
  try {
    if (opts.pull === 'always') return undefined;
    image = await resolveImageForRun(ctx, ref, { remember });
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    return undefined;
  }
  const mismatch = opts.platform ? await platformMismatch(ref, image, opts.platform) : undefined;
  if (mismatch === undefined) return image;
  if (opts.pull === 'never') throw new ImageNotFoundError(mismatch);
  return undefined;
}

/** The name a missing image is pulled under; with `--pull never` its absence fails here, as Docker's. */
export function toPull(ref: string, opts: PullOptions): string {
  let shown = ref;
  try {
    shown = familiar(normalize(ref));
  } catch {
    /* resolveImage reported a bad reference already */
  }
  if (opts.pull === 'never')
    throw new ImageNotFoundError(`Error response from daemon: No such image: ${shown}`);
  return shown;
}

/**
 * ensureImage for a dry run, which never pulls: the image a create would use now (the local copy,
 * also with --pull always, where the registry may have a newer one), and what it would pull.
 */
export async function imageForDryRun(
  ctx: RuntimeContext,
  ref: string,
  opts: PullOptions,
): Promise<{ image?: ResolvedImage; pull?: string }> {
  const local = await localImage(ctx, ref, opts, false);
  if (local) return { image: local };
  const pull = toPull(ref, opts);
  if (opts.pull !== 'always') return { pull };
  const present = await resolveImageForRun(ctx, ref, { remember: false }).catch((err: unknown) => {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  });
  return { pull, ...(present ? { image: present } : {}) };
}

/** The container's options, checked before anything is made. */
export function parseOptions(flags: RunFlags): ContainerOptions {
  try {
    return parseContainerOptions(flags, process.env, { cpus: cpus().length, memTotal: totalmem() });
  } catch (err) {
    // pflag's own errors ("invalid argument … flag") print bare; other checks are reported as a failed
    // run (see asRunFailure), as docker/cli does.
    if (err instanceof TsdockError && /^(invalid argument |flag needs an argument)/.test(err.message)) {
      err.flagError = true;
    }
    throw err;
  }
}

/** What create checks before it makes anything: the options, the network, the --cidfile. */
export interface Checked {
  client: ContainerdClient;
  opts: ContainerOptions;
  plan: NetworkPlan;
  logOpts: ContainerRecord['logOpts'];
  /** --device, as the host has them. */
  devices: HostDevice[];
}

/**
 * Step 0 of create and of its dry run: every check that needs no image, in the order a real create
 * makes them (a bad flag fails before containerd is even asked).
 */
export async function checkCreate(
  ctx: RuntimeContext,
  req: CreateRequest,
  how: Parameters<typeof planNetwork>[2] = {},
): Promise<Checked> {
  // Connecting to containerd overlaps with checking the options (a bad flag still fails first).
  const connected = ctx.client();
  connected.catch(() => undefined);
  const opts = parseOptions(req.flags);
  const plan = await planNetwork(ctx, opts, how);
  checkSysctlNamespaces(opts.sysctls, {
    hostNetwork: plan.kind === 'host',
    hostIpc: opts.namespaces.ipc === 'host',
  });
  const devices = opts.devices.flatMap(hostDevices);
  if (opts.resources.blkioWeight > 0 && !blkioWeightSupported()) {
    // Docker's daemon: a warning, and the weight left out (inspect shows 0).
    ctx.stdio.stderr.write(
      'WARNING: Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.\n',
    );
    opts.resources.blkioWeight = 0;
  }
  const logOpts = parseLogOpts(Object.entries(opts.log.opts).map(([k, v]) => `${k}=${v}`));
  if (opts.cidfile) await assertNoCidFile(opts.cidfile);
  return { client: await connected, opts, plan, logOpts, devices };
}

/** What the container takes from others (links, --pid/--ipc container:NAME), as container/joins.ts reads it. */
function joinsOf(c: Checked, name: string, dir: string): JoinsInput {
  return {
    name,
    dir,
    networkMode: c.plan.mode,
    links: c.opts.links,
    pidMode: c.opts.namespaces.pid,
    ipcMode: c.opts.namespaces.ipc,
  };
}

/** Create's checks of the links' targets; their names, for HostConfig.Links. */
export function checkedLinks(ctx: RuntimeContext, c: Checked): ReturnType<typeof checkLinks> {
  return checkLinks(ctx, joinsOf(c, '', ''));
}

/**
 * `--pid`/`--ipc container:NAME` pinned to the target's id, as the daemon keeps them (a missing
 * target fails here, as at the daemon's create).
 */
export async function pinTargets(ctx: RuntimeContext, c: Checked): Promise<void> {
  Object.assign(c.opts.namespaces, await pinNamespaceTargets(ctx, c.opts.namespaces));
}

/**
 * What other containers give this one, as far as it can be known now: for `run` everything (the
 * targets must be running), for `create` what is there (its start resolves the rest).
 */
export async function joinsFor(
  ctx: RuntimeContext,
  c: Checked,
  who: { name: string; dir: string },
  strict: boolean,
): Promise<Joins | undefined> {
  const input = joinsOf(c, who.name, who.dir);
  return hasJoins(input) ? resolveJoins(ctx, input, strict) : undefined;
}

/** The namespace and /etc files of the container this one joins (`--network container:NAME`). */
export function joinedOf(ctx: RuntimeContext, c: Checked): Promise<Joined | undefined> {
  return c.plan.joinTarget ? joinedNamespace(ctx, c.plan.joinTarget) : Promise.resolve(undefined);
}

/** A new container's identity and the names of its kernel objects, fixed before anything exists. */
export interface Identity {
  id: string;
  /** Its cgroup, as the spec carries it (cgroups/files.ts maps it onto the host's files). */
  cgroupPath: string;
  dir: string;
  /** The network namespace's name (bridge networks). */
  netns?: string;
  hostname: string;
  /** Where its hostname, hosts and resolv.conf files are (another's, when it joins its network). */
  etcDir: string;
}

export async function identityOf(
  ctx: RuntimeContext,
  c: Checked,
  joined: Joined | undefined,
): Promise<Identity> {
  const { opts, plan } = c;
  const id = randomHex(32);
  const dir = statePaths(ctx).container(id);
  const hostname =
    joined?.hostname ??
    opts.hostname ??
    (plan.kind === 'host' ? (await import('node:os')).hostname() : id.slice(0, 12));
  return {
    id,
    cgroupPath: containerCgroupPath(opts.cgroupParent, id),
    dir,
    ...(plan.kind === 'bridge' ? { netns: netnsName(ctx, id) } : {}),
    hostname,
    etcDir: joined?.dir ?? dir,
  };
}

/**
 * buildSpec's input, the one place it is put together: `create` builds the spec it gives
 * containerd from it, the dry run the spec it prints. Whatever a container gets (mounts, devices,
 * namespaces) belongs here, so that both show it.
 */
export function specInputOf(
  c: Checked,
  who: Identity,
  what: {
    image: { config?: ImageConfig };
    command: string[];
    user: ResolvedUser;
    joined: Joined | undefined;
    joins: Joins | undefined;
    /** The volumes and binds with their host sources (as attached, or as a dry run finds them). */
    mounts?: MountPoint[];
  },
): SpecInput {
  const { image, command, user, joined, joins, mounts } = what;
  const { etcDir } = who;
  return {
    id: who.id,
    opts: c.opts,
    image,
    command,
    user,
    hostname: who.hostname,
    etcFiles: {
      hosts: join(etcDir, 'hosts'),
      resolvConf: join(etcDir, 'resolv.conf'),
      hostname: join(etcDir, 'hostname'),
    },
    ...(who.netns ? { netnsPath: netnsPath(who.netns) } : joined ? { netnsPath: joined.netnsPath } : {}),
    cgroupsPath: who.cgroupPath,
    cgroupVersion: detectCgroupVersion(),
    initBinary: c.opts.init ? findInitBinary() : undefined,
    hostCaps: currentCapabilities(),
    devices: c.devices,
    ...(joins
      ? {
          joinNamespaces: joins.joinNamespaces,
          linkEnv: joins.linkEnv,
          ...(joins.shmPath ? { shmPath: joins.shmPath } : {}),
        }
      : {}),
    ...(mounts ? { mounts: specMounts(mounts) } : {}),
  };
}

/**
 * The container's volumes and binds (-v, --mount, --volumes-from, the image's VOLUMEs), checked
 * before anything is made, sources not yet resolved; a container without any skips the module.
 */
export async function plannedMounts(
  ctx: RuntimeContext,
  opts: ContainerOptions,
  config: Pick<ImageConfig, 'Volumes'>,
): Promise<MountPoint[]> {
  const imageVolumes = Object.keys(config.Volumes ?? {});
  return opts.volumes.length + opts.mounts.length + opts.volumesFrom.length + imageVolumes.length > 0
    ? await import('./mounts.js').then((m) => m.planContainerMounts(ctx, opts, imageVolumes))
    : [];
}

/** What tsdock records of the container: Docker's Config and HostConfig, and its own facts. */
export function recordOf(
  id: string,
  name: string,
  req: CreateRequest,
  opts: ContainerOptions,
  image: { name: string; configDigest: string; config: Pick<ResolvedImage['config'], 'config'> },
  spec: ReturnType<typeof buildSpec>,
  c: {
    hostname: string;
    logPath: string;
    logOpts: ContainerRecord['logOpts'];
    plan: Awaited<ReturnType<typeof planNetwork>>;
    netns?: string;
    cgroupPath: string;
    /** HostConfig.Links (container/joins.ts hostConfigLinks). */
    links: string[];
  },
): ContainerRecord {
  const imgCfg = image.config.config ?? {};
  return {
    id,
    name,
    created: nowRfc3339Nano(),
    imageRef: req.image,
    imageName: image.name,
    imageId: image.configDigest,
    path: spec.process.args[0] ?? '',
    args: spec.process.args.slice(1),
    config: configOf(opts, { ...imgCfg }, { hostname: c.hostname, image: req.image, cmd: req.command }),
    hostConfig: hostConfigOf(opts, { portBindings: c.plan.portBindings, links: c.links }),
    logPath: c.logPath,
    stopSignal: signalName(parseSignal(opts.stopSignal?.raw ?? imgCfg.StopSignal ?? 'SIGTERM')),
    stopTimeout: opts.stopTimeout ?? 10,
    autoRemove: opts.rm,
    interactive: opts.interactive,
    tty: opts.tty,
    networkMode: c.plan.mode,
    ...(c.netns ? { netns: c.netns } : {}),
    ...(opts.networkAliases.length > 0 ? { networkAliases: opts.networkAliases } : {}),
    ...(opts.ip ? { ipv4: opts.ip } : {}),
    ...(opts.macAddress ? { macAddress: opts.macAddress } : {}),
    ...(opts.links.length > 0 ? { links: opts.links } : {}),
    logOpts: c.logOpts,
    cgroupPath: c.cgroupPath,
  };
}

export async function assertNoCidFile(path: string): Promise<void> {
  try {
    await access(path);
  } catch {
    return;
  }
  throw new UsageError(
    `container ID file found, make sure the other container isn't running or delete ${path}`,
  );
}
/** `--dry-run` (with its `--format`): the plan instead of the container. */
export interface PlanOnly {
  dryRun?: boolean;
  format?: string;
}

/** Whether only the plan is asked for; `--format` means nothing without `--dry-run`. */
export function planOnly(req: PlanOnly): boolean {
  if (req.format !== undefined && !req.dryRun) throw new UsageError('--format needs --dry-run');
  return req.dryRun === true;
}
