/** `compose config`: the project, merged and normalised, or one of its lists. */
import { existsSync, writeFileSync } from 'node:fs';
import type { RuntimeContext } from '../../context.js';
import { UsageError } from '../../errors.js';
import type { ProjectOptions } from '../../compose/discover.js';
import type { Project } from '../../compose/model.js';
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

/**
 * `compose convert --format kube` (tsdock's own format): the canonical project as Kubernetes objects,
 * with each env_file's variables as compose reads them; what cannot be carried is a warning.
 */
async function kubeText(
  ctx: RuntimeContext,
  project: Project,
  model: Record<string, unknown>,
): Promise<string> {
  const [{ composeToKube }, { toYaml }, { readEnvFiles }] = await Promise.all([
    import('../../kube/compose.js'),
    import('../../kube/yaml.js'),
    import('../../compose/dotenv.js'),
  ]);
  const envFiles: Record<string, Record<string, string>> = {};
  const services = (model.services ?? {}) as Record<string, { env_file?: unknown }>;
  // The canonical form folds env_file into environment; Kubernetes gets the files back as ConfigMaps.
  for (const [name, svc] of Object.entries(services)) {
    const files = project.services[name]?.raw.env_file;
    if (files !== undefined) svc.env_file = files;
  }
  for (const svc of Object.values(services)) {
    const entries = Array.isArray(svc.env_file) ? svc.env_file : svc.env_file ? [svc.env_file] : [];
    for (const e of entries as (string | { path?: string })[]) {
      const path = typeof e === 'string' ? e : e.path;
      if (path && existsSync(path)) envFiles[path] = Object.fromEntries(readEnvFiles([path], {}));
    }
  }
  const out = composeToKube({ model, envFiles });
  for (const w of out.warnings) ctx.stdio.stderr.write(`WARNING: ${w}\n`);
  return toYaml(out.documents);
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
  if (format !== 'yaml' && format !== 'json' && format !== 'kube')
    throw new UsageError(`unsupported format ${JSON.stringify(format)}`);
  dependencyOrder(project);
  const model = renderProject(project, o.services.length > 0 ? selected : undefined);
  const text = format === 'kube' ? await kubeText(ctx, project, model) : formatProject(model, format);
  if (o.quiet) return;
  if (o.output) writeFileSync(o.output, text);
  else ctx.stdio.stdout.write(text);
}
