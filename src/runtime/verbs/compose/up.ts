/**
 * `compose up` (and `compose create`, which is its first half): networks, images, containers made
 * to match the files, then started in dependency order; in the foreground, the services' output
 * follows with `name-1  | ` prefixes until they all exit or Ctrl-C stops the project.
 */
import type { RuntimeContext } from '../../context.js';
import { ComposeError, ContainerExit, UsageError } from '../../errors.js';
import { composeProgress, QuietComposeProgress } from '../../format/compose-progress.js';
import { LogPrinter } from '../../format/compose-logs.js';
import { goDurationString } from '../../format/units.js';
import type { UiOptions } from '../../format/compose-progress.js';
import type { ProjectOptions } from '../../compose/discover.js';
import { withDependencies } from '../../compose/graph.js';
import type { Project } from '../../compose/model.js';
import { isRunning, projectContainers, type ProjectContainer } from '../../compose/observe.js';
import { assertSupported } from '../../compose/support.js';
import { killContainer } from '../container/kill.js';
import { findContainer } from '../../container/store.js';
import {
  asComposeFailure,
  buildImages,
  createServices,
  ensureImages,
  ensureNetworks,
  ensureVolumes,
  isHealthy,
  orphansOf,
  removeOne,
  Session,
  startServices,
  stopOne,
  stopServices,
  warnOrphans,
  type RecreatePolicy,
} from './engine.js';
import { shortName, streamLogs } from './attach.js';
import { openProject, warn } from './project.js';

export interface CreateFlags {
  build: boolean;
  noBuild: boolean;
  pull?: string;
  forceRecreate: boolean;
  noRecreate: boolean;
  alwaysRecreateDeps: boolean;
  removeOrphans: boolean;
  scale: string[];
  timeout?: number;
  quietPull: boolean;
  quietBuild?: boolean;
  renewAnonVolumes: boolean;
}

export interface UpOptions extends CreateFlags {
  project: ProjectOptions;
  ui: UiOptions;
  services: string[];
  detach: boolean;
  noStart: boolean;
  wait: boolean;
  waitTimeout?: number;
  abortOnContainerExit: boolean;
  abortOnContainerFailure: boolean;
  exitCodeFrom?: string;
  noDeps: boolean;
  attach: string[];
  noAttach: string[];
  attachDependencies: boolean;
  noColor: boolean;
  noLogPrefix: boolean;
  timestamps: boolean;
  /** Print the plan of every container up would create, in start order; create nothing. */
  dryRun: boolean;
  /** With dryRun: json, or a Go template over each plan. */
  format?: string;
}

function fail(message: string): ComposeError {
  return new ComposeError(message);
}

/** compose's validateFlags, its messages. */
function validate(o: UpOptions): void {
  if (o.format !== undefined && !o.dryRun) throw new UsageError('--format is only valid with --dry-run');
  if (o.waitTimeout !== undefined && o.waitTimeout < 0)
    throw fail('--wait-timeout must be a non-negative integer');
  if (o.exitCodeFrom && !o.abortOnContainerFailure) o.abortOnContainerExit = true;
  if (o.abortOnContainerExit && o.abortOnContainerFailure)
    throw fail('--abort-on-container-failure cannot be combined with --abort-on-container-exit');
  if (o.wait) {
    if (o.attachDependencies || o.abortOnContainerExit || o.attach.length > 0)
      throw fail(
        '--wait cannot be combined with --abort-on-container-exit, --attach or --attach-dependencies',
      );
    o.detach = true;
  }
  if (o.build && o.noBuild) throw fail('--build and --no-build are incompatible');
  if (
    o.detach &&
    (o.attachDependencies || o.abortOnContainerExit || o.abortOnContainerFailure || o.attach.length > 0)
  )
    throw fail(
      '--detach cannot be combined with --abort-on-container-exit, --abort-on-container-failure, --attach, --attach-dependencies or --watch',
    );
  if (o.renewAnonVolumes && o.noRecreate)
    throw fail('--no-recreate and --renew-anon-volumes are incompatible');
  if (o.forceRecreate && o.noRecreate) throw fail('--force-recreate and --no-recreate are incompatible');
  if (o.alwaysRecreateDeps && o.noRecreate)
    throw fail('--always-recreate-deps and --no-recreate are incompatible');
  if (o.attach.length > 0 && o.attachDependencies)
    throw fail('cannot combine --attach and --attach-dependencies');
}

