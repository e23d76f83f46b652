/** `compose top`, `port`, `cp`, `wait`: container verbs reached through a service name. */
import type { RuntimeContext } from '../../context.js';
import { ComposeError, ContainerExit } from '../../errors.js';
import type { ProjectOptions } from '../../compose/discover.js';
import { isRunning } from '../../compose/observe.js';
import { copyCommand } from '../container/cp.js';
import { containerTop } from '../container/top.js';
import { waitContainer } from '../container/wait.js';
import { findContainer } from '../../container/store.js';
import { portCommand } from '../container/port.js';
import { indexedContainer, serviceContainers } from './engine.js';
import { projectOrName } from './down.js';

export async function composeTop(
  ctx: RuntimeContext,
  o: { project: ProjectOptions; services: string[] },
): Promise<void> {
  const project = projectOrName(ctx, o.project, o.services);
  const containers = (await serviceContainers(ctx, project, o.services))
    .filter(isRunning)
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const [i, c] of containers.entries()) {
    ctx.stdio.stdout.write(`${i > 0 ? '\n' : ''}${c.name}\n`);
    await containerTop(ctx, c.id, []);
  }
}

export async function composePort(
  ctx: RuntimeContext,
  o: { project: ProjectOptions; service: string; port: string; protocol: string; index?: number },
): Promise<void> {
  const project = projectOrName(ctx, o.project, [o.service]);
  const c = await indexedContainer(ctx, project, o.service, o.index ?? 1);
  await portCommand(ctx, c.id, `${o.port}/${o.protocol}`);
}

export async function composeCp(
  ctx: RuntimeContext,
  o: {
    project: ProjectOptions;
    source: string;
    destination: string;
    index?: number;
    all: boolean;
    archive: boolean;
    followLink: boolean;
  },
): Promise<void> {
  const project = projectOrName(ctx, o.project);
  const split = (arg: string) => {
    const colon = arg.indexOf(':');
    if (colon <= 0 || arg.startsWith('/') || arg.startsWith('.')) return undefined;
    return { service: arg.slice(0, colon), path: arg.slice(colon + 1) };
  };
  const src = split(o.source);
  const dst = split(o.destination);
  if (src && dst) throw new ComposeError('copying between services is not supported');
  if (!src && !dst) throw new ComposeError('unknown copy direction');
  const target = (src ?? dst)!;
  const containers =
    o.all && dst
      ? await serviceContainers(ctx, project, [target.service])
      : [await indexedContainer(ctx, project, target.service, o.index ?? 1)];
  for (const c of containers) {
    await copyCommand(ctx, {
      source: src ? `${c.id}:${src.path}` : o.source,
      destination: dst ? `${c.id}:${dst.path}` : o.destination,
      followLink: o.followLink,
      archive: o.archive,
      quiet: true,
    });
  }
}

/** `compose wait`: until the services' containers stop; the status of the last to stop. */
export async function composeWait(
  ctx: RuntimeContext,
  o: { project: ProjectOptions; services: string[]; downProject: boolean },
  down: () => Promise<void>,
): Promise<void> {
  const project = projectOrName(ctx, o.project, o.services);
  const containers = await serviceContainers(ctx, project, o.services, { oneoff: true });
  if (containers.length === 0)
    throw new ComposeError(`no containers for project ${JSON.stringify(project.name)}`);
  let status = 0;
  await Promise.all(
    containers.map(async (c) => {
      const code = await waitContainer(ctx, await findContainer(ctx, c.id));
      ctx.stdio.stdout.write(`container ${JSON.stringify(c.id)} exited with status code ${code}\n`);
      status = code;
    }),
  );
  if (o.downProject) await down();
  if (status !== 0) throw new ContainerExit(status);
}
