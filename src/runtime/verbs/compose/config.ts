/** `compose config`: the project, merged and normalised, or one of its lists. */
import { writeFileSync } from 'node:fs';
import type { RuntimeContext } from '../../context.js';
import { UsageError } from '../../errors.js';
import type { ProjectOptions } from '../../compose/discover.js';
import { dependencyOrder, withDependencies } from '../../compose/graph.js';
import { allProfiles } from '../../compose/load.js';
import { imageName } from '../../compose/containers.js';
import { isMapping } from '../../compose/merge.js';
import { formatProject, renderProject } from '../../compose/serialize.js';
import { openProject } from './project.js';

export interface ConfigOptions {
  project: ProjectOptions;
  services: string[];
  format?: string;
  quiet: boolean;
  output?: string;
  list?: 'services' | 'volumes' | 'networks' | 'profiles' | 'images';
}

export async function composeConfig(ctx: RuntimeContext, o: ConfigOptions): Promise<void> {
  const project = openProject(ctx, o.project, o.services);
  for (const s of o.services) {
    if (!(s in project.services)) throw new UsageError(`no such service: ${s}`);
  }
  const selected =
    o.services.length > 0 ? withDependencies(project, o.services) : Object.keys(project.services);
  const lines = (items: string[]) => {
    if (!o.quiet && items.length > 0) ctx.stdio.stdout.write(items.join('\n') + '\n');
  };
  switch (o.list) {
    case 'services':
      return lines(dependencyOrder(project, selected));
    case 'volumes':
      return lines(Object.keys(isMapping(project.model.volumes) ? project.model.volumes : {}));
    case 'networks':
      return lines(Object.keys(project.networks));
    case 'profiles':
      return lines(allProfiles(project));
    case 'images':
      return lines(dependencyOrder(project, selected).map((n) => imageName(project, project.services[n]!)));
    default:
      break;
  }
  const format = o.format ?? 'yaml';
  if (format !== 'yaml' && format !== 'json')
    throw new UsageError(`unsupported format ${JSON.stringify(format)}`);
  dependencyOrder(project);
  const text = formatProject(renderProject(project, o.services.length > 0 ? selected : undefined), format);
  if (o.quiet) return;
  if (o.output) writeFileSync(o.output, text);
  else ctx.stdio.stdout.write(text);
}
