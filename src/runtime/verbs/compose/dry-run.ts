/**
 * `compose up --dry-run`: the kernel plan of every container `up` would create, in start order,
 * from the same service → create-request mapping `up` uses (engine.ts serviceCreateRequest) and
 * `run --dry-run`'s planContainer. The networks `up` would create are planned as `network create`
 * would make them (subnet, gateway, bridge, rules) and the containers' endpoints on them in start
 * order, one draft carrying what each plan takes to the next; the volumes are listed. Nothing is
 * created and no image is pulled or built.
 */
import type { RuntimeContext } from '../../context.js';
import { ComposeError, NotFoundError } from '../../errors.js';
import { QuietComposeProgress } from '../../format/compose-progress.js';
import { goJson } from '../../format/gofmt.js';
import { planLayout, type KernelView } from '../../format/kernel.js';
import { renderInspect } from '../../format/output.js';
import { imageName, serviceHash } from '../../compose/containers.js';
import { dependencyOrder, withDependencies } from '../../compose/graph.js';
import { isMapping } from '../../compose/merge.js';
import type { Project } from '../../compose/model.js';
import { projectContainers, type ProjectContainer } from '../../compose/observe.js';
import { resolveImageForRun } from '../../images/resolve.js';
import { previewNetwork } from '../../network/define.js';
import { networkDraft, type NetworkDraft } from '../../network/endpoint.js';
import { volumeStore } from '../../volumes/store.js';
import { planContainer } from '../container/dry-run.js';
import {
  networkCreateOptions,
  projectNetworks,
  references,
  serviceCreateRequest,
  Session,
  usedVolumes,
  volumeNames,
} from './engine.js';

export interface ComposeDryRun {
  services: string[];
  scale: Record<string, number>;
  format?: string;
  /** --no-start: the containers are only created (their network is set up by start). */
  noStart: boolean;
}

/**
 * What `up` would make besides containers: the networks missing now, planned as `network create`
 * would make them (in the order up creates them, each one's subnet chosen with the earlier ones
 * taken), and the volumes missing now (external ones must exist).
 */
async function wouldCreate(
  ctx: RuntimeContext,
  project: Project,
  services: string[],
  draft: NetworkDraft,
): Promise<{ volumes: string[] }> {
  const { missing } = await projectNetworks(ctx, project, services, true);
  for (const n of missing) {
    draft.networks.push(await previewNetwork(ctx, networkCreateOptions(project, n), draft.networks));
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
  return { volumes };
}

export async function composeDryRun(ctx: RuntimeContext, project: Project, o: ComposeDryRun): Promise<void> {
  const s = new Session(ctx, project, new QuietComposeProgress());
  const draft = networkDraft();
  const { volumes } = await wouldCreate(ctx, project, o.services, draft);
  for (const n of draft.networks) {
    const { Subnet, Gateway } = n.IPAM.Config[0]!;
    ctx.stdio.stderr.write(`Network ${n.Name}  Would be created (subnet ${Subnet}, gateway ${Gateway})\n`);
  }
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

  /** fixed: the service asks for its address (ipv4_address). */
  const planned: { service: string; view: KernelView; fixed: boolean }[] = [];
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
      const { request, nets } = serviceCreateRequest(s, svc, next++, refs, hash, byService);
      const view = await planContainer(ctx, { ...request, verb: o.noStart ? 'create' : 'run', draft });
      const further = nets.slice(1).map((key) => project.networks[key]!.name);
      if (further.length) {
        view.Notes.push(`also connected to ${further.join(', ')} (network connect): not part of this plan`);
      }
      planned.push({ service: name, view, fixed: request.flags.ip !== undefined });
    }
  }
  noteSimultaneous(project, planned);
  const views = planned.map((p) => p.view);
  if (!o.format) ctx.print(views.map(planLayout).join('\n'));
  else if (o.format === 'json') ctx.print(goJson(views, '    ') + '\n');
  else ctx.print(renderInspect(views, o.format));
}

/**
 * Up starts a service's replicas, and services with no order between them, at the same time: on a
 * shared network they reach the address allocator in either order, so the plan's addresses (given
 * in the order planned) may come out swapped between them.
 */
function noteSimultaneous(
  project: Project,
  planned: { service: string; view: KernelView; fixed: boolean }[],
): void {
  for (const [i, a] of planned.entries()) {
    for (const b of planned.slice(i + 1)) {
      if (a.fixed || b.fixed || !a.view.Network.IPAddress) continue;
      if (a.view.Network.NetworkId !== b.view.Network.NetworkId) continue;
      if (a.service !== b.service && withDependencies(project, [b.service]).includes(a.service)) continue;
      const note = (other: KernelView) =>
        `${other.Container.Name} starts at the same time on ${a.view.Network.Mode}: ` +
        "the two may get each other's address";
      a.view.Notes.push(note(b.view));
      b.view.Notes.push(note(a.view));
    }
  }
}
