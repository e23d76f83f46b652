/**
 * What exists of a project: its containers (found by the com.docker.compose.project label, as
 * docker compose finds them), grouped by service, with their number, config hash and state.
 */
import type { RuntimeContext } from '../context.js';
import { summaries, type ContainerSummary } from '../container/list.js';
import { LABEL } from './containers.js';

export interface ProjectContainer {
  id: string;
  name: string;
  service: string;
  number: number;
  oneoff: boolean;
  hash: string;
  imageId: string;
  labels: Record<string, string>;
  /** Absent for a container this command has just created. */
  summary?: ContainerSummary;
  status: ContainerSummary['state']['status'];
}

export function labelsOf(row: ContainerSummary): Record<string, string> {
  return (row.record.config.Labels ?? {}) as Record<string, string>;
}

function toContainer(row: ContainerSummary): ProjectContainer {
  const labels = labelsOf(row);
  return {
    id: row.id,
    name: row.record.name,
    service: labels[LABEL.service] ?? '',
    number: Number(labels[LABEL.number] ?? 0),
    oneoff: labels[LABEL.oneoff] === 'True',
    hash: labels[LABEL.configHash] ?? '',
    imageId: labels[LABEL.image] ?? '',
    labels,
    summary: row,
    status: row.state.status,
  };
}

/** Every container of the project, oldest number first per service. */
export async function projectContainers(ctx: RuntimeContext, project: string): Promise<ProjectContainer[]> {
  const rows = await summaries(ctx);
  return rows
    .filter((r) => labelsOf(r)[LABEL.project] === project)
    .map(toContainer)
    .sort((a, b) => (a.service === b.service ? a.number - b.number : a.service < b.service ? -1 : 1));
}

/** Projects that have containers (compose ls), with their containers. */
export async function allProjects(ctx: RuntimeContext): Promise<Map<string, ProjectContainer[]>> {
  const out = new Map<string, ProjectContainer[]>();
  for (const row of await summaries(ctx)) {
    const p = labelsOf(row)[LABEL.project];
    if (!p) continue;
    out.set(p, [...(out.get(p) ?? []), toContainer(row)]);
  }
  return out;
}

export function isRunning(c: ProjectContainer): boolean {
  return c.status === 'running' || c.status === 'paused' || c.status === 'restarting';
}
