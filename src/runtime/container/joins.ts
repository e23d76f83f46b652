/**
 * What a container takes from other containers: legacy links on the default bridge (/etc/hosts
 * lines and Docker's environment variables), and the PID and IPC namespaces of `--pid`/`--ipc
 * container:NAME` (joined by their /proc/PID/ns paths, /dev/shm bound from a shareable donor).
 *
 * As the daemon does, the links' targets must exist when the container is created and everything
 * must be running when it starts: `create` checks what Docker's create checks, `start` resolves
 * the rest (addresses, pids) and `run` does both before anything is made.
 */
import { existsSync } from 'node:fs';
import type { RuntimeContext } from '../context.js';
import { ConflictError, NotFoundError, RequestError } from '../errors.js';
import { linkEnv, type LinkSpec } from '../opts/links.js';
import { containerOf } from '../opts/namespaces.js';
import { readEndpointSync } from '../network/records.js';
import { processEnv } from '../spec/build.js';
import type { OciSpec } from '../spec/types.js';
import { shmDir, type ContainerRecord } from '../state/records.js';
import { findContainer, type Found } from './store.js';

export interface JoinsInput {
  /** The container's own name (links are named `/name/alias`). */
  name: string;
  dir: string;
  /** NetworkMode: legacy links exist on the default bridge only. */
  networkMode: string;
  links: LinkSpec[];
  pidMode: string;
  ipcMode: string;
}

export interface Joins {
  linkEnv: string[];
  /** /etc/hosts lines of the links: the target's address, then alias, hostname and name. */
  linkHosts: { ip: string; names: string[] }[];
  joinNamespaces: { pid?: string; ipc?: string };
  shmPath?: string;
}

export function joinsInputOf(r: ContainerRecord, dir: string): JoinsInput {
  const hc = r.hostConfig as { PidMode?: string; IpcMode?: string };
  return {
    name: r.name,
    dir,
    networkMode: r.networkMode,
    links: r.links ?? [],
    pidMode: hc.PidMode ?? '',
    ipcMode: hc.IpcMode ?? 'private',
  };
}

/** Does anything of this container depend on another one (or on a shm mount of its own)? */
export function hasJoins(i: JoinsInput): boolean {
  return (
    (i.networkMode === 'bridge' && i.links.length > 0) ||
    containerOf(i.pidMode) !== undefined ||
    i.ipcMode !== 'private'
  );
}

