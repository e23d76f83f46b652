/**
 * `kube play FILE` and `kube down FILE`: the plan of kube/play.ts carried out through the verbs a
 * user would call (volume create, run), and taken away through rm and volume rm; Services are the
 * network's load-balanced host ports (network/services.ts), claimed before anything is made and
 * pointed at their pods once these run. A play that fails halfway takes away what it made, and
 * only that.
 */
import { chmod, mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { RuntimeContext } from '../../context.js';
import {
  ConflictError,
  ContainerExit,
  NotFoundError,
  SystemError,
  TsdockError,
  UsageError,
} from '../../errors.js';
import { parseManifest } from '../../kube/manifest.js';
import { ensurePauseImage, PAUSE_REPO } from '../../kube/pause.js';
import { planPlay, type PlannedContainer, type PlayPlan } from '../../kube/play.js';
import { attachBackends, claimService, removeService, serviceKey } from '../../network/services.js';
import { networkOptions } from '../../network/define.js';
import { removeVolume } from '../../volumes/remove.js';
import { runContainer } from '../container/run.js';
import { removeContainers } from '../container/rm.js';
import { createVolume } from '../volume/create.js';

export interface KubePlayOptions {
  file: string;
}

/** The same daemon and state, with the output of the verbs it calls kept out of this one's. */
function quietContext(ctx: RuntimeContext): RuntimeContext {
  return new RuntimeContext(ctx.globals, {
    stdin: ctx.stdio.stdin,
    stdout: sink(),
    stderr: ctx.stdio.stderr,
  });
}

const sink = (): Writable =>
  new Writable({
    write(_c, _e, cb) {
      cb();
    },
  });

async function loadPlan(
  ctx: RuntimeContext,
  quiet: RuntimeContext,
  file: string,
  pause: boolean,
): Promise<PlayPlan> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `open ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`,
    );
  }
  const objects = await parseManifest(text, file);
  const plan = planPlay(objects, {
    file: path,
    filesRoot: join(ctx.stateDir, 'kube'),
    pauseImage: PAUSE_REPO,
  });
  // The pause image is made only once the file is known to be good.
  if (pause) {
    const image = await ensurePauseImage(ctx, quiet);
    for (const p of plan.pods) p.infra.image = image;
  }
  return plan;
}

export async function kubePlay(ctx: RuntimeContext, opts: KubePlayOptions): Promise<void> {
  const quiet = quietContext(ctx);
  try {
    await play(ctx, quiet, opts);
  } finally {
    quiet.close();
  }
}

async function play(ctx: RuntimeContext, quiet: RuntimeContext, opts: KubePlayOptions): Promise<void> {
  const plan = await loadPlan(ctx, quiet, opts.file, true);
  await refuseTaken(ctx, plan);
  for (const w of plan.warnings) ctx.stdio.stderr.write(`WARNING: ${w}\n`);
  const made = {
    containers: [] as string[],
    volumes: [] as string[],
    dirs: [] as string[],
    services: [] as string[],
  };
  const run = async (c: PlannedContainer, detach: boolean) => {
    made.containers.push(c.name);
    await runContainer(quiet, {
      image: c.image,
      command: c.command,
      flags: c.flags,
      detach,
      sigProxy: false,
    });
  };
  try {
    // A Service's port that cannot be had fails the play before anything is made.
    for (const svc of plan.services) {
      const rec = await claimService(ctx, { owner: resolve(opts.file), name: svc.name, ports: svc.ports });
      made.services.push(rec.key);
    }
    if (plan.network) await ensureNetwork(quiet, plan.network);
    for (const name of plan.volumes) {
      const existed = await volumeExists(ctx, name);
      await createVolume(ctx, { name, driver: 'local', options: [], labels: [] });
      if (!existed) made.volumes.push(name);
    }
    for (const pod of plan.pods) {
      if (pod.files.length > 0) {
        made.dirs.push(pod.filesDir);
        for (const f of pod.files) {
          await mkdir(dirname(f.path), { recursive: true });
          await writeFile(f.path, f.content);
          await chmod(f.path, f.mode);
        }
      }
      await run(pod.infra, true);
      for (const c of pod.init) {
        try {
          await run(c, false);
        } catch (err) {
          if (err instanceof ContainerExit) {
            throw new SystemError(
              `pod ${pod.name}: init container ${c.name} exited with status ${err.exitCode}`,
            );
          }
          throw err;
        }
      }
      for (const c of pod.containers) await run(c, true);
      ctx.print(`${pod.name}\n`);
    }
    for (const [i, svc] of plan.services.entries()) {
      const backends = await Promise.all(
        svc.backends.map(async (b) => ({ containerId: await containerId(ctx, b.infra), targets: b.targets })),
      );
      await attachBackends(ctx, made.services[i]!, backends);
    }
  } catch (err) {
    for (const key of made.services) await removeService(ctx, key).catch(() => undefined);
    // The containers first (they hold the volumes), newest first (joined ones before their infra).
    await removeContainers(quiet, made.containers.reverse(), { force: true }).catch(() => undefined);
    for (const v of made.volumes) await removeVolume(quiet, v, true).catch(() => undefined);
    for (const d of made.dirs) await rm(d, { recursive: true, force: true });
    throw err;
  }
}

