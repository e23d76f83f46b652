/**
 * `compose start`, `stop`, `restart`, `kill`, `pause`, `unpause` and `rm`: the container verbs
 * applied to a project's services, in dependency order (starting) or its reverse (stopping).
 */
import type { RuntimeContext } from '../../context.js';
import { ComposeError } from '../../errors.js';
import { composeProgress } from '../../format/compose-progress.js';
import type { UiOptions } from '../../format/compose-progress.js';
import type { ProjectOptions } from '../../compose/discover.js';
import { isRunning, type ProjectContainer } from '../../compose/observe.js';
import { pauseOne } from '../container/pause.js';
import { unpauseOne } from '../container/unpause.js';
import { killContainer } from '../container/kill.js';
import { findContainer } from '../../container/store.js';
import {
  asComposeFailure,
  inDependencyOrder,
  removeOne,
  serviceContainers,
  Session,
  startOne,
  startServices,
  stopServices,
} from './engine.js';
import { projectOrName } from './down.js';
import { selectServices } from './up.js';

export interface LifecycleOptions {
  project: ProjectOptions;
  ui: UiOptions;
  services: string[];
}

async function withSession(
  ctx: RuntimeContext,
  o: LifecycleOptions,
  title: string,
  fn: (s: Session) => Promise<void>,
): Promise<void> {
  const project = projectOrName(ctx, o.project, o.services);
  const progress = await composeProgress(ctx.stdio.stderr, o.ui.progress, title);
  try {
    await fn(new Session(ctx, project, progress));
  } catch (err) {
    throw asComposeFailure(err);
  } finally {
    await progress.close();
  }
}

export function composeStart(ctx: RuntimeContext, o: LifecycleOptions & { wait?: boolean }): Promise<void> {
  return withSession(ctx, o, 'Running', async (s) => {
    const services = selectServices(s.project, o.services, true);
    await startServices(s, services);
  });
}

export function composeStop(ctx: RuntimeContext, o: LifecycleOptions & { timeout?: number }): Promise<void> {
  return withSession(ctx, o, 'Running', async (s) => {
    const containers = await serviceContainers(ctx, s.project, o.services);
    await stopServices(s, containers.filter(isRunning), o.timeout);
  });
}

export function composeRestart(
  ctx: RuntimeContext,
  o: LifecycleOptions & { timeout?: number; noDeps: boolean },
): Promise<void> {
  return withSession(ctx, o, 'Running', async (s) => {
    const containers = await serviceContainers(ctx, s.project, o.services);
    const services = [...new Set(containers.map((c) => c.service))].filter((n) => n in s.project.services);
    await stopServices(s, containers.filter(isRunning), o.timeout);
    await inDependencyOrder(s.project, services, async (name) => {
      await Promise.all(containers.filter((c) => c.service === name).map((c) => startOne(s, c)));
    });
  });
}

export function composeKill(
  ctx: RuntimeContext,
  o: LifecycleOptions & { signal?: string; removeOrphans: boolean },
): Promise<void> {
  return withSession(ctx, o, 'Running', async (s) => {
    const containers = (await serviceContainers(ctx, s.project, o.services)).filter(isRunning);
    if (containers.length === 0) throw new ComposeError('no container to kill');
    await Promise.all(
      containers.map(async (c) => {
        s.container(c.name, 'working', 'Killing');
        await killContainer(s.quiet, await findContainer(ctx, c.id), { signal: o.signal ?? 'SIGKILL' });
        s.container(c.name, 'done', 'Killed');
      }),
    );
  });
}

export function composePause(ctx: RuntimeContext, o: LifecycleOptions & { unpause: boolean }): Promise<void> {
  return withSession(ctx, o, 'Running', async (s) => {
    const containers = (await serviceContainers(ctx, s.project, o.services)).filter(isRunning);
    const [working, done] = o.unpause ? ['Unpausing', 'Unpaused'] : ['Pausing', 'Paused'];
    await Promise.all(
      containers.map(async (c) => {
        s.container(c.name, 'working', working);
        const f = await findContainer(ctx, c.id);
        await (o.unpause ? unpauseOne(s.quiet, f) : pauseOne(s.quiet, f));
        s.container(c.name, 'done', done);
      }),
    );
  });
}

export interface RmOptions extends LifecycleOptions {
  force: boolean;
  stop: boolean;
  volumes: boolean;
}

/** `compose rm`: stopped containers (with -s, running ones are stopped first); asks unless -f. */
export async function composeRm(ctx: RuntimeContext, o: RmOptions): Promise<void> {
  const project = projectOrName(ctx, o.project, o.services);
  const all = await serviceContainers(ctx, project, o.services, { oneoff: true });
  let running = all.filter(isRunning);
  const progress = await composeProgress(ctx.stdio.stderr, o.ui.progress, 'Running');
  const s = new Session(ctx, project, progress);
  try {
    if (o.stop && running.length > 0) {
      await stopServices(s, running);
      running = [];
    }
    const doomed: ProjectContainer[] = all.filter((c) => !running.some((r) => r.id === c.id));
    if (doomed.length === 0) {
      ctx.stdio.stderr.write('No stopped containers\n');
      return;
    }
    if (!o.force) {
      ctx.stdio.stdout.write(`Going to remove ${doomed.map((c) => c.name).join(', ')}\n`);
      if (!(await confirm(ctx, 'Are you sure? [yN] '))) return;
    }
    await Promise.all(doomed.map((c) => removeOne(s, c, o.volumes)));
  } catch (err) {
    throw asComposeFailure(err);
  } finally {
    await progress.close();
  }
}

async function confirm(ctx: RuntimeContext, question: string): Promise<boolean> {
  ctx.stdio.stdout.write(question);
  const line = await new Promise<string>((resolve) => {
    let buf = '';
    const stdin = ctx.stdio.stdin;
    const done = () => {
      stdin.removeListener('data', onData);
      stdin.removeListener('end', done);
      if ('pause' in stdin) stdin.pause();
      resolve(buf.split('\n')[0] ?? '');
    };
    const onData = (d: Buffer | string) => {
      buf += d.toString();
      if (buf.includes('\n')) done();
    };
    stdin.on('data', onData);
    stdin.on('end', done);
  });
  return /^\s*y(es)?\s*$/i.test(line);
}