async function lookup(ctx: RuntimeContext, ref: string): Promise<Found | undefined> {
  try {
    return await findContainer(ctx, ref);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

/** The target's pid if it runs (its state says so and the process is there). */
function runningPid(target: Found): number | undefined {
  const s = target.files.readStateOrDead();
  if (s.status !== 'running' || !s.pid || !existsSync(`/proc/${s.pid}`)) return undefined;
  return s.pid;
}

/**
 * Create-time checks of the links (moby registerLinks): on the default bridge each target exists
 * and is not on the host's network (one on another container's network is followed there). Returns
 * each link's target name, for HostConfig.Links (`/target:/this/alias`, see hostConfigLinks).
 * The refusals are the daemon's: status 1 from `create`, 125 from `run`.
 */
export async function checkLinks(
  ctx: RuntimeContext,
  i: Omit<JoinsInput, 'name' | 'dir'>,
): Promise<{ target: string; alias: string }[]> {
  if (i.links.length === 0) return [];
  if (i.networkMode === 'host') {
    throw new RequestError(
      "Error response from daemon: conflicting options: host type networking can't be used with links. This would result in undefined behavior",
    );
  }
  if (containerOf(i.networkMode) !== undefined) {
    throw new RequestError(
      "Error response from daemon: conflicting options: container type network can't be used with links. This would result in undefined behavior",
    );
  }
  // moby registers links for every network mode but a user-defined one (there they are only
  // aliases); `none` keeps none of them, but its targets are checked all the same.
  if (i.networkMode !== 'bridge' && i.networkMode !== 'none') return [];
  const out: { target: string; alias: string }[] = [];
  for (const l of i.links) {
    // `--link :alias`: the daemon's GetContainer refuses an empty reference before any lookup.
    if (l.name === '') {
      throw new RequestError(
        'Error response from daemon: could not get container for : invalid name or ID supplied: ""',
      );
    }
    let child = await lookup(ctx, l.name);
    if (!child) {
      throw new RequestError(
        `Error response from daemon: could not get container for ${l.name}: No such container: ${l.name}`,
      );
    }
    for (let via = containerOf(child.record.networkMode); via !== undefined;) {
      const next = await lookup(ctx, via);
      if (!next) {
        throw new RequestError(
          `Error response from daemon: getting container for ${l.name}: No such container: ${via}`,
        );
      }
      child = next;
      via = containerOf(child.record.networkMode);
    }
    if (child.record.networkMode === 'host') {
      throw new RequestError(
        "Error response from daemon: conflicting options: host type networking can't be used with links. This would result in undefined behavior",
      );
    }
    out.push({ target: child.record.name, alias: l.alias });
  }
  return i.networkMode === 'none' ? [] : out;
}

/**
 * `--pid`/`--ipc container:NAME` as the daemon keeps them: `container:` and the target's full id,
 * looked up when the container is created (a missing target is the daemon's "No such container").
 */
export async function pinNamespaceTargets(
  ctx: RuntimeContext,
  modes: { pid: string; ipc: string },
): Promise<{ pid: string; ipc: string }> {
  const pin = async (mode: string): Promise<string> => {
    const ref = containerOf(mode);
    if (ref === undefined) return mode;
    const target = await lookup(ctx, ref);
    if (!target) throw new NotFoundError(`Error response from daemon: No such container: ${ref}`);
    return `container:${target.id}`;
  };
  const [pid, ipc] = await Promise.all([pin(modes.pid), pin(modes.ipc)]);
  return { pid, ipc };
}

/** HostConfig.Links as the daemon lists them. */
export function hostConfigLinks(name: string, checked: { target: string; alias: string }[]): string[] {
  return checked.map((l) => `/${l.target}:/${name}/${l.alias}`);
}

/**
 * The values that depend on other containers now. `strict` (a start): every target must be running,
 * with Docker's errors otherwise. Not strict (a `create`): what is not available yet is left out,
 * for the start to fill in.
 */
export async function resolveJoins(ctx: RuntimeContext, i: JoinsInput, strict: boolean): Promise<Joins> {
  const joins: Joins = { linkEnv: [], linkHosts: [], joinNamespaces: {} };
  if (i.networkMode === 'bridge') {
    for (const l of i.links) {
      const child = await lookup(ctx, l.name);
      const linkName = `/${i.name}/${l.alias}`;
      if (!child || !runningPid(child)) {
        if (!strict) continue;
        throw new ConflictError(
          `Error response from daemon: Cannot link to a non running container: /${child?.record.name ?? l.name} AS ${linkName}`,
        );
      }
      const ep = readEndpointSync(ctx, child.id);
      if (!ep || ep.network.name !== 'bridge') {
        if (!strict) continue;
        throw new ConflictError(
          `Error response from daemon: Cannot link to /${child.record.name}, as it does not belong to the default network`,
        );
      }
      const hostname = String(child.record.config.Hostname ?? child.id.slice(0, 12));
      // Docker: the alias, the target's hostname, and its name unless the alias is the name.
      const names = [l.alias, hostname, ...(l.alias !== child.record.name ? [child.record.name] : [])];
      joins.linkHosts.push({ ip: ep.ip, names });
      joins.linkEnv.push(
        ...linkEnv({
          linkName,
          ip: ep.ip,
          env: (child.record.config.Env as string[] | null | undefined) ?? [],
          exposedPorts: Object.keys((child.record.config.ExposedPorts ?? {}) as Record<string, object>),
        }),
      );
    }
  }
  const pidOf = containerOf(i.pidMode);
  if (pidOf !== undefined) {
    const target = await lookup(ctx, pidOf);
    const pid = target && runningPid(target);
    if (pid) joins.joinNamespaces.pid = `/proc/${pid}/ns/pid`;
    else if (strict) {
      throw target
        ? new ConflictError(`Error response from daemon: container ${target.id} is not running`)
        : new NotFoundError(
            `Error response from daemon: cannot join PID of a non running container: ${pidOf}: No such container: ${pidOf}`,
          );
    }
  }
  const ipcOf = containerOf(i.ipcMode);
  if (ipcOf !== undefined) {
    const why = `Error response from daemon: can't join IPC of container ${ipcOf}`;
    const target = await lookup(ctx, ipcOf);
    const pid = target && runningPid(target);
    const shareable = target && (target.record.hostConfig as { IpcMode?: string }).IpcMode === 'shareable';
    if (pid && shareable) {
      joins.joinNamespaces.ipc = `/proc/${pid}/ns/ipc`;
      joins.shmPath = shmDir(target.files.dir);
    } else if (strict) {
      if (!target) throw new NotFoundError(`${why}: No such container: ${ipcOf}`);
      if (!pid) throw new ConflictError(`${why}: container ${target.id} is not running`);
      throw new ConflictError(
        `${why}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`,
      );
    }
  } else if (i.ipcMode === 'shareable') joins.shmPath = shmDir(i.dir);
  else if (i.ipcMode === 'host') joins.shmPath = '/dev/shm';
  return joins;
}

/**
 * A created container's spec brought up to date with what its joins are now (addresses, pids,
 * the donor's /dev/shm): true when something changed and containerd must be given the new spec.
 */
export function applyJoins(spec: OciSpec, joins: Joins, r: ContainerRecord): boolean {
  const before = JSON.stringify(spec);
  const hostname = String(r.config.Hostname ?? '');
  spec.process.env = processEnv((r.config.Env as string[] | null) ?? [], hostname, r.tty, joins.linkEnv);
  for (const ns of spec.linux.namespaces) {
    const path =
      ns.type === 'pid' ? joins.joinNamespaces.pid : ns.type === 'ipc' ? joins.joinNamespaces.ipc : undefined;
    if (path) ns.path = path;
  }
  if (joins.shmPath) {
    spec.mounts = spec.mounts.map((m) =>
      m.destination === '/dev/shm' && (m.source === 'shm' || m.source?.endsWith('/mounts/shm'))
        ? { destination: '/dev/shm', type: 'bind', source: joins.shmPath, options: ['rbind', 'rprivate'] }
        : m,
    );
  }
  return JSON.stringify(spec) !== before;
}

/**
 * At a start: what the container takes from others, resolved now, and its spec in containerd
 * brought up to date if that changed anything (a target restarted, got another address). Undefined
 * for a container that takes nothing from anyone.
 */
export async function startJoins(ctx: RuntimeContext, found: Found): Promise<Joins | undefined> {
  const input = joinsInputOf(found.record, found.files.dir);
  if (!hasJoins(input)) return undefined;
  const joins = await resolveJoins(ctx, input, true);
  const spec = found.container.spec as OciSpec | undefined;
  if (spec && applyJoins(spec, joins, found.record)) {
    const client = await ctx.client();
    // Parsed from containerd's JSON, RLIM_INFINITY lost its last digits: written back exactly.
    const text = JSON.stringify(spec).replace(/:18446744073709552000(?=[,}])/g, ':18446744073709551615');
    await client.containers.update({ id: found.id, spec: text }, ['spec']);
  }
  return joins;
}
