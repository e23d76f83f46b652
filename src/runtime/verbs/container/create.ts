/**
 * `create`: validated options → image → spec → containerd container and snapshot, in an order that
 * leaves nothing behind on failure: options are checked before anything is created, the name is
 * reserved atomically, a snapshot is never without an owner for containerd's GC (its container, or
 * an expiring lease), and a tsdock killed half-way leaves a creation mark that the next command's
 * repair acts on (repair.ts).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RuntimeContext } from '../../context.js';
import type { ContainerdClient } from '../../containerd/client.js';
import { traceMark } from '../../trace.js';
import { UsageError } from '../../errors.js';
import type { ContainerOptions } from '../../opts/container.js';
import { buildSpec } from '../../spec/build.js';
import { resolveImageForRun, type ResolvedImage } from '../../images/resolve.js';
import { rememberUserFiles } from '../../images/target-cache.js';
import { ContainerFiles, initialState } from '../../state/records.js';
import { mkdirNow, rmNow, writeFileNow, writeJsonAtomic } from '../../state/files.js';
import { CREATING_FILE, LEASE_PID_LABEL, repairState, type CreatingMarker } from '../../container/repair.js';
import { randomName } from '../../container/namesgen.js';
import type { NameStore } from '../../state/names.js';
import type { Mount } from '../../containerd/types.js';
import { monitorTargetOf, stopMonitor, type Monitor } from '../../logs/monitor.js';
import { readUserFiles, resolveUserFrom, type ResolvedUser } from '../../container/rootfs.js';
import { nameStore, statePaths, NAME_LABEL, type Found } from '../../container/store.js';
import { hostsFile, resolvConf } from '../../network/hosts.js';
import { netnsPath } from '../../network/links.js';
import { recordEvent } from '../../events/record.js';
import { hostConfigLinks } from '../../container/joins.js';
import type { AttachedMounts } from './mounts.js';
import {
  checkCreate,
  checkedLinks,
  identityOf,
  joinsFor,
  joinedOf,
  localImage,
  pinTargets,
  plannedMounts,
  planOnly,
  recordOf,
  specInputOf,
  toPull,
  type CreateRequest,
  type PlanOnly,
  type PullOptions,
} from './plan.js';

/** With the host's network the container sees the host's /etc/hosts (as Docker copies it), plus --add-host. */
async function containerHosts(kind: string, hostname: string, extraHosts: string[]): Promise<string> {
  if (kind !== 'host') return hostsFile({ hostname, extraHosts });
  const host = await readFile('/etc/hosts', 'utf8').catch(() => '');
  const extra = extraHosts.map((e) => `${e.slice(e.indexOf(':') + 1)}\t${e.slice(0, e.indexOf(':'))}\n`);
  return host + (host.endsWith('\n') || !host ? '' : '\n') + extra.join('');
}

async function ensureImage(ctx: RuntimeContext, ref: string, opts: PullOptions): Promise<ResolvedImage> {
  const local = await localImage(ctx, ref, opts);
  if (local) return local;
  const shown = toPull(ref, opts);
  // docker/cli says so unless -q (its pull is then silent too).
  if (opts.pull !== 'always' && !opts.quiet)
    ctx.stdio.stderr.write(`Unable to find image '${shown}' locally\n`);
  // As docker/cli's run: the pull's progress goes to stderr, so stdout carries only the container's output.
  const { pullForRun } = await import('../image/pull.js');
  await pullForRun(ctx, ref, { quiet: opts.quiet, ...(opts.platform ? { platform: opts.platform } : {}) });
  return resolveImageForRun(ctx, ref);
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
  const checked = await checkCreate(ctx, req);
  const { client, opts, plan, logOpts } = checked;
  const [image, joined, linked] = await Promise.all([
    ensureImage(ctx, req.image, opts),
    joinedOf(ctx, checked),
    checkedLinks(ctx, checked),
    pinTargets(ctx, checked),
  ]);
  traceMark('create: image resolved');

  const who = await identityOf(ctx, checked, joined);
  const { id, cgroupPath, dir, netns, hostname } = who;
  const files = new ContainerFiles(dir);
  const logPath = join(dir, `${id}-json.log`);
  const imgCfg = image.config.config ?? {};
  // Volumes and binds, checked before anything is made.
  const planned = await plannedMounts(ctx, opts, imgCfg);
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
    const joins = await joinsFor(ctx, checked, { name, dir }, req.monitor !== undefined);

    // 2. The spec and the record.
    const spec = buildSpec(
      specInputOf(checked, who, {
        image: { config: imgCfg },
        command: req.command,
        user: user.resolved,
        joined,
        joins,
        ...(mounted ? { mounts: mounted.points } : {}),
      }),
    );
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
    const state = { ...initialState(), ...(mon ? { monitorPid: mon.pid, monitorStart: mon.startTime } : {}) };
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

export async function createOnly(ctx: RuntimeContext, req: CreateRequest & PlanOnly): Promise<void> {
  if (planOnly(req)) {
    const { dryRun } = await import('./dry-run.js');
    return dryRun(ctx, { ...req, verb: 'create' });
  }
  const found = await createContainer(ctx, req);
  ctx.stdio.stdout.write(`${found.id}\n`);
}
