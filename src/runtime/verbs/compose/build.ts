/** `compose build`: the images of the services with a build section, built by `tsdock build`. */
import type { RuntimeContext } from '../../context.js';
import type { UiOptions } from '../../format/compose-progress.js';
import type { ProjectOptions } from '../../compose/discover.js';
import { withDependencies } from '../../compose/graph.js';
import { assertSupported } from '../../compose/support.js';
import { asComposeFailure, buildImages } from './engine.js';
import { openProject, warn } from './project.js';
import { selectServices } from './up.js';

export interface ComposeBuildOptions {
  project: ProjectOptions;
  ui: UiOptions;
  services: string[];
  noCache: boolean;
  pull: boolean;
  quiet: boolean;
  buildArgs: string[];
  withDependencies: boolean;
}

export async function composeBuild(ctx: RuntimeContext, o: ComposeBuildOptions): Promise<void> {
  const project = openProject(ctx, o.project, o.services);
  const named = selectServices(project, o.services, true);
  const services = o.withDependencies ? withDependencies(project, named) : named;
  for (const w of assertSupported(project, services).warnings) warn(ctx, w);
  try {
    await buildImages(ctx, project, services, {
      mode: 'always',
      noCache: o.noCache,
      pull: o.pull,
      quiet: o.quiet,
      buildArgs: o.buildArgs,
      progress: o.ui.progress,
    });
  } catch (err) {
    throw asComposeFailure(err);
  }
}
