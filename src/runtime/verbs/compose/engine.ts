/**
 * The compose engine: a project's networks, images and containers brought to what its files say,
 * as docker compose's convergence does it, through the verbs every other command uses (create,
 * start, stop, rm, network create/rm, pull) — never a subprocess of tsdock.
 *
 * Containers carry a config hash (compose/containers.ts): a container whose hash still matches its
 * service is kept; one that differs is recreated; a service sharing a recreated container's
 * namespace is recreated after it, and dependents marked `restart: true` are restarted. Services
 * are worked on in dependency order, independent ones at the same time; stopping goes the other
 * way. Every step reports progress as docker compose does (`Container p-web-1  Created`).
 */
import type { RuntimeContext } from '../../context.js';
import { ComposeError, NotFoundError, TsdockError } from '../../errors.js';
import {
  PlainComposeProgress,
  type ComposeProgress,
  type EventStatus,
} from '../../format/compose-progress.js';
import {
  composeLabels,
  containerName,
  imageName,
  LABEL,
  COMPOSE_VERSION,
  serviceHash,
  serviceRunFlags,
} from '../../compose/containers.js';
import { dependencyOrder, dependents } from '../../compose/graph.js';
import { isMapping, scalarText } from '../../compose/merge.js';
import { toMappingWithEquals } from '../../compose/canonical.js';
import { isAbsolute, join } from 'node:path';
import type { NetworkConfig, Project, Service } from '../../compose/model.js';
import { isRunning, projectContainers, type ProjectContainer } from '../../compose/observe.js';
import { createContainer } from '../container/create.js';
import { removeContainer } from '../../container/remove.js';
import { startContainer } from '../../container/start.js';
import { stopContainer } from '../../container/stop.js';
import { findContainer, getTask } from '../../container/store.js';
import { NetworkStore } from '../../network/networks.js';
import { createNetwork, type NetworkCreateOptions } from '../network/create.js';
import { networkConnect } from '../network/connect.js';
import { removeNetwork } from '../network/rm.js';
import { resolveImageForRun } from '../../images/resolve.js';
import { probeCommand, type HealthConfig } from '../../opts/health.js';
import { recordVolumeEvent } from '../../events/record.js';
import { volumeStore } from '../../volumes/store.js';
import { isAnonymous, readContainerMounts } from '../../volumes/usage.js';
import { removeVolume } from '../../volumes/remove.js';
import type { RunFlags } from '../../opts/container.js';
import { warn } from './project.js';

export type RecreatePolicy = 'diverged' | 'force' | 'never';

/** One compose operation: the project, the progress display, a context whose verbs print nothing. */
export class Session {
  /** For the verbs called on the user's behalf: their own output (ids, names) is not compose's. */
  readonly quiet: RuntimeContext;
  /** Image ids found or pulled, by reference. */
  readonly images = new Map<string, string>();

  constructor(
    readonly ctx: RuntimeContext,
    readonly project: Project,
    readonly progress: ComposeProgress,
  ) {
    const sink = { write: () => true } as unknown as NodeJS.WritableStream;
    this.quiet = ctx.withStdio({ stdout: sink });
  }

  event(id: string, status: EventStatus, text: string, details?: string): void {
    this.progress.on({ id, status, text, ...(details ? { details } : {}) });
  }

  container(name: string, status: EventStatus, text: string, details?: string): void {
    this.event(`Container ${name}`, status, text, details);
  }
}

/**
 * docker compose reports every failure with its message and exits 1: errors of the verbs it calls
 * (a port taken, 125 from `create`) keep their text and take compose's status.
 */
export function asComposeFailure(err: unknown): unknown {
  if (err instanceof TsdockError && err.exitCode !== 1 && err.message) {
    return new ComposeError(err.message.replace(/^tsdock: /, ''), { cause: err });
  }
  return err;
}

