/**
 * `compose down`: the project's containers stopped (dependents first) and removed, then its
 * networks; `--rmi` its images, `--remove-orphans` containers of services no longer in the files.
 * Works from the project's name alone (`-p name down`) when there is no compose file.
 */
import type { RuntimeContext } from '../../context.js';
import { ComposeError, NotFoundError } from '../../errors.js';
import { composeProgress } from '../../format/compose-progress.js';
import type { UiOptions } from '../../format/compose-progress.js';
import type { ProjectOptions } from '../../compose/discover.js';
import type { Project } from '../../compose/model.js';
import { imageName } from '../../compose/containers.js';
import { isRunning, projectContainers } from '../../compose/observe.js';
import {
  asComposeFailure,
  orphansOf,
  removeOne,
  removeProjectNetworks,
  removeProjectVolumes,
  Session,
  stopServices,
  warnOrphans,
} from './engine.js';
import { openProject } from './project.js';

export interface DownOptions {
  project: ProjectOptions;
  ui: UiOptions;
  services: string[];
  volumes: boolean;
  rmi?: string;
  removeOrphans: boolean;
  timeout?: number;
}

/** A project known by its name only: no services, no networks of its own but the labelled ones. */
export function nameOnlyProject(name: string): Project {
  return {
    name,
    workingDir: process.cwd(),
    configFiles: [],
    environment: {},
    envFiles: [],
    services: {},
    disabledServices: {},
    networks: {},
    profiles: [],
    model: {},
    warnings: [],
  };
}

/** The project from its files, or from `-p` alone when no file is found (down, ps, logs …). */
export function projectOrName(ctx: RuntimeContext, opts: ProjectOptions, services: string[] = []): Project {
  try {
    return openProject(ctx, opts, services);
  } catch (err) {
    if (
      opts.projectName &&
      opts.files.length === 0 &&
      err instanceof ComposeError &&
      err.message === 'no configuration file provided: not found'
    )
      return nameOnlyProject(opts.projectName);
    throw err;
  }
}

export async function composeDown(ctx: RuntimeContext, o: DownOptions): Promise<void> {
  if (o.rmi !== undefined && o.rmi !== 'local' && o.rmi !== 'all')
    throw new ComposeError(`invalid value for --rmi: ${o.rmi}`);
  const project = projectOrName(ctx, o.project);
  const byName = project.configFiles.length === 0;
  const progress = await composeProgress(ctx.stdio.stderr, o.ui.progress, 'Running');
  const s = new Session(ctx, project, progress);
  try {
    const all = await projectContainers(ctx, project.name);
    const orphans = byName ? [] : orphansOf(project, all);
    const selected = o.services.length > 0 ? o.services : undefined;
    const mine = all.filter((c) => {
      if (selected) return selected.includes(c.service);
      if (byName || c.oneoff) return true;
      return c.service in project.services || c.service in project.disabledServices || o.removeOrphans;
    });
    if (!o.removeOrphans) warnOrphans(s, orphans);
    await stopServices(s, mine.filter(isRunning), o.timeout);
    // -v: the containers' anonymous volumes with them, then the project's named ones.
    await Promise.all(mine.map((c) => removeOne(s, c, o.volumes)));
    if (!selected) await removeProjectNetworks(s, project.name);
    if (o.volumes && !selected) await removeProjectVolumes(s, project.name);
    if (o.rmi) await removeImages(s, project, o.rmi);
  } catch (err) {
    throw asComposeFailure(err);
  } finally {
    await progress.close();
  }
}

/** --rmi all: every service's image; --rmi local: only images without a custom tag (built ones). */
async function removeImages(s: Session, project: Project, mode: string): Promise<void> {
  const { removeImage } = await import('../../images/remove.js');
  const refs = new Set<string>();
  for (const svc of Object.values(project.services)) {
    // local: images without a custom tag, i.e. what a build named after the project.
    if (mode === 'all' || !svc.image) refs.add(imageName(project, svc));
  }
  for (const ref of refs) {
    s.event(`Image ${ref}`, 'working', 'Removing');
    try {
      await removeImage(s.quiet, ref, { force: false, containers: [] });
      s.event(`Image ${ref}`, 'done', 'Removed');
    } catch (err) {
      // Gone already (removed by hand, or shared with another project that went first).
      if (err instanceof NotFoundError) {
        s.event(`Image ${ref}`, 'warning', 'Not found');
        continue;
      }
      throw err;
    }
  }
}