export function parseScale(values: string[], project: Project): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    const name = eq < 0 ? v : v.slice(0, eq);
    const n = eq < 0 ? NaN : Number(v.slice(eq + 1));
    if (!Number.isInteger(n) || n < 0) throw fail(`invalid scale value ${JSON.stringify(v)}`);
    if (!(name in project.services)) throw fail(`no such service: ${name}`);
    out[name] = n;
  }
  return out;
}

function pullPolicy(pull: string | undefined): 'always' | 'missing' | 'never' | undefined {
  if (pull === undefined || pull === 'policy') return undefined;
  if (pull === 'always' || pull === 'missing' || pull === 'never') return pull;
  if (pull === 'build') throw new UsageError('tsdock compose does not support --pull build yet');
  throw fail(`invalid --pull option ${JSON.stringify(pull)}`);
}

/** The services a command works on: named ones (and what they depend on), or all of them. */
export function selectServices(project: Project, named: string[], noDeps = false): string[] {
  for (const s of named) if (!(s in project.services)) throw fail(`no such service: ${s}`);
  if (named.length === 0) return Object.keys(project.services);
  return noDeps ? [...named] : withDependencies(project, named);
}

/**
 * Before anything is created: keys tsdock does not implement refused (exit 125, as tsdock refuses
 * a flag it does not implement), swarm-only ones warned about.
 */
function checkSupported(ctx: RuntimeContext, project: Project, services: string[], o: CreateFlags): void {
  pullPolicy(o.pull);
  for (const w of assertSupported(project, services).warnings) warn(ctx, w);
}

/** Images of services with a build section, before anything else (--build, --no-build). */
async function build(
  ctx: RuntimeContext,
  project: Project,
  services: string[],
  o: CreateFlags & { ui: UiOptions },
) {
  try {
    return await buildImages(ctx, project, services, {
      mode: o.build ? 'always' : o.noBuild ? 'never' : 'auto',
      quiet: o.quietBuild,
      progress: o.ui.progress,
    });
  } catch (err) {
    throw asComposeFailure(err);
  }
}

/** Everything `compose create` does; `up` continues from here. */
export async function createProject(
  ctx: RuntimeContext,
  project: Project,
  services: string[],
  o: CreateFlags,
  s: Session,
): Promise<void> {
  const recreate: RecreatePolicy = o.forceRecreate ? 'force' : o.noRecreate ? 'never' : 'diverged';
  const recreateDeps: RecreatePolicy = o.alwaysRecreateDeps ? 'force' : o.noRecreate ? 'never' : 'diverged';
  const scale = parseScale(o.scale, project);
  const observed = await projectContainers(ctx, project.name);
  const orphans = orphansOf(project, observed);
  if (o.removeOrphans) {
    for (const c of orphans) {
      if (isRunning(c)) await stopOne(s, c, o.timeout);
      await removeOne(s, c);
    }
  } else warnOrphans(s, orphans);
  await ensureNetworks(s, services);
  await ensureVolumes(s, services);
  await ensureImages(s, services, pullPolicy(o.pull));
  await createServices(s, services, {
    targeted: services,
    recreate,
    recreateDeps,
    scale,
    renewAnonVolumes: o.renewAnonVolumes,
    ...(o.timeout !== undefined ? { timeout: o.timeout } : {}),
  });
}

export async function composeCreate(
  ctx: RuntimeContext,
  o: CreateFlags & { project: ProjectOptions; ui: UiOptions; services: string[] },
): Promise<void> {
  if (o.forceRecreate && o.noRecreate) throw fail('--force-recreate and --no-recreate are incompatible');
  const project = openProject(ctx, o.project, o.services);
  const services = selectServices(project, o.services);
  checkSupported(ctx, project, services, o);
  const built = await build(ctx, project, services, o);
  const s = new Session(ctx, project, await composeProgress(ctx.stdio.stderr, o.ui.progress, 'Running'));
  for (const [ref, id] of built) s.images.set(ref, id);
  try {
    await createProject(ctx, project, services, o, s);
  } catch (err) {
    throw asComposeFailure(err);
  } finally {
    await s.progress.close();
  }
}