/** Runs `fn` for each service once the services it depends on are done with theirs. */
export async function inDependencyOrder(
  project: Project,
  services: string[],
  fn: (name: string) => Promise<void>,
  reverse = false,
): Promise<void> {
  const wanted = new Set(services);
  const order = dependencyOrder(project, services);
  const done = new Map<string, Promise<void>>();
  const before = (name: string): string[] =>
    reverse
      ? dependents(project, name, services).filter((d) => wanted.has(d))
      : Object.keys(project.services[name]?.dependsOn ?? {}).filter((d) => wanted.has(d));
  const run = (name: string): Promise<void> => {
    let p = done.get(name);
    if (!p) {
      p = Promise.all(before(name).map(run)).then(() => fn(name));
      done.set(name, p);
    }
    return p;
  };
  // Every branch settles before the first error is reported: nothing is left running behind it.
  const results = await Promise.allSettled((reverse ? [...order].reverse() : order).map(run));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

// ---------------------------------------------------------------------------------------------
// networks

function networkLabels(project: Project, n: NetworkConfig): string[] {
  const labels = Object.entries(isMapping(n.raw.labels) ? n.raw.labels : {}).map(
    ([k, v]) => `${k}=${scalarText(v)}`,
  );
  for (const l of Array.isArray(n.raw.labels) ? n.raw.labels : []) labels.push(String(l));
  return [
    ...labels,
    `${LABEL.network}=${n.key}`,
    `${LABEL.project}=${project.name}`,
    `${LABEL.version}=${COMPOSE_VERSION}`,
  ];
}

/**
 * The networks the services use, checked as up checks them (an external one must exist, an
 * existing one must be the project's); `missing` are the ones up creates, in the order it does.
 */
export async function projectNetworks(
  ctx: RuntimeContext,
  project: Project,
  services: string[],
  /** A dry run's: nothing written, not even the predefined networks' records. */
  readOnly = false,
): Promise<{ missing: NetworkConfig[] }> {
  const used = new Set<string>();
  for (const name of services)
    for (const n of Object.keys(project.services[name]?.networks ?? {})) used.add(n);
  const store = new NetworkStore(ctx, readOnly);
  const missing: NetworkConfig[] = [];
  for (const key of [...used].sort()) {
    const n = project.networks[key]!;
    let existing;
    try {
      existing = await store.find(n.name);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
    if (n.external) {
      if (!existing) throw new ComposeError(`network ${n.name} declared as external, but could not be found`);
      continue;
    }
    if (existing) {
      const labels = existing.Labels ?? {};
      if (labels[LABEL.project] !== project.name || labels[LABEL.network] !== key) {
        throw new ComposeError(
          `network ${n.name} was found but has incorrect label ${LABEL.network} set to ${JSON.stringify(labels[LABEL.network] ?? '')} (expected: ${JSON.stringify(key)})`,
        );
      }
      continue;
    }
    missing.push(n);
  }
  return { missing };
}

/** `network create`'s options for a compose network: its driver, ipam config, options and labels. */
export function networkCreateOptions(project: Project, n: NetworkConfig): NetworkCreateOptions {
  const ipam = isMapping(n.raw.ipam) ? n.raw.ipam : {};
  const config = Array.isArray(ipam.config) && isMapping(ipam.config[0]) ? ipam.config[0] : {};
  const opt = (v: unknown) => (v === undefined ? [] : [String(v)]);
  return {
    name: n.name,
    driver: typeof n.raw.driver === 'string' ? n.raw.driver : 'bridge',
    subnet: opt(config.subnet),
    gateway: opt(config.gateway),
    ipRange: opt(config.ip_range),
    internal: n.raw.internal === true,
    labels: networkLabels(project, n),
    options: Object.entries(isMapping(n.raw.driver_opts) ? n.raw.driver_opts : {}).map(
      ([k, v]) => `${k}=${scalarText(v)}`,
    ),
    ipv6: n.raw.enable_ipv6 === true,
  };
}

/** The networks the services use, created if missing (external ones must exist). */
export async function ensureNetworks(s: Session, services: string[]): Promise<void> {
  const { missing } = await projectNetworks(s.ctx, s.project, services);
  for (const n of missing) {
    s.event(`Network ${n.name}`, 'working', 'Creating');
    await createNetwork(s.quiet, networkCreateOptions(s.project, n));
    s.event(`Network ${n.name}`, 'done', 'Created');
  }
}

/** The project's own networks (labelled with it), removed once nothing uses them. */
export async function removeProjectNetworks(s: Session, projectName: string): Promise<void> {
  const store = new NetworkStore(s.ctx);
  const external = new Set(
    Object.values(s.project.networks)
      .filter((n) => n.external)
      .map((n) => n.name),
  );
  const nets = (await store.list()).filter(
    (n) => (n.Labels ?? {})[LABEL.project] === projectName && !external.has(n.Name),
  );
  for (const n of nets) {
    s.event(`Network ${n.Name}`, 'working', 'Removing');
    try {
      await removeNetwork(s.quiet, n.Name);
      s.event(`Network ${n.Name}`, 'done', 'Removed');
    } catch (err) {
      s.event(`Network ${n.Name}`, 'error', 'Error', (err as Error).message);
      throw err;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// volumes

/** Top-level volume key → the engine's name. */
export function volumeNames(project: Project): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(isMapping(project.model.volumes) ? project.model.volumes : {}))
    out[key] = isMapping(v) && typeof v.name === 'string' ? v.name : `${project.name}_${key}`;
  return out;
}

export function usedVolumes(project: Project, services: string[]): Set<string> {
  const used = new Set<string>();
  for (const name of services) {
    const raw = project.services[name]?.raw.volumes;
    for (const v of Array.isArray(raw) ? raw : [])
      if (isMapping(v) && (v.type ?? 'volume') === 'volume' && typeof v.source === 'string' && v.source)
        used.add(v.source);
  }
  return used;
}

/**
 * compose's ensureProjectVolumes for the volumes the services use: an external one must exist;
 * one that exists is used (with compose's warning when another project, or no compose, made it);
 * a missing one is created with the project's labels, its driver options and its own labels.
 */
export async function ensureVolumes(s: Session, services: string[]): Promise<void> {
  const declared = isMapping(s.project.model.volumes) ? s.project.model.volumes : {};
  const names = volumeNames(s.project);
  const store = volumeStore(s.ctx);
  for (const key of [...usedVolumes(s.project, services)].sort()) {
    const v = isMapping(declared[key]) ? declared[key] : {};
    const name = names[key] ?? key;
    const existing = store.get(name);
    if (v.external === true) {
      if (!existing) throw new ComposeError(`external volume "${name}" not found`);
      continue;
    }
    if (existing) {
      const owner = existing.Labels?.[LABEL.project];
      if (owner === undefined)
        warn(
          s.ctx,
          `volume "${name}" already exists but was not created by Docker Compose. Use \`external: true\` to use an existing volume`,
        );
      else if (owner !== s.project.name)
        warn(
          s.ctx,
          `volume "${name}" already exists but was created for project "${owner}" (expected "${s.project.name}"). Use \`external: true\` to use an existing volume`,
        );
      continue;
    }
    const labels: Record<string, string> = {};
    if (isMapping(v.labels)) for (const [k, x] of Object.entries(v.labels)) labels[k] = scalarText(x);
    for (const l of Array.isArray(v.labels) ? v.labels : []) {
      const [k = '', ...rest] = String(l).split('=');
      labels[k] = rest.join('=');
    }
    labels[LABEL.volume] = key;
    labels[LABEL.project] = s.project.name;
    labels[LABEL.version] = COMPOSE_VERSION;
    const options: Record<string, string> = {};
    if (isMapping(v.driver_opts))
      for (const [k, x] of Object.entries(v.driver_opts)) options[k] = scalarText(x);
    s.event(`Volume "${name}"`, 'working', 'Creating');
    try {
      const { volume, created } = await store.locked(async () =>
        store.create(name, {
          ...(typeof v.driver === 'string' ? { driver: v.driver } : {}),
          labels,
          options,
        }),
      );
      if (created) await recordVolumeEvent(s.ctx, volume.Name, 'create', { driver: volume.Driver });
    } catch (err) {
      s.event(`Volume "${name}"`, 'error', 'Error', (err as Error).message);
      throw err;
    }
    s.event(`Volume "${name}"`, 'done', 'Created');
  }
}

/**
 * `down -v`: the project's own volumes (labelled with it; external ones never). One a container of
 * another project still uses stays, with compose's warning.
 */
export async function removeProjectVolumes(s: Session, projectName: string): Promise<void> {
  const declared = isMapping(s.project.model.volumes) ? s.project.model.volumes : {};
  const external = new Set(
    Object.entries(volumeNames(s.project))
      .filter(([key]) => isMapping(declared[key]) && declared[key].external === true)
      .map(([, name]) => name),
  );
  const mine = volumeStore(s.ctx)
    .list()
    .filter((v) => v.Labels?.[LABEL.project] === projectName && !external.has(v.Name));
  for (const v of mine) {
    const id = `Volume ${v.Name}`;
    s.event(id, 'working', 'Removing');
    try {
      await removeVolume(s.ctx, v.Name, true);
      s.event(id, 'done', 'Removed');
    } catch (err) {
      if (!(err instanceof TsdockError) || !/volume is in use/.test(err.message)) throw err;
      s.event(id, 'warning', 'Resource is still in use');
    }
  }
}

// ---------------------------------------------------------------------------------------------
// images

/** The services' images, pulled where the pull policy (or --pull) asks; their ids remembered. */
export async function ensureImages(
  s: Session,
  services: string[],
  pull?: 'always' | 'missing' | 'never',
): Promise<void> {
  const refs = new Map<string, 'always' | 'missing' | 'never'>();
  for (const name of services) {
    const svc = s.project.services[name]!;
    // Built images come from buildImages; the others are pulled as their policy says.
    if (!svc.image || svc.raw.build !== undefined) continue;
    const policy = pull ?? (svc.pullPolicy === 'build' ? 'missing' : svc.pullPolicy);
    const prev = refs.get(svc.image);
    refs.set(
      svc.image,
      prev === 'always' || policy === 'always'
        ? 'always'
        : prev === 'missing' || policy === 'missing'
          ? 'missing'
          : 'never',
    );
  }
  await Promise.all(
    [...refs].map(async ([ref, policy]) => {
      if (policy !== 'always') {
        try {
          s.images.set(ref, (await resolveImageForRun(s.ctx, ref)).configDigest);
          return;
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
          if (policy === 'never') throw new ComposeError(`Error response from daemon: No such image: ${ref}`);
        }
      }
      await pullOne(s, ref);
    }),
  );
}

export async function pullOne(s: Session, ref: string): Promise<void> {
  const { pullImage } = await import('../../registry/pull.js');
  const { withProgress } = await import('../image/pull.js');
  s.event(`Image ${ref}`, 'working', 'Pulling');
  try {
    // pull's own plumbing (daemon-style errors, HTTP agents closed), its progress kept quiet:
    // compose shows one line per image.
    await withProgress(s.ctx.stdio.stderr, true, (progress) => pullImage(s.quiet, ref, { progress }));
  } catch (err) {
    s.event(`Image ${ref}`, 'error', 'Error', (err as Error).message);
    throw err;
  }
  s.images.set(ref, (await resolveImageForRun(s.ctx, ref)).configDigest);
  s.event(`Image ${ref}`, 'done', 'Pulled');
}

// ---------------------------------------------------------------------------------------------
// containers

async function found(s: Session, c: { id: string }) {
  return findContainer(s.ctx, c.id);
}

export async function stopOne(s: Session, c: ProjectContainer, timeout?: number): Promise<void> {
  s.container(c.name, 'working', 'Stopping');
  await stopContainer(s.quiet, await found(s, c), timeout === undefined ? {} : { timeout });
  s.container(c.name, 'done', 'Stopped');
}

export async function removeOne(s: Session, c: ProjectContainer, volumes = false): Promise<void> {
  s.container(c.name, 'working', 'Removing');
  try {
    await removeContainer(s.quiet, await found(s, c), { force: true, volumes });
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  s.container(c.name, 'done', 'Removed');
}

export async function startOne(s: Session, c: { id: string; name: string }): Promise<void> {
  s.container(c.name, 'working', 'Starting');
  try {
    await startContainer(s.quiet, await found(s, c), { stdin: false });
  } catch (err) {
    s.container(c.name, 'error', 'Error', (err as Error).message);
    throw err;
  }
  s.container(c.name, 'done', 'Started');
}

/** The first container of each service a `service:x` reference names (network_mode, ipc, pid). */
export function references(svc: Service, byService: Map<string, ProjectContainer[]>): Record<string, string> {
  const refs: Record<string, string> = {};
  for (const mode of serviceModes(svc)) {
    if (!mode.startsWith('service:')) continue;
    const target = mode.slice('service:'.length);
    const first = (byService.get(target) ?? []).sort((a, b) => a.number - b.number)[0];
    if (first) refs[target] = first.id;
  }
  return refs;
}

function serviceModes(svc: Service): string[] {
  return [svc.networkMode, svc.raw.ipc, svc.raw.pid].filter((m): m is string => typeof m === 'string');
}

/** A `service:x` namespace mode as run's `container:<id>`; the service's container must exist. */
function resolveMode(
  mode: string | undefined,
  refs: Record<string, string>,
  what: string,
): string | undefined {
  if (mode === undefined || !mode.startsWith('service:')) return mode;
  const target = mode.slice('service:'.length);
  const id = refs[target];
  if (!id) throw new ComposeError(`cannot share ${what} namespace with service ${target}: container missing`);
  return `container:${id}`;
}

/**
 * compose's getLinks: each container of a linked service under the link's name and (a quirk kept
 * from compose) `<service>-<n>`/`<project>-<service>-<n>` with the linking container's number;
 * for a one-off (`compose run`) container, also each container of its own service, under the
 * service's name, its name without the project prefix and its full name; external_links as they
 * are written.
 */
function linksOf(
  project: Project,
  svc: Service,
  number: number,
  byService: Map<string, ProjectContainer[]>,
  oneOff = false,
): string[] {
  const links: string[] = [];
  for (const raw of Array.isArray(svc.raw.links) ? svc.raw.links.map(String) : []) {
    const [service = raw, alias = service] = raw.split(':');
    for (const c of byService.get(service) ?? []) {
      links.push(
        `${c.name}:${alias}`,
        `${c.name}:${service}-${number}`,
        `${c.name}:${project.name}-${service}-${number}`,
      );
    }
  }
  if (oneOff) {
    for (const c of byService.get(svc.name) ?? []) {
      const short = c.name.startsWith(`${project.name}-`) ? c.name.slice(project.name.length + 1) : c.name;
      links.push(`${c.name}:${svc.name}`, `${c.name}:${short}`, `${c.name}:${c.name}`);
    }
  }
  for (const raw of Array.isArray(svc.raw.external_links) ? svc.raw.external_links.map(String) : []) {
    const [name = raw, alias = name] = raw.split(':');
    links.push(`${name}:${alias}`);
  }
  return links;
}

/** volumes_from: `service[:mode]` as that service's first container, `container:name[:mode]` as the name. */
function volumesFromOf(svc: Service, byService: Map<string, ProjectContainer[]>): string[] {
  return (Array.isArray(svc.raw.volumes_from) ? svc.raw.volumes_from.map(String) : []).map((ref) => {
    if (ref.startsWith('container:')) return ref.slice('container:'.length);
    const [service = ref, ...mode] = ref.split(':');
    const first = [...(byService.get(service) ?? [])].sort((a, b) => a.number - b.number)[0];
    if (!first) throw new ComposeError(`cannot share volume with service ${service}: container missing`);
    return [first.name, ...mode].join(':');
  });
}

/** What a one-off container of `svc` takes from the project's containers (compose run). */
export async function oneOffReferences(
  s: Session,
  svc: Service,
): Promise<{ networkMode?: string; ipc?: string; pid?: string; links: string[]; volumesFrom: string[] }> {
  const byService = new Map<string, ProjectContainer[]>();
  for (const c of await projectContainers(s.ctx, s.project.name))
    if (!c.oneoff) byService.set(c.service, [...(byService.get(c.service) ?? []), c]);
  const refs = references(svc, byService);
  const networkMode = resolveMode(svc.networkMode, refs, 'network');
  const ipc = resolveMode(typeof svc.raw.ipc === 'string' ? svc.raw.ipc : undefined, refs, 'IPC');
  const pid = resolveMode(typeof svc.raw.pid === 'string' ? svc.raw.pid : undefined, refs, 'PID');
  return {
    ...(networkMode !== undefined ? { networkMode } : {}),
    ...(ipc !== undefined ? { ipc } : {}),
    ...(pid !== undefined ? { pid } : {}),
    links: linksOf(s.project, svc, 1, byService, true),
    volumesFrom: volumesFromOf(svc, byService),
  };
}

export interface CreateOptions {
  /** Containers of these services follow `recreate`; the others (dependencies) `recreateDeps`. */
  targeted: string[];
  recreate: RecreatePolicy;
  recreateDeps: RecreatePolicy;
  /** --scale svc=n, over deploy.replicas/scale. */
  scale: Record<string, number>;
  /** -V: recreated containers get new anonymous volumes instead of their predecessors'. */
  renewAnonVolumes?: boolean;
  timeout?: number;
}

/**
 * One container of a service as `tsdock create` is asked for it: the mapping `createOne` uses and
 * the dry run plans with, so that both show the same container.
 */
export function serviceCreateRequest(
  s: Session,
  svc: Service,
  number: number,
  refs: Record<string, string>,
  hash: string,
  byService: Map<string, ProjectContainer[]>,
  /** The anonymous volumes of the container this one replaces, target → name. */
  inherited: Record<string, string> = {},
): { name: string; nets: string[]; request: { image: string; command: string[]; flags: RunFlags } } {
  const name = containerName(s.project, svc, number);
  const nets = Object.keys(svc.networks).sort();
  const first = nets[0];
  const networkMode = resolveMode(svc.networkMode, refs, 'network');
  const ipc = resolveMode(typeof svc.raw.ipc === 'string' ? svc.raw.ipc : undefined, refs, 'IPC');
  const pid = resolveMode(typeof svc.raw.pid === 'string' ? svc.raw.pid : undefined, refs, 'PID');
  const imageId = s.images.get(imageName(s.project, svc));
  const flags = serviceRunFlags(svc, {
    workingDir: s.project.workingDir,
    name,
    labels: composeLabels(s.project, svc, number, { hash, ...(imageId ? { imageId } : {}) }),
    ...(first && networkMode === undefined
      ? {
          network: {
            name: s.project.networks[first]!.name,
            aliases: aliasesOf(svc, first),
            ...(svc.networks[first]!.ipv4_address ? { ip: svc.networks[first]!.ipv4_address } : {}),
            ...(svc.networks[first]!.mac_address ? { mac: svc.networks[first]!.mac_address } : {}),
          },
        }
      : {}),
    ...(networkMode !== undefined ? { networkMode } : {}),
    ...(ipc !== undefined ? { ipc } : {}),
    ...(pid !== undefined ? { pid } : {}),
    links: linksOf(s.project, svc, number, byService),
    volumeNames: volumeNames(s.project),
    volumesFrom: volumesFromOf(svc, byService),
    inherited,
  });
  return { name, nets, request: { image: imageName(s.project, svc), command: svc.command ?? [], flags } };
}

function aliasesOf(svc: Service, key: string): string[] {
  return [svc.name, ...(svc.networks[key]?.aliases ?? [])];
}

async function createOne(
  s: Session,
  svc: Service,
  number: number,
  refs: Record<string, string>,
  hash: string,
  byService: Map<string, ProjectContainer[]>,
  /** false inside a recreate, which reports Recreate/Recreated instead. */
  report = true,
  /** The anonymous volumes of the container this one replaces, target → name. */
  inherited: Record<string, string> = {},
): Promise<ProjectContainer> {
  const { name, nets, request } = serviceCreateRequest(s, svc, number, refs, hash, byService, inherited);
  const imageId = s.images.get(imageName(s.project, svc));
  if (report) s.container(name, 'working', 'Creating');
  let created;
  try {
    created = await createContainer(s.quiet, request);
    for (const key of nets.slice(1)) {
      const n = svc.networks[key]!;
      await networkConnect(s.quiet, s.project.networks[key]!.name, created.id, {
        aliases: aliasesOf(svc, key),
        ...(n.ipv4_address ? { ip: n.ipv4_address } : {}),
      });
    }
  } catch (err) {
    s.container(name, 'error', 'Error', (err as Error).message);
    if (created) await removeContainer(s.quiet, created, { force: true }).catch(() => undefined);
    throw err;
  }
  if (report) s.container(name, 'done', 'Created');
  return {
    id: created.id,
    name,
    service: svc.name,
    number,
    oneoff: false,
    hash,
    imageId: imageId ?? '',
    labels: {},
    status: 'created',
  };
}

/**
 * `create` (and the first half of `up`): every service's containers made to match its config —
 * kept, recreated, added or removed to its scale — in dependency order. Nothing is started.
 */
export async function createServices(s: Session, services: string[], o: CreateOptions): Promise<void> {
  const observed = await projectContainers(s.ctx, s.project.name);
  const byService = new Map<string, ProjectContainer[]>();
  for (const c of observed) if (!c.oneoff) byService.set(c.service, [...(byService.get(c.service) ?? []), c]);
  const recreated = new Set<string>();
  await inDependencyOrder(s.project, services, async (name) => {
    const svc = s.project.services[name]!;
    const scale = o.scale[name] ?? svc.scale;
    if (svc.containerName && scale > 1) {
      throw new ComposeError(
        `WARNING: The ${JSON.stringify(name)} service is using the custom container name ${JSON.stringify(svc.containerName)}. Docker requires each container to have a unique name. Remove the custom name to scale the service`,
      );
    }
    const refs = references(svc, byService);
    const hash = serviceHash(svc, refs);
    const imageId = s.images.get(imageName(s.project, svc));
    const policy = o.targeted.length === 0 || o.targeted.includes(name) ? o.recreate : o.recreateDeps;
    const parentRecreated = serviceModes(svc).some(
      (m) => m.startsWith('service:') && recreated.has(m.slice('service:'.length)),
    );
    const mustRecreate = (c: ProjectContainer) => {
      if (policy === 'never') return false;
      if (policy === 'force' || parentRecreated) return true;
      return c.hash !== hash || (imageId !== undefined && c.imageId !== '' && c.imageId !== imageId);
    };
    const existing = [...(byService.get(name) ?? [])];
    // Up-to-date containers first, lowest numbers first: scaling down removes the rest.
    existing.sort((a, b) => Number(mustRecreate(a)) - Number(mustRecreate(b)) || a.number - b.number);
    const kept: ProjectContainer[] = [];
    for (const [i, c] of existing.entries()) {
      if (i >= scale) {
        await stopOne(s, c, o.timeout);
        await removeOne(s, c);
        continue;
      }
      if (mustRecreate(c)) {
        await stopRestartingDependents(s, name, services, byService, o.timeout);
        s.container(c.name, 'working', 'Recreate');
        await stopContainer(
          s.quiet,
          await found(s, c),
          o.timeout === undefined ? {} : { timeout: o.timeout },
        );
        const replaced = await found(s, c);
        // compose keeps the data of anonymous volumes across a recreation (unless -V).
        const inherited = o.renewAnonVolumes
          ? {}
          : Object.fromEntries(
              readContainerMounts(replaced.files.dir)
                .filter(isAnonymous)
                .map((m) => [m.Destination, m.Name]),
            );
        await removeContainer(s.quiet, replaced, { force: true });
        const fresh = await createOne(s, svc, c.number, refs, hash, byService, false, inherited);
        s.container(c.name, 'done', 'Recreated');
        recreated.add(name);
        kept.push(fresh);
        continue;
      }
      if (isRunning(c)) s.container(c.name, 'done', 'Running');
      kept.push(c);
    }
    let next = Math.max(0, ...existing.map((c) => c.number)) + 1;
    while (kept.length < scale) kept.push(await createOne(s, svc, next++, refs, hash, byService));
    byService.set(name, kept);
  });
}

/** depends_on with `restart: true`: dependents are stopped before their dependency is recreated. */
async function stopRestartingDependents(
  s: Session,
  service: string,
  among: string[],
  byService: Map<string, ProjectContainer[]>,
  timeout?: number,
): Promise<void> {
  for (const dep of among) {
    if (!s.project.services[dep]?.dependsOn[service]?.restart) continue;
    for (const c of byService.get(dep) ?? []) {
      if (isRunning(c)) {
        await stopOne(s, c, timeout);
        c.status = 'exited';
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// starting and waiting

async function exitCodeOf(s: Session, c: ProjectContainer): Promise<number | undefined> {
  const f = await found(s, c);
  const client = await s.ctx.client();
  const task = await getTask(client, c.id);
  if (task && task.status !== 'STOPPED') return undefined;
  if (task?.status === 'STOPPED') return task.exitStatus;
  const state = await f.files.readState();
  return state.status === 'exited' || state.status === 'dead' ? state.exitCode : undefined;
}

/**
 * compose's isServiceHealthy: every container healthy by its own healthcheck (State.Health, kept
 * by the container's monitor); an exited one, one without a healthcheck or an unhealthy one fails.
 */
export async function isHealthy(
  s: Session,
  containers: ProjectContainer[],
  /** `up --wait`: a container without a healthcheck counts once it runs. */
  fallbackRunning = false,
): Promise<boolean> {
  for (const c of containers) {
    const f = await found(s, c);
    const state = await f.files.readState();
    if (state.status === 'exited' || state.status === 'dead')
      throw new Error(`container ${c.name} exited (${state.exitCode})`);
    const check = f.record.config.Healthcheck as HealthConfig | undefined;
    if (!probeCommand(check, undefined)) {
      if (fallbackRunning) {
        if (state.status !== 'running') return false;
        continue;
      }
      throw new Error(`container ${c.name} has no healthcheck configured`);
    }
    // The monitor sets the health state once the started container's schedule begins.
    if (!state.health) return false;
    if (state.health.status === 'unhealthy') throw new Error(`container ${c.name} is unhealthy`);
    if (state.health.status !== 'healthy') return false;
  }
  return true;
}

/** depends_on conditions beyond service_started (which dependency order already gives). */
async function waitForDependencies(
  s: Session,
  name: string,
  byService: Map<string, ProjectContainer[]>,
  timeoutMs?: number,
): Promise<void> {
  const svc = s.project.services[name]!;
  const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
  await Promise.all(
    Object.entries(svc.dependsOn).map(async ([dep, cfg]) => {
      if (cfg.condition === 'service_started') return;
      const target = s.project.services[dep];
      if (!target || target.scale === 0) return;
      const containers = byService.get(dep) ?? [];
      if (containers.length === 0) {
        if (cfg.required) throw new ComposeError(`${name} is missing dependency ${dep}`);
        warn(s.ctx, `${name} is missing dependency ${dep}`);
        return;
      }
      for (const c of containers) s.container(c.name, 'working', 'Waiting');
      if (cfg.condition === 'service_healthy') {
        for (;;) {
          let healthy: boolean;
          try {
            healthy = await isHealthy(s, containers);
          } catch (err) {
            if (!cfg.required) {
              for (const x of containers)
                s.container(x.name, 'warning', `Skipped: optional dependency "${dep}" is not healthy`);
              warn(s.ctx, `optional dependency "${dep}" is not healthy: ${(err as Error).message}`);
              return;
            }
            for (const x of containers) s.container(x.name, 'error', 'Error');
            throw new ComposeError(`dependency failed to start: ${(err as Error).message}`);
          }
          if (healthy) {
            for (const x of containers) s.container(x.name, 'done', 'Healthy');
            return;
          }
          if (Date.now() > deadline) throw new ComposeError('timeout waiting for dependencies');
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      for (;;) {
        for (const c of containers) {
          const code = await exitCodeOf(s, c);
          if (code === undefined) continue;
          if (code === 0) {
            for (const x of containers) s.container(x.name, 'done', 'Exited');
            return;
          }
          const suffix = `${JSON.stringify(dep)} didn't complete successfully: exit ${code}`;
          if (!cfg.required) {
            for (const x of containers)
              s.container(x.name, 'warning', `Skipped: optional dependency ${suffix}`);
            warn(s.ctx, `optional dependency ${suffix}`);
            return;
          }
          for (const x of containers) s.container(x.name, 'error', 'Error', `service ${suffix}`);
          throw new ComposeError(`service ${suffix}`);
        }
        if (Date.now() > deadline) throw new ComposeError('timeout waiting for dependencies');
        await new Promise((r) => setTimeout(r, 200));
      }
    }),
  );
}

export interface StartOptions {
  /** Dependency conditions are waited for at most this long. */
  timeoutMs?: number;
  /** Services whose dependencies are not waited for (`--no-deps`). */
  noDeps?: boolean;
}

/** `start` (and the second half of `up`): containers started in dependency order, conditions waited for. */
export async function startServices(
  s: Session,
  services: string[],
  o: StartOptions = {},
): Promise<ProjectContainer[]> {
  const observed = await projectContainers(s.ctx, s.project.name);
  const byService = new Map<string, ProjectContainer[]>();
  for (const c of observed) if (!c.oneoff) byService.set(c.service, [...(byService.get(c.service) ?? []), c]);
  await inDependencyOrder(s.project, services, async (name) => {
    if (!o.noDeps) await waitForDependencies(s, name, byService, o.timeoutMs);
    const containers = byService.get(name) ?? [];
    if (containers.length === 0 && (s.project.services[name]?.scale ?? 1) > 0) {
      throw new ComposeError(`service ${JSON.stringify(name)} has no container to start`);
    }
    await Promise.all(containers.filter((c) => !isRunning(c)).map((c) => startOne(s, c)));
  });
  return observed.filter((c) => services.includes(c.service) && !c.oneoff);
}

/** Containers stopped dependents first (the reverse of start order). */
export async function stopServices(
  s: Session,
  containers: ProjectContainer[],
  timeout?: number,
): Promise<void> {
  const services = [...new Set(containers.map((c) => c.service))];
  const inProject = services.filter((n) => n in s.project.services);
  const others = containers.filter((c) => !(c.service in s.project.services));
  await inDependencyOrder(
    s.project,
    inProject,
    async (name) => {
      await Promise.all(
        containers.filter((c) => c.service === name && isRunning(c)).map((c) => stopOne(s, c, timeout)),
      );
    },
    true,
  );
  await Promise.all(others.filter(isRunning).map((c) => stopOne(s, c, timeout)));
}

/** Orphans: containers of the project whose service is no longer in its files. */
export function orphansOf(project: Project, containers: ProjectContainer[]): ProjectContainer[] {
  return containers.filter(
    (c) => !c.oneoff && !(c.service in project.services) && !(c.service in project.disabledServices),
  );
}

export function warnOrphans(s: Session, orphans: ProjectContainer[]): void {
  if (orphans.length === 0) return;
  warn(
    s.ctx,
    `Found orphan containers ([${orphans.map((c) => c.name).join(' ')}]) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.`,
  );
}

/**
 * The containers of the named services (all when none is named), one-off ones only with `oneoff`;
 * an unknown service is compose's `no such service`.
 */
export async function serviceContainers(
  ctx: RuntimeContext,
  project: Project,
  services: string[],
  o: { oneoff?: boolean; orphans?: boolean } = {},
): Promise<ProjectContainer[]> {
  const known = (n: string) => n in project.services || n in project.disabledServices;
  if (project.configFiles.length > 0) {
    for (const n of services) if (!known(n)) throw new ComposeError(`no such service: ${n}`);
  }
  const all = await projectContainers(ctx, project.name);
  return all.filter((c) => {
    if (c.oneoff && !o.oneoff) return false;
    if (services.length > 0) return services.includes(c.service);
    return o.orphans !== false || project.configFiles.length === 0 || known(c.service);
  });
}

/** A service's container by its number (`--index`, default 1), running or not. */
export async function indexedContainer(
  ctx: RuntimeContext,
  project: Project,
  service: string,
  index = 1,
): Promise<ProjectContainer> {
  const containers = await serviceContainers(ctx, project, [service]);
  const c = containers.find((x) => x.number === index) ?? (index === 1 ? containers[0] : undefined);
  if (!c) {
    throw new ComposeError(
      index === 1
        ? `service ${JSON.stringify(service)} is not running`
        : `service "${service}" is not running container #${index}`,
    );
  }
  return c;
}

export interface BuildOptions {
  /** auto: build what is missing (or has pull_policy: build); always: --build; never: --no-build. */
  mode: 'auto' | 'always' | 'never';
  noCache?: boolean;
  pull?: boolean;
  quiet?: boolean;
  /** Extra --build-arg values over the services' build.args. */
  buildArgs?: string[];
  progress: 'auto' | 'tty' | 'plain' | 'quiet';
}

/**
 * The images of services with a `build` section, built with `tsdock build` itself (its BuildKit
 * progress on stderr) and named as compose names them; their ids are remembered for the config
 * hash's image check. Runs before the containers' progress view, as docker compose builds first.
 */
export async function buildImages(
  ctx: RuntimeContext,
  project: Project,
  services: string[],
  o: BuildOptions,
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const progress = new PlainComposeProgress(ctx.stdio.stderr);
  const seen = new Set<string>();
  for (const name of services) {
    const svc = project.services[name]!;
    const build = svc.raw.build;
    if (!isMapping(build)) continue;
    const ref = imageName(project, svc);
    if (seen.has(ref)) continue;
    seen.add(ref);
    if (o.mode !== 'always' && svc.pullPolicy !== 'build') {
      try {
        ids.set(ref, (await resolveImageForRun(ctx, ref)).configDigest);
        continue;
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
        if (o.mode === 'never') throw new ComposeError(`Error response from daemon: No such image: ${ref}`);
      }
    }
    if (o.mode === 'never') continue;
    const { buildImage } = await import('../image/build.js');
    const context = String(build.context ?? '.');
    const args = Object.entries(toMappingWithEquals(build.args)).map(([k, v]) =>
      v === null
        ? project.environment[k] !== undefined
          ? `${k}=${project.environment[k]}`
          : k
        : `${k}=${v}`,
    );
    const labels = Object.entries(toMappingWithEquals(build.labels)).map(([k, v]) => `${k}=${v ?? ''}`);
    const hosts = Array.isArray(build.extra_hosts)
      ? build.extra_hosts.map((h) => String(h).replace('=', ':'))
      : [];
    if (!o.quiet) progress.on({ id: `Image ${ref}`, status: 'working', text: 'Building' });
    const id = await buildImage(o.quiet ? ctx.withStdio({ stdout: sink() }) : ctx, {
      context,
      ...(typeof build.dockerfile === 'string'
        ? { file: isAbsolute(build.dockerfile) ? build.dockerfile : join(context, build.dockerfile) }
        : {}),
      tags: [ref],
      buildArgs: [...args, ...(o.buildArgs ?? [])],
      ...(typeof build.target === 'string' ? { target: build.target } : {}),
      noCache: o.noCache === true || build.no_cache === true,
      pull: o.pull === true || build.pull === true,
      quiet: o.quiet === true,
      labels,
      ...(typeof build.network === 'string' ? { network: build.network } : {}),
      addHost: hosts,
      ...(typeof svc.raw.platform === 'string' ? { platform: svc.raw.platform } : {}),
      progress:
        o.progress === 'tty'
          ? 'tty'
          : o.progress === 'plain'
            ? 'plain'
            : o.progress === 'quiet'
              ? 'quiet'
              : 'auto',
      cacheFrom: [],
      secret: [],
      ssh: [],
      output: [],
    });
    ids.set(ref, id);
    if (!o.quiet) progress.on({ id: `Image ${ref}`, status: 'done', text: 'Built' });
  }
  return ids;
}

function sink(): NodeJS.WritableStream {
  return { write: () => true } as unknown as NodeJS.WritableStream;
}
