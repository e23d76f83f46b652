/** `compose exec`: `tsdock exec` in a service's container (the first, or `--index`). */
import type { RuntimeContext } from '../../context.js';
import type { ProjectOptions } from '../../compose/discover.js';
import { execInContainer } from '../container/exec.js';
import { indexedContainer } from './engine.js';
import { projectOrName } from './down.js';

export interface ComposeExecOptions {
  project: ProjectOptions;
  service: string;
  command: string[];
  detach: boolean;
  env: string[];
  index?: number;
  privileged: boolean;
  user?: string;
  workdir?: string;
  noTty: boolean;
  interactive: boolean;
}

export async function composeExec(ctx: RuntimeContext, o: ComposeExecOptions): Promise<void> {
  const project = projectOrName(ctx, o.project, [o.service]);
  const c = await indexedContainer(ctx, project, o.service, o.index ?? 1);
  // Variables named without a value come from the project's environment, as compose resolves them.
  const env = o.env.map((e) =>
    e.includes('=') || project.environment[e] === undefined ? e : `${e}=${project.environment[e]}`,
  );
  await execInContainer(ctx, {
    container: c.id,
    command: o.command,
    interactive: o.interactive && !o.detach,
    tty: !o.noTty && !o.detach,
    detach: o.detach,
    env,
    envFile: [],
    ...(o.workdir ? { workdir: o.workdir } : {}),
    ...(o.user ? { user: o.user } : {}),
    privileged: o.privileged,
  });
}
