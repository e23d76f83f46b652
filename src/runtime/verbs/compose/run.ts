/**
 * `compose run`: a one-off container of a service (`<project>-<service>-run-<id>`), its
 * dependencies started first as `up -d` would, then `tsdock run` itself with the service's
 * settings and the command line's overrides — attached, with its exit status.
 */
import { resolve } from 'node:path';
import type { RuntimeContext } from '../../context.js';
import { ComposeError } from '../../errors.js';
import { composeProgress } from '../../format/compose-progress.js';
import type { UiOptions } from '../../format/compose-progress.js';
import { composeLabels, imageName, serviceHash, serviceRunFlags } from '../../compose/containers.js';
import type { ProjectOptions } from '../../compose/discover.js';
import { withDependencies } from '../../compose/graph.js';
import { assertSupported } from '../../compose/support.js';
import { runContainerCommand } from '../container/run.js';
import { randomHex } from '../../state/ids.js';
import {
  asComposeFailure,
  buildImages,
  createServices,
  ensureImages,
  ensureNetworks,
  ensureVolumes,
  oneOffReferences,
  Session,
  startServices,
} from './engine.js';
import { openProject, warn } from './project.js';

export interface ComposeRunOptions {
  project: ProjectOptions;
  ui: UiOptions;
  service: string;
  command: string[];
  detach: boolean;
  rm: boolean;
  name?: string;
  env: string[];
  labels: string[];
  entrypoint?: string;
  user?: string;
  workdir?: string;
  publish: string[];
  servicePorts: boolean;
  noDeps: boolean;
  noTty: boolean;
  interactive: boolean;
  volumes: string[];
  pull?: string;
  removeOrphans: boolean;
  build?: boolean;
}

export async function composeRun(ctx: RuntimeContext, o: ComposeRunOptions): Promise<void> {
  if (o.servicePorts && o.publish.length > 0)
    throw new ComposeError('--service-ports and --publish are incompatible');
  const project = openProject(ctx, o.project, [o.service]);
  const svc = project.services[o.service];
  if (!svc) throw new ComposeError(`no such service: ${o.service}`);
  const deps = o.noDeps ? [] : withDependencies(project, [o.service]).filter((n) => n !== o.service);
  for (const w of assertSupported(project, [o.service, ...deps]).warnings) warn(ctx, w);

  let built: Map<string, string>;
  try {
    built = await buildImages(ctx, project, [o.service, ...deps], {
      mode: o.build ? 'always' : 'auto',
      progress: o.ui.progress,
    });
  } catch (err) {
    throw asComposeFailure(err);
  }
  const progress = await composeProgress(ctx.stdio.stderr, o.ui.progress, 'Running');
  const s = new Session(ctx, project, progress);
  for (const [ref, id] of built) s.images.set(ref, id);
  try {
    await ensureNetworks(s, [o.service, ...deps]);
    await ensureVolumes(s, [o.service, ...deps]);
    const pull = o.pull === 'always' || o.pull === 'never' || o.pull === 'missing' ? o.pull : undefined;
    await ensureImages(s, [o.service, ...deps], pull);
    if (deps.length > 0) {
      await createServices(s, deps, {
        targeted: [],
        recreate: 'diverged',
        recreateDeps: 'diverged',
        scale: {},
      });
      await startServices(s, deps);
    }
  } catch (err) {
    throw asComposeFailure(err);
  } finally {
    await progress.close();
  }

  const slug = randomHex(32);
  const name = o.name ?? `${project.name}-${o.service}-run-${slug.slice(0, 12)}`;
  const labels = composeLabels(project, svc, 0, {
    hash: serviceHash(svc),
    oneoff: true,
    slug,
    ...(s.images.get(imageName(project, svc)) ? { imageId: s.images.get(imageName(project, svc))! } : {}),
  });
  for (const l of o.labels) {
    const eq = l.indexOf('=');
    labels[eq < 0 ? l : l.slice(0, eq)] = eq < 0 ? '' : l.slice(eq + 1);
  }
  const first = Object.keys(svc.networks).sort()[0];
  let shared;
  try {
    shared = await oneOffReferences(s, svc);
  } catch (err) {
    throw asComposeFailure(err);
  }
  const { networkMode } = shared;
  const flags = serviceRunFlags(svc, {
    workingDir: project.workingDir,
    name,
    labels,
    ...(first && networkMode === undefined
      ? {
          network: {
            name: project.networks[first]!.name,
            aliases: [o.service, ...svc.networks[first]!.aliases],
          },
        }
      : {}),
    ...shared,
  });
  // -v adds to the service's volumes; a relative bind source is the project directory's.
  flags.volume = [
    ...(flags.volume ?? []),
    ...o.volumes.map((v) => (v.startsWith('.') ? resolve(project.workingDir, v) : v)),
  ];
  // A one-off container publishes nothing unless asked, and has no restart policy (compose run).
  flags.publish = o.servicePorts ? flags.publish : o.publish;
  delete flags.restart;
  flags.env = [
    ...(flags.env ?? []),
    ...o.env.map((e) =>
      e.includes('=') || project.environment[e] === undefined ? e : `${e}=${project.environment[e]}`,
    ),
  ];
  if (o.entrypoint !== undefined) flags.entrypoint = o.entrypoint;
  if (o.user !== undefined) flags.user = o.user;
  if (o.workdir !== undefined) flags.workdir = o.workdir;
  flags.rm = o.rm;
  flags.detach = o.detach;
  flags.interactive = o.interactive && !o.detach;
  flags.tty = !o.noTty && !o.detach;
  const command = o.command.length > 0 ? o.command : o.entrypoint !== undefined ? [] : (svc.command ?? []);
  await runContainerCommand(ctx, {
    image: imageName(project, svc),
    command,
    flags,
    detach: o.detach,
    sigProxy: true,
  });
}