/** The pods' network, made the first time (another play making it at the same time is fine). */
async function ensureNetwork(ctx: RuntimeContext, name: string): Promise<void> {
  const { NetworkStore } = await import('../../network/networks.js');
  try {
    await new NetworkStore(ctx).find(name);
    return;
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  const { createNetwork } = await import('../network/create.js');
  await createNetwork(ctx, networkOptions(name)).catch((err: unknown) => {
    if (!(err instanceof ConflictError)) throw err;
  });
}

/** A pod already played (or a name taken otherwise) is refused before anything is made. */
async function refuseTaken(ctx: RuntimeContext, plan: PlayPlan): Promise<void> {
  const { findContainer } = await import('../../container/store.js');
  for (const c of plan.pods.flatMap((p) => [p.infra, ...p.init, ...p.containers])) {
    const found = await findContainer(ctx, c.name).catch((err: unknown) => {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    });
    if (found?.record.name === c.name) {
      throw new ConflictError(
        `Error response from daemon: Conflict. The container name "/${c.name}" is already in use by container "${found.id}". Run 'tsdock kube down' on the file first.`,
      );
    }
  }
}

async function containerId(ctx: RuntimeContext, name: string): Promise<string> {
  const { findContainer } = await import('../../container/store.js');
  return (await findContainer(ctx, name)).id;
}

async function volumeExists(ctx: RuntimeContext, name: string): Promise<boolean> {
  const { volumeStore } = await import('../../volumes/store.js');
  return volumeStore(ctx).get(name) !== undefined;
}

/** `kube down FILE`: every container, volume and file kube play made from FILE. */
export async function kubeDown(ctx: RuntimeContext, opts: KubePlayOptions): Promise<void> {
  const quiet = quietContext(ctx);
  try {
    await down(ctx, quiet, opts);
  } finally {
    quiet.close();
  }
}

async function down(ctx: RuntimeContext, quiet: RuntimeContext, opts: KubePlayOptions): Promise<void> {
  const plan = await loadPlan(ctx, quiet, opts.file, false);
  // The Services first: no connection is sent to a pod on its way out.
  for (const svc of plan.services) await removeService(ctx, serviceKey(resolve(opts.file), svc.name));
  const names = plan.pods.flatMap((p) => [...p.containers, ...p.init, p.infra].map((c) => c.name));
  await removeContainers(quiet, names, { force: true });
  let failed = false;
  for (const v of plan.volumes) {
    try {
      await removeVolume(quiet, v, true);
    } catch (err) {
      if (!(err instanceof TsdockError)) throw err;
      failed = true;
      ctx.stdio.stderr.write(`${err.message}\n`);
    }
  }
  if (plan.network) {
    // Left while other played pods still use it; `network rm` says so, which is no failure here.
    const { removeNetworks } = await import('../network/rm.js');
    const silent = new RuntimeContext(ctx.globals, {
      stdin: ctx.stdio.stdin,
      stdout: sink(),
      stderr: sink(),
    });
    await removeNetworks(silent, [plan.network], true).catch(() => undefined);
    silent.close();
  }
  for (const p of plan.pods) {
    await rm(p.filesDir, { recursive: true, force: true });
    ctx.print(`${p.name}\n`);
  }
  // The directory of the played files goes with the last of them.
  await rmdir(join(ctx.stateDir, 'kube')).catch(() => undefined);
  if (failed) throw new ContainerExit(1);
}