/**
 * --wait: every started container healthy by its healthcheck, or running when it has none (compose's
 * isServiceHealthy with fallbackRunning); a one-shot dependency may have exited 0.
 */
async function waitRunning(
  ctx: RuntimeContext,
  s: Session,
  containers: ProjectContainer[],
  timeoutMs?: number,
): Promise<void> {
  const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
  const completes = new Set<string>();
  for (const svc of Object.values(s.project.services))
    for (const [dep, cfg] of Object.entries(svc.dependsOn))
      if (cfg.condition === 'service_completed_successfully') completes.add(dep);
  for (;;) {
    // compose's waitDependency looks first when its 500 ms ticker fires: a container that exits at
    // once is seen exited (an error), not running (a success).
    await new Promise((r) => setTimeout(r, 500));
    const now = await projectContainers(ctx, s.project.name);
    const waiting: ProjectContainer[] = [];
    for (const c of containers) {
      const cur = now.find((x) => x.id === c.id);
      if (!cur) continue;
      if (cur.status === 'exited' || cur.status === 'dead') {
        const code = cur.summary?.state.exitCode ?? 0;
        if (code === 0 && completes.has(cur.service)) continue;
        throw new ComposeError(`container ${cur.name} exited (${code})`);
      }
      waiting.push(cur);
    }
    let healthy: boolean;
    try {
      healthy = await isHealthy(s, waiting, true);
    } catch (err) {
      throw new ComposeError((err as Error).message);
    }
    if (healthy) {
      for (const c of containers) s.container(c.name, 'done', 'Healthy');
      return;
    }
    // compose's start: the --wait-timeout deadline is reported as the application's, not a dependency's.
    if (Date.now() > deadline)
      throw new ComposeError(`application not healthy after ${goDurationString(timeoutMs! * 1e6)}`);
  }
}

export async function composeUp(ctx: RuntimeContext, o: UpOptions): Promise<void> {
  validate(o);
  const project = openProject(ctx, o.project, o.services);
  const services = selectServices(project, o.services, o.noDeps);
  if (services.length === 0) throw fail('no service selected');
  if (o.exitCodeFrom && !(o.exitCodeFrom in project.services))
    throw fail(`no such service: ${o.exitCodeFrom}`);
  for (const a of o.attach) {
    if (!services.includes(a)) throw fail(`cannot attach to services not included in up: ${a}`);
  }
  checkSupported(ctx, project, services, o);
  if (o.dryRun) {
    const { composeDryRun } = await import('./dry-run.js');
    try {
      await composeDryRun(ctx, project, {
        services,
        scale: parseScale(o.scale, project),
        noStart: o.noStart,
        ...(o.format !== undefined ? { format: o.format } : {}),
      });
    } catch (err) {
      throw asComposeFailure(err);
    }
    return;
  }
  const built = await build(ctx, project, services, o);
  const progress = await composeProgress(ctx.stdio.stderr, o.ui.progress, 'Running');
  const s = new Session(ctx, project, progress);
  for (const [ref, id] of built) s.images.set(ref, id);
  let closed = false;
  const closeProgress = async () => {
    if (!closed) await progress.close();
    closed = true;
  };
  try {
    await createProject(ctx, project, services, o, s);
    if (o.noStart) return;
    if (o.detach) {
      const started = await startServices(s, services, {
        ...(o.waitTimeout ? { timeoutMs: o.waitTimeout * 1000 } : {}),
        noDeps: o.noDeps,
      });
      if (o.wait) await waitRunning(ctx, s, started, o.waitTimeout ? o.waitTimeout * 1000 : undefined);
      return;
    }
  } catch (err) {
    throw asComposeFailure(err);
  } finally {
    if (o.detach || o.noStart) await closeProgress();
  }
  await closeProgress();
  await foreground(ctx, project, services, o);
}

