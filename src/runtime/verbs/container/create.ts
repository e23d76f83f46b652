/**
 * `create`: validated options → image → spec → containerd container and snapshot, in an order that
 * leaves nothing behind on failure: options are checked before anything is created, the name is
 * reserved atomically, a snapshot is never without an owner for containerd's GC (its container, or
 * an expiring lease), and a tsdock killed half-way leaves a creation mark that the next command's
 * repair acts on (repair.ts).
 */
import { randomHex } from '../../state/ids.js';
import { cpus, totalmem } from 'node:os';
import { access, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { RuntimeContext } from '../../context.js';
import type { ContainerdClient } from '../../containerd/client.js';
import { traceMark } from '../../trace.js';
import { ImageNotFoundError, NotFoundError, TsdockError, UsageError } from '../../errors.js';
import { parseContainerOptions, type ContainerOptions, type RunFlags } from '../../opts/container.js';
import { configOf, hostConfigOf } from '../../opts/inspect-shapes.js';
import { buildSpec } from '../../spec/build.js';
import { currentCapabilities } from '../../opts/caps.js';
import { detectCgroupVersion } from '../../cgroups/files.js';
import { resolveImageForRun, type ResolvedImage } from '../../images/resolve.js';
import { rememberUserFiles } from '../../images/target-cache.js';
import { familiar, normalize } from '../../images/reference.js';
import { ContainerFiles, initialState, type ContainerRecord } from '../../state/records.js';
import { nowRfc3339Nano } from '../../state/clock.js';
import { mkdirNow, rmNow, writeFileNow, writeJsonAtomic } from '../../state/files.js';
import { CREATING_FILE, LEASE_PID_LABEL, repairState, type CreatingMarker } from '../../container/repair.js';
import { randomName } from '../../container/namesgen.js';
import type { NameStore } from '../../state/names.js';
import type { Mount } from '../../containerd/types.js';
import { monitorTargetOf, stopMonitor, type Monitor, type MonitorTarget } from '../../logs/monitor.js';
import { findInitBinary } from '../../container/init.js';
import { readUserFiles, resolveUserFrom, type ResolvedUser } from '../../container/rootfs.js';
import { nameStore, statePaths, NAME_LABEL, type Found } from '../../container/store.js';
import { signalName, parseSignal } from '../../opts/signals.js';
import { parseLogOpts } from '../../logs/jsonfile.js';
import { netnsName, notRunningTarget, planNetwork } from '../../network/container.js';
import { hostsFile, resolvConf } from '../../network/hosts.js';
import { netnsPath } from '../../network/links.js';
import { findContainer } from '../../container/store.js';
import { recordEvent } from '../../events/record.js';
import { checkSysctlNamespaces } from '../../opts/sysctl.js';
import { hostDevices } from '../../spec/devices.js';
import { blkioWeightSupported } from '../../cgroups/probe.js';
import {
  checkLinks,
  hasJoins,
  hostConfigLinks,
  pinNamespaceTargets,
  resolveJoins,
  type JoinsInput,
} from '../../container/joins.js';
import { specMounts } from '../../volumes/mounts.js';
import type { MountPoint } from '../../opts/mounts.js';
import type { AttachedMounts } from './mounts.js';

/** With the host's network the container sees the host's /etc/hosts (as Docker copies it), plus --add-host. */
async function containerHosts(kind: string, hostname: string, extraHosts: string[]): Promise<string> {
  if (kind !== 'host') return hostsFile({ hostname, extraHosts });
  const host = await readFile('/etc/hosts', 'utf8').catch(() => '');
  const extra = extraHosts.map((e) => `${e.slice(e.indexOf(':') + 1)}\t${e.slice(0, e.indexOf(':'))}\n`);
  return host + (host.endsWith('\n') || !host ? '' : '\n') + extra.join('');
}

/** --network container:NAME: the target's namespace and its hosts/resolv.conf/hostname files. */
async function joinedNamespace(
  ctx: RuntimeContext,
  ref: string,
): Promise<{ netnsPath: string; dir: string; hostname: string }> {
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

async function ensureImage(
  ctx: RuntimeContext,
  ref: string,
  opts: Pick<ContainerOptions, 'pull' | 'platform' | 'quiet'>,
): Promise<ResolvedImage> {
  try {
    if (opts.pull !== 'always') return await resolveImageForRun(ctx, ref);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  let shown = ref;
  try {
    shown = familiar(normalize(ref));
  } catch {
    /* resolveImage reported a bad reference already */
  }
  if (opts.pull === 'never')
    throw new ImageNotFoundError(`Error response from daemon: No such image: ${shown}`);
  // docker/cli says so unless -q (its pull is then silent too).
  if (opts.pull !== 'always' && !opts.quiet)
    ctx.stdio.stderr.write(`Unable to find image '${shown}' locally\n`);
  // As docker/cli's run: the pull's progress goes to stderr, so stdout carries only the container's output.
  const { pullForRun } = await import('../image/pull.js');
  await pullForRun(ctx, ref, { quiet: opts.quiet, ...(opts.platform ? { platform: opts.platform } : {}) });
  return resolveImageForRun(ctx, ref);
}

/** The container's options, checked before anything is made. */
function parseOptions(flags: RunFlags): ContainerOptions {
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

/** Like Promise.all, but every step ends before a failure is thrown: undoing finds nothing in flight. */
async function allEnded<T extends readonly unknown[]>(
  steps: readonly [...T],
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(steps);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}

export async function createContainer(ctx: RuntimeContext, req: CreateRequest): Promise<Found> {
  traceMark('create: begin');
  // Connecting to containerd overlaps with checking the options (a bad flag still fails first).
  const connected = ctx.client();
  connected.catch(() => undefined);
  const opts = parseOptions(req.flags);
  const plan = await planNetwork(ctx, opts);
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
  const client = await connected;
  const joinsOf = (name: string, dir: string): JoinsInput => ({
    name,
    dir,
    networkMode: plan.mode,
    links: opts.links,
    pidMode: opts.namespaces.pid,
    ipcMode: opts.namespaces.ipc,
  });
  const [image, joined, linked, pinned] = await Promise.all([
    ensureImage(ctx, req.image, opts),
    plan.joinTarget ? joinedNamespace(ctx, plan.joinTarget) : undefined,
    checkLinks(ctx, joinsOf('', '')),
    pinNamespaceTargets(ctx, opts.namespaces),
  ]);
  Object.assign(opts.namespaces, pinned);
  traceMark('create: image resolved');

  const id = randomHex(32);
  // Docker (cgroupfs driver): the parent, default ours, joined with the id.
  const cgroupPath = posix.join(opts.cgroupParent || '/tsdock', id);
  const dir = statePaths(ctx).container(id);
  const files = new ContainerFiles(dir);
  const logPath = join(dir, `${id}-json.log`);
  const netns = plan.kind === 'bridge' ? netnsName(ctx, id) : undefined;
  const hostname =
    joined?.hostname ??
    opts.hostname ??
    (plan.kind === 'host' ? (await import('node:os')).hostname() : id.slice(0, 12));
  const imgCfg = image.config.config ?? {};
  // Volumes and binds, checked before anything is made; a container without any skips the module.
  const imageVolumes = Object.keys(imgCfg.Volumes ?? {});
  const planned: MountPoint[] =
    opts.volumes.length + opts.mounts.length + opts.volumesFrom.length + imageVolumes.length > 0
      ? await import('./mounts.js').then((m) => m.planContainerMounts(ctx, opts, imageVolumes))
      : [];
  const names = nameStore(ctx, client);
  // What exists so far, for the undo below. A crash instead leaves only what repairState removes:
  // a name whose creator is dead, a lease labelled with a dead pid, a directory marked as being
  // created by a dead pid (with its container and namespace, if it got that far).
  const made: { name?: string; lease?: Lease; monitor?: Promise<Monitor>; mounts?: AttachedMounts } = {};
  try {
    // 1. Side by side: the name; the directory with its creation marker (so that a crash once the
    //    container exists is always repaired), then the volumes, made or found, whose use the
    //    directory records (see volumes/usage.ts); the user `-u` names.
    const [name, mounted, user] = await allEnded([
      reserveName(names, opts.name, id).then((n) => (made.name = n)),
      makeDirectory(dir, { pid: process.pid, ...(netns && req.monitor ? { netns } : {}) }).then(() =>
        planned.length > 0
          ? import('./mounts.js')
              .then((m) => m.attachContainerMounts(ctx, id, dir, planned))
              .then((a) => (made.mounts = a))
          : undefined,
      ),
      userOf(ctx, client, image, id, opts.user ?? imgCfg.User ?? '', opts.groupAdd, (l) => (made.lease = l)),
    ]);
    traceMark('create: name reserved');
    // What other containers give this one, as far as it can be known now: for `run` everything
    // (the targets must be running), for `create` what is there (its start resolves the rest).
    const joins = hasJoins(joinsOf(name, dir))
      ? await resolveJoins(ctx, joinsOf(name, dir), req.monitor !== undefined)
      : undefined;

    // 2. The spec and the record.
    const etcDir = joined?.dir ?? dir;
    const spec = buildSpec({
      id,
      opts,
      image: { config: imgCfg },
      command: req.command,
      user: user.resolved,
      hostname,
      etcFiles: {
        hosts: join(etcDir, 'hosts'),
        resolvConf: join(etcDir, 'resolv.conf'),
        hostname: join(etcDir, 'hostname'),
      },
      ...(netns ? { netnsPath: netnsPath(netns) } : joined ? { netnsPath: joined.netnsPath } : {}),
      cgroupsPath: cgroupPath,
      cgroupVersion: detectCgroupVersion(),
      initBinary: opts.init ? findInitBinary() : undefined,
      hostCaps: currentCapabilities(),
      devices,
      ...(joins
        ? {
            joinNamespaces: joins.joinNamespaces,
            linkEnv: joins.linkEnv,
            ...(joins.shmPath ? { shmPath: joins.shmPath } : {}),
          }
        : {}),
      ...(mounted ? { mounts: specMounts(mounted.points) } : {}),
    });
    const record = recordOf(id, name, req, opts, image, spec, {
      hostname,
      logPath,
      logOpts,
      plan,
      netns,
      cgroupPath,
      links: hostConfigLinks(name, linked),
    });
    traceMark('create: spec built');

    // 3. The container in containerd, which from then on holds its snapshot: prepared after it when
    //    the user came from the image's cache (step 1 prepared it under a lease otherwise). Meanwhile
    //    the /etc files are written and, for `run`, the monitor is forked once the container's
    //    request is on its way (HTTP/2 writes go out in the next immediate): the fork, ~4 ms of this
    //    process, overlaps containerd's work.
    const creating = client.containers.create({
      id,
      labels: { ...opts.labels, [NAME_LABEL]: name },
      image: image.name,
      runtime: { name: 'io.containerd.runc.v2' },
      spec,
      snapshotter: 'overlayfs',
      snapshotKey: id,
    });
    const launch = req.monitor;
    if (launch) {
      made.monitor = new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
        launch({
          ...monitorTargetOf(record, dir),
          // The container's network namespace: made by the monitor, one `ip` process fewer on the way.
          ...(netns ? { makeNetns: netnsPath(netns) } : {}),
        }),
      );
    }
    const preparing = user.mounts
      ? Promise.resolve(user.mounts)
      : creating.then(() => client.snapshots.prepare(id, image.chainId));
    const [container, rootfs, mon] = await allEnded([
      creating,
      preparing,
      made.monitor,
      joined ? undefined : writeEtcFiles(dir, hostname, plan.kind, opts),
      // Docker's copy-up into new volumes, from the image's content under the snapshot.
      mounted
        ? preparing.then((r) => import('./mounts.js').then((m) => m.populateVolumes(ctx, mounted.points, r)))
        : undefined,
    ]);
    traceMark('create: container created');

    // 4. The record, the last thing made: with it, the creation is complete (see repair.ts). A
    //    monitor started here is ended by rm if the container never starts (see remove.ts).
    const state = { ...initialState(), ...(mon ? { monitorPid: mon.pid } : {}) };
    await Promise.all([files.writeRecord(record), files.writeState(state)]);

    // 5. Housekeeping this container does not need: the lease has done its work (the container now
    //    holds the snapshot), and repairing a crashed tsdock's leftovers (nothing here depends on it:
    //    a stale name is reclaimed by reserve itself, and what it removes belongs to dead processes
    //    only). `create` reports its errors; `run` does it while containerd creates the task, where a
    //    failure only means the next command repairs (see Found.fresh.settle).
    const held = made.lease;
    let settling: Promise<void> | undefined;
    const settle = () =>
      (settling ??= Promise.all([held?.release(), repairState(client, statePaths(ctx), names)]).then(
        () => undefined,
      ));
    await Promise.all([
      req.monitor ? undefined : settle(),
      rmNow(join(dir, CREATING_FILE), { force: true }),
      opts.cidfile ? writeCidFile(opts.cidfile, id) : undefined,
      recordEvent(ctx, record, 'create'),
    ]);
    return {
      id,
      files,
      record,
      container,
      fresh: { rootfs, state, settle, ...(mon ? { monitor: mon } : {}) },
    };
  } catch (err) {
    if (made.monitor) void made.monitor.then((m) => stopMonitor(m.pid)).catch(() => undefined);
    await Promise.all([
      client.containers.delete(id).catch(() => undefined),
      client.snapshots.remove(id).catch(() => undefined),
      rmNow(dir, { recursive: true, force: true }),
      made.name ? names.release(made.name, id) : undefined,
    ]);
    await made.lease?.release().catch(() => undefined);
    await made.mounts?.rollback().catch(() => undefined);
    throw err;
  }
}

type Lease = Awaited<ReturnType<ContainerdClient['openLease']>>;

/** The container's directory, and in it the mark that it is being created (see repair.ts). */
async function makeDirectory(dir: string, marker: CreatingMarker): Promise<void> {
  await mkdirNow(dir, { recursive: true, mode: 0o711 });
  await writeJsonAtomic(join(dir, CREATING_FILE), marker);
}

/** The hostname, hosts and resolv.conf files the container's spec binds (unless it shares another's). */
async function writeEtcFiles(
  dir: string,
  hostname: string,
  kind: string,
  opts: ContainerOptions,
): Promise<void> {
  await Promise.all([
    writeFileNow(join(dir, 'hostname'), `${hostname}\n`),
    containerHosts(kind, hostname, opts.extraHosts).then((text) => writeFileNow(join(dir, 'hosts'), text)),
    resolvConf(opts).then((text) => writeFileNow(join(dir, 'resolv.conf'), text)),
  ]);
}

/**
 * The user `-u` (or the image's USER) names. With the image's /etc/passwd and /etc/group cached, an
 * unknown name fails here, before anything is made in containerd. Without them the snapshot is
 * prepared (and read) first, under a lease that keeps it from containerd's GC until the container
 * holds it; its mounts are returned.
 */
async function userOf(
  ctx: RuntimeContext,
  client: ContainerdClient,
  image: ResolvedImage,
  id: string,
  spec: string,
  groupAdd: string[],
  leased: (lease: Lease) => void,
): Promise<{ resolved: ResolvedUser; mounts?: Mount[] }> {
  if (image.userFiles) return { resolved: resolveUserFrom(image.userFiles, spec, groupAdd) };
  const lease = await client.openLease({ labels: { [LEASE_PID_LABEL]: String(process.pid) } });
  leased(lease);
  const mounts = await lease.client.snapshots.prepare(id, image.chainId);
  const userFiles = await readUserFiles(mounts);
  void rememberUserFiles(ctx.stateDir, image.target.digest, userFiles).catch(() => undefined);
  return { resolved: resolveUserFrom(userFiles, spec, groupAdd), mounts };
}

/** What tsdock records of the container: Docker's Config and HostConfig, and its own facts. */
function recordOf(
  id: string,
  name: string,
  req: CreateRequest,
  opts: ContainerOptions,
  image: ResolvedImage,
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

/** --name, or a generated one (retried: two creates may draw the same). */
async function reserveName(names: NameStore, requested: string | undefined, id: string): Promise<string> {
  if (requested) {
    await names.reserve(requested, id);
    return requested;
  }
  for (let attempt = 0; ; attempt++) {
    const name = randomName(attempt > 2 ? attempt : 0);
    try {
      await names.reserve(name, id);
      return name;
    } catch (err) {
      if (attempt > 10) throw err;
    }
  }
}

async function assertNoCidFile(path: string): Promise<void> {
  try {
    await access(path);
  } catch {
    return;
  }
  throw new UsageError(
    `container ID file found, make sure the other container isn't running or delete ${path}`,
  );
}

async function writeCidFile(path: string, id: string): Promise<void> {
  try {
    await writeFileNow(path, id, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new UsageError(
        `container ID file found, make sure the other container isn't running or delete ${path}`,
      );
    }
    throw err;
  }
}

export async function createOnly(ctx: RuntimeContext, req: CreateRequest): Promise<void> {
  const found = await createContainer(ctx, req);
  ctx.stdio.stdout.write(`${found.id}\n`);
}
