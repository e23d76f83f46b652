/** Loading the project a compose command works on, its warnings printed as docker compose prints them. */
import type { RuntimeContext } from '../../context.js';
import type { ProjectOptions } from '../../compose/discover.js';
import { loadProject } from '../../compose/load.js';
import type { Project } from '../../compose/model.js';

/** logrus's warning line, as docker compose shows it on a terminal. */
export function warn(ctx: RuntimeContext, message: string): void {
  ctx.stdio.stderr.write(`WARN[0000] ${message}\n`);
}

export function openProject(ctx: RuntimeContext, opts: ProjectOptions, services: string[] = []): Project {
  const project = loadProject({ ...opts, services });
  for (const w of project.warnings) warn(ctx, w);
  return project;
}