/** The attached half of `up`: output, exits, and Ctrl-C stopping the project. */
async function foreground(
  ctx: RuntimeContext,
  project: Project,
  services: string[],
  o: UpOptions,
): Promise<void> {
  const tty = (ctx.stdio.stdout as NodeJS.WriteStream).isTTY === true;
  const color = !o.noColor && (o.ui.ansi === 'always' || (o.ui.ansi === 'auto' && tty));
  const printer = new LogPrinter(ctx.stdio.stdout, ctx.stdio.stderr, { color, prefix: !o.noLogPrefix });
  // Which services' output is shown: --attach, or the ones started by name (all when none was
  // named), dependencies with --attach-dependencies, minus --no-attach and `attach: false`.
  let attachTo: string[];
  if (o.attach.length > 0) attachTo = o.attach;
  else {
    const base = o.services.length > 0 ? o.services : services;
    attachTo = (o.attachDependencies ? services : base).filter((n) => project.services[n]?.attach !== false);
  }
  attachTo = attachTo.filter((n) => !o.noAttach.includes(n));

  // Start events would mix with the services' output on a terminal: compose hides them there.
  const startProgress =
    (ctx.stdio.stderr as NodeJS.WriteStream).isTTY === true && o.ui.progress !== 'plain'
      ? new QuietComposeProgress()
      : await composeProgress(ctx.stdio.stderr, o.ui.progress, 'Running');
  const s = new Session(ctx, project, startProgress);
  const before = await projectContainers(ctx, project.name);
  const watched = before
    .filter((c) => attachTo.includes(c.service) && !c.oneoff)
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const names = watched.map((c) => shortName(project.name, c.name));
  for (const n of names) printer.register(n);
  if (names.length > 0) ctx.stdio.stdout.write(`Attaching to ${names.join(', ')}\n`);

  const abort = new AbortController();
  let exitCode: number | undefined;
  let stopping: Promise<void> | undefined;
  const stopProject = (why: string) => {
    if (stopping) return stopping;
    ctx.stdio.stderr.write(`${why}\n`);
    stopping = (async () => {
      const progress = await composeProgress(ctx.stdio.stderr, o.ui.progress, 'Stopping');
      const stopper = new Session(ctx, project, progress);
      try {
        const now = await projectContainers(ctx, project.name);
        await stopServices(
          stopper,
          now.filter((c) => services.includes(c.service) && !c.oneoff),
          o.timeout,
        );
      } finally {
        await progress.close();
      }
    })();
    return stopping;
  };
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts === 1) {
      exitCode ??= 130;
      void stopProject('Gracefully Stopping... press Ctrl+C again to force');
      return;
    }
    // A second Ctrl-C: kill what is left, as compose does.
    void (async () => {
      for (const c of await projectContainers(ctx, project.name)) {
        if (services.includes(c.service) && isRunning(c))
          await killContainer(s.quiet, await findContainer(ctx, c.id), { signal: 'KILL' }).catch(
            () => undefined,
          );
      }
    })();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const running = new Set<Promise<unknown>>();
  const follow = (c: ProjectContainer, since?: bigint) => {
    const name = shortName(project.name, c.name);
    const p = streamLogs(ctx, c, name, printer, {
      follow: true,
      timestamps: o.timestamps,
      signal: abort.signal,
      reportStopped: true,
      ...(since !== undefined ? { since } : { tail: 0 }),
    }).then((code) => {
      if (code === undefined) return;
      printer.status(name, `exited with code ${code}`);
      const cascade = o.abortOnContainerExit || (o.abortOnContainerFailure && code !== 0);
      if (o.exitCodeFrom ? c.service === o.exitCodeFrom : cascade) exitCode ??= code;
      if (cascade) void stopProject('Aborting on container exit...');
    });
    running.add(p);
  };
  try {
    // Containers running already are followed from now; the ones this `up` starts, from their start.
    for (const c of watched.filter(isRunning)) follow(c);
    const startedAt = BigInt(Date.now() - 1) * 1_000_000n;
    try {
      await startServices(s, services, { noDeps: o.noDeps });
    } catch (err) {
      if (!stopping) throw asComposeFailure(err);
    } finally {
      await startProgress.close();
    }
    const after = await projectContainers(ctx, project.name);
    for (const c of after) {
      if (!attachTo.includes(c.service) || c.oneoff) continue;
      if (watched.some((w) => w.id === c.id && isRunning(w))) continue;
      follow(c, startedAt);
    }
    while (running.size > 0) {
      const all = [...running];
      await Promise.allSettled(all);
      for (const p of all) running.delete(p);
    }
    await stopping;
  } finally {
    abort.abort();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (exitCode !== undefined && exitCode !== 0) throw new ContainerExit(exitCode);
}
