/** `compose ps`: the project's containers with docker compose's columns and JSON fields. */
import type { RuntimeContext } from '../../context.js';
import { ComposeError } from '../../errors.js';
import { renderList } from '../../format/output.js';
import type { ProjectOptions } from '../../compose/discover.js';
import { psRow } from '../container/ls.js';
import { bindAddress } from '../../network/port-keys.js';
import { serviceContainers } from './engine.js';
import type { Project } from '../../compose/model.js';
import type { ProjectContainer } from '../../compose/observe.js';
import { projectOrName } from './down.js';

export interface PsOptions {
  project: ProjectOptions;
  services: string[];
  all: boolean;
  quiet: boolean;
  listServices: boolean;
  status: string[];
  filter?: string;
  format?: string;
  noTrunc: boolean;
  orphans: boolean;
}

const STATUSES = ['paused', 'restarting', 'removing', 'running', 'dead', 'created', 'exited'];

/** One container of `docker compose ps --format json` (api.ContainerSummary's fields, sorted as its JSON is). */
export interface ComposeContainerEntry {
  Command: string;
  CreatedAt: string;
  ExitCode: number;
  Health: string;
  ID: string;
  Image: string;
  Labels: string;
  LocalVolumes: string;
  Mounts: string;
  Name: string;
  Names: string;
  Networks: string;
  Ports: string;
  Project: string;
  Publishers: { URL: string; TargetPort: number; PublishedPort: number; Protocol: string }[];
  RunningFor: string;
  Service: string;
  Size: string;
  State: string;
  Status: string;
}

/** Which containers of the project `compose ps` shows, sorted by name. */
export type ComposePsSelection = Pick<
  PsOptions,
  'project' | 'services' | 'all' | 'status' | 'filter' | 'orphans'
>;

async function selectContainers(
  ctx: RuntimeContext,
  o: ComposePsSelection,
): Promise<{ project: Project; containers: ProjectContainer[] }> {
  const status = [...o.status];
  if (o.filter !== undefined) {
    const [key, value] = o.filter.split('=', 2);
    if (key !== 'status' || value === undefined) throw new ComposeError(`unknown filter ${key}`);
    status.push(value);
  }
  for (const s of status) if (!STATUSES.includes(s)) throw new ComposeError(`invalid filter "status=${s}"`);
  const project = projectOrName(ctx, o.project, o.services);
  const all = o.all || status.length > 0;
  let containers = await serviceContainers(ctx, project, o.services, { oneoff: o.all, orphans: o.orphans });
  if (!all)
    containers = containers.filter(
      (c) => c.status === 'running' || c.status === 'paused' || c.status === 'restarting',
    );
  if (status.length > 0) containers = containers.filter((c) => status.includes(c.status));
  containers.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { project, containers };
}

function entries(
  project: Project,
  containers: ProjectContainer[],
  noTrunc: boolean,
): ComposeContainerEntry[] {
  const now = new Date();
  return containers.map((c) => {
    const base = psRow(c.summary!, { noTrunc, now }) as Record<string, string>;
    const ports = c.summary?.endpoint?.ports ?? [];
    const running = c.status === 'running' || c.status === 'paused';
    const row: ComposeContainerEntry = {
      Command: base.Command!,
      CreatedAt: base.CreatedAt!,
      ExitCode: c.summary!.state.exitCode,
      Health: '',
      ID: base.ID!,
      Image: base.Image!,
      Labels: base.Labels!,
      LocalVolumes: base.LocalVolumes!,
      Mounts: base.Mounts!,
      Name: c.name,
      Names: c.name,
      Networks: base.Networks!,
      Ports: base.Ports!,
      Project: project.name,
      Publishers: (running ? ports : []).map((p) => ({
        URL: bindAddress(p.hostIp),
        TargetPort: p.containerPort,
        PublishedPort: p.hostPort,
        Protocol: p.proto,
      })),
      RunningFor: base.RunningFor!,
      Service: c.service,
      Size: base.Size!,
      State: base.State!,
      Status: base.Status!,
    };
    Object.defineProperty(row, 'Label', { value: (k: string) => c.labels[k] ?? '', enumerable: false });
    return row;
  });
}

/** `compose ps`'s data: the project's containers as `docker compose ps --format json` has them. */
export async function composeContainers(
  ctx: RuntimeContext,
  o: ComposePsSelection & { noTrunc: boolean },
): Promise<ComposeContainerEntry[]> {
  const { project, containers } = await selectContainers(ctx, o);
  return entries(project, containers, o.noTrunc);
}

export async function composePs(ctx: RuntimeContext, o: PsOptions): Promise<void> {
  const { project, containers } = await selectContainers(ctx, o);
  if (o.quiet) {
    ctx.print(containers.map((c) => `${c.id}\n`).join(''));
    return;
  }
  if (o.listServices) {
    ctx.print([...new Set(containers.map((c) => c.service))].join('\n') + '\n');
    return;
  }
  const rows = entries(project, containers, o.noTrunc);
  ctx.print(
    renderList({
      format: o.format,
      defaultTable:
        'table {{.Name}}\t{{.Image}}\t{{.Command}}\t{{.Service}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}',
      headers: {
        ID: 'CONTAINER ID',
        Name: 'NAME',
        Project: 'PROJECT',
        Service: 'SERVICE',
        Image: 'IMAGE',
        Command: 'COMMAND',
        CreatedAt: 'CREATED AT',
        RunningFor: 'CREATED',
        Ports: 'PORTS',
        State: 'STATE',
        Status: 'STATUS',
        Size: 'SIZE',
        Labels: 'LABELS',
      },
      rows,
    }),
  );
}
