/**
 * `compose up --dry-run`: the kernel plan of every container `up` would create, in start order,
 * from the same service → create-request mapping `up` uses (engine.ts serviceCreateRequest) and
 * `run --dry-run`'s planContainer. The networks and volumes `up` would create are listed, not
 * made; nothing is created and no image is pulled or built.
 */
import type { RuntimeContext } from '../../context.js';
import { ComposeError, NotFoundError } from '../../errors.js';
import { QuietComposeProgress } from '../../format/compose-progress.js';
import { goJson } from '../../format/gofmt.js';
import { planLayout, type KernelView } from '../../format/kernel.js';
import { renderInspect } from '../../format/output.js';
import { imageName, serviceHash } from '../../compose/containers.js';
import { dependencyOrder } from '../../compose/graph.js';
import { isMapping } from '../../compose/merge.js';
import type { Project } from '../../compose/model.js';
import { projectContainers, type ProjectContainer } from '../../compose/observe.js';
import { resolveImageForRun } from '../../images/resolve.js';
import { NetworkStore } from '../../network/networks.js';
import { volumeStore } from '../../volumes/store.js';
import type { RunFlags } from '../../opts/container.js';
import { planContainer } from '../container/dry-run.js';
import { references, serviceCreateRequest, Session, usedVolumes, volumeNames } from './engine.js';

export interface ComposeDryRun {
  services: string[];
  scale: Record<string, number>;
  format?: string;
  /** --no-start: the containers are only created (their network is set up by start). */
  noStart: boolean;
}

/** What `up` would make besides containers: networks and volumes missing now (external ones must exist). */
async function wouldCreate(
  ctx: RuntimeContext,
  project: Project,
  services: string[],
): Promise<{ networks: Set<string>; volumes: string[] }> {
  const networks = new Set<string>();
  const store = new NetworkStore(ctx, true);
  const keys = new Set(services.flatMap((n) => Object.keys(project.services[n]?.networks ?? {})));
  for (const key of [...keys].sort()) {
    const n = project.networks[key]!;
    try {
      await store.find(n.name);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      if (n.external)
        throw new ComposeError(`network ${n.name} declared as external, but could not be found`);
      networks.add(n.name);
    }
  }
  const declared = isMapping(project.model.volumes) ? project.model.volumes : {};
  const names = volumeNames(project);
  const volumes: string[] = [];
  const vstore = volumeStore(ctx);
  for (const key of [...usedVolumes(project, services)].sort()) {
    const name = names[key] ?? key;
    if (vstore.get(name)) continue;
    const v = declared[key];
    if (isMapping(v) && v.external === true) throw new ComposeError(`external volume "${name}" not found`);
    volumes.push(name);
  }
  return { networks, volumes };
}

/**
 * A container on a network `up` would create first: that network has no subnet yet, so the plan
 * has no network section of its own (the flags' network is set aside, its ports noted).
 */
function offNewNetwork(flags: RunFlags, networks: Set<string>, notes: string[]): RunFlags {
  if (!flags.network || !networks.has(flags.network)) return flags;
  const ports = flags.publish ?? [];
  notes.push(
    `network ${flags.network} would be created by up: its subnet, the container's address, veth and ` +
      `iptables rules${ports.length ? ` (ports ${ports.join(', ')})` : ''} are known once it exists`,
  );
  const rest: RunFlags = { ...flags, network: 'none', publish: [] };
  delete rest.networkAlias;
  delete rest.ip;
  delete rest.macAddress;
  return rest;
}

export async function composeDryRun(ctx: RuntimeContext, project: Project, o: ComposeDryRun): Promise<void> {
  const s = new Session(ctx, project, new QuietComposeProgress());
  const { networks, volumes } = await wouldCreate(ctx, project, o.services);
  for (const n of [...networks]) ctx.stdio.stderr.write(`Network ${n}  Would be created\n`);
  for (const v of volumes) ctx.stdio.stderr.write(`Volume "${v}"  Would be created\n`);
  // Image ids for the config hash label, as up has them; a missing image is planned as run plans it.
  for (const name of o.services) {
    const ref = imageName(project, project.services[name]!);
    if (s.images.has(ref)) continue;
    try {
      s.images.set(ref, (await resolveImageForRun(ctx, ref, { remember: false })).configDigest);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
  const byService = new Map<string, ProjectContainer[]>();
  for (const c of await projectContainers(ctx, project.name))
    if (!c.oneoff) byService.set(c.service, [...(byService.get(c.service) ?? []), c]);

  const views: KernelView[] = [];
  for (const name of dependencyOrder(project, o.services)) {
    const svc = project.services[name]!;
    const scale = o.scale[name] ?? svc.scale;
    const existing = byService.get(name) ?? [];
    for (const c of existing) {
      ctx.stdio.stderr.write(`Container ${c.name}  Exists: up keeps or recreates it, not planned here\n`);
    }
    const refs = references(svc, byService);
    const hash = serviceHash(svc, refs);
    let next = Math.max(0, ...existing.map((c) => c.number)) + 1;
    for (let have = existing.length; have < scale; have++) {
      const { request } = serviceCreateRequest(s, svc, next++, refs, hash, byService);
      const notes: string[] = [];
      const flags = offNewNetwork(request.flags, networks, notes);
      const view = await planContainer(ctx, { ...request, flags, verb: o.noStart ? 'create' : 'run' });
      view.Notes.push(...notes);
      views.push(view);
    }
  }
  if (!o.format) ctx.print(views.map(planLayout).join('\n'));
  else if (o.format === 'json') ctx.print(goJson(views, '    ') + '\n');
  else ctx.print(renderInspect(views, o.format));
}
