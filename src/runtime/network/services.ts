/**
 * Load-balanced host ports: a port published once on the host whose connections are spread over
 * several containers, as kube-proxy's iptables mode spreads a Service over its pods (kube play's
 * Services). The host port is claimed like a -p port (same port files, same bind test, same error)
 * and reached the same ways: our NAT chain jumps on it, from PREROUTING and from OUTPUT, into the
 * port's own chain, which DNATs to one backend at random (iptables.ts, serviceRules). The network's
 * rules do the rest, as for -p: FWD lets DNAT'd connections in, 127.0.0.1 and hairpin are masqueraded.
 *
 * A record per Service (<data-root>/network/services/<key>.json) is written before any kernel work
 * and names the ports, chains and backend containers. The chains follow the backends' endpoints:
 * whenever a backend container's endpoint is set up or torn down (start, restart, stop, rm, crash
 * repair), its Services' chains are rewritten from the endpoints that exist, so a stopped or removed
 * pod leaves the rotation and a restarted one rejoins with whatever address it got, as kube-proxy
 * follows a Service's ready endpoints. The record goes with removeService (kube down) or, once its
 * maker is gone, when none of its backend containers exists any more (crash repair).
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RuntimeContext } from '../context.js';
import { ConflictError, DaemonError } from '../errors.js';
import { pidAlive, readJson, writeJsonAtomic } from '../state/files.js';
import { sha256Hex } from '../state/ids.js';
import { withLock } from '../state/lock.js';
import { Ipam, readOwner } from './ipam.js';
import {
  chainsFor,
  deleteRules,
  dropChains,
  iptablesRestore,
  iptablesSave,
  restoreText,
  savedRules,
  serviceChain,
  serviceJump,
  serviceRules,
  type Rule,
  type ServiceBackend,
} from './iptables.js';
import type { PortBindings, PublishedPort } from './ports.js';
import { networkRoot, readEndpoint } from './records.js';

export interface ServicePort {
  proto: string;
  hostPort: number;
  /** Its nat chain (one per Service port, as kube-proxy's KUBE-SVC-*). */
  chain: string;
}

export interface ServiceBackendRecord {
  containerId: string;
  /** The container's state directory: gone means the container is gone. */
  containerDir: string;
  /** The port it serves each of the Service's ports on, in the order of `ports`. */
  targets: number[];
}

export interface ServiceRecord {
  key: string;
  name: string;
  /** What the Service belongs to (kube play: the manifest's path). */
  owner: string;
  /** The tsdock that claimed it (alive = still being set up; its backends may not exist yet). */
  pid: number;
  ports: ServicePort[];
  backends: ServiceBackendRecord[];
}

export function serviceDir(ctx: RuntimeContext): string {
  return join(networkRoot(ctx), 'services');
}

/** A Service's key: the same owner and name always give the same record. */
export function serviceKey(owner: string, name: string): string {
  return sha256Hex(`${owner}\0${name}`).slice(0, 32);
}

const recordPath = (ctx: RuntimeContext, key: string) => join(serviceDir(ctx), `${key}.json`);
const lockDir = (ctx: RuntimeContext, key: string) => join(networkRoot(ctx), 'locks', `svc-${key}`);

export function readService(ctx: RuntimeContext, key: string): Promise<ServiceRecord | undefined> {
  return readJson<ServiceRecord>(recordPath(ctx, key)).catch(() => undefined);
}

async function listServices(ctx: RuntimeContext): Promise<ServiceRecord[]> {
  const names = await readdir(serviceDir(ctx)).catch(() => [] as string[]);
  const recs = await Promise.all(
    names.filter((n) => n.endsWith('.json')).map((n) => readService(ctx, n.slice(0, -5))),
  );
  return recs.filter((r): r is ServiceRecord => r !== undefined);
}

export interface ServiceInput {
  owner: string;
  name: string;
  ports: { proto: string; hostPort: number }[];
}

/**
 * The Service's host ports claimed and its record written, nothing in the kernel yet: a port
 * another container or a host process has fails here, before anything else is made, in the
 * words Docker uses for a -p port that cannot be had.
 */
export async function claimService(ctx: RuntimeContext, s: ServiceInput): Promise<ServiceRecord> {
  await reconcileServices(ctx);
  const key = serviceKey(s.owner, s.name);
  if (await readService(ctx, key)) {
    throw new ConflictError(
      `Error response from daemon: Service ${s.name} of ${s.owner} is already published`,
    );
  }
  const chains = chainsFor(ctx.config.bridge);
  const bindings: PortBindings = {};
  for (const p of s.ports) {
    (bindings[`${p.hostPort}/${p.proto}`] ??= []).push({ HostIp: '', HostPort: String(p.hostPort) });
  }
  let claimed: PublishedPort[];
  try {
    claimed = await new Ipam(networkRoot(ctx)).allocatePorts(bindings, { id: key, pid: process.pid });
  } catch (err) {
    if (err instanceof ConflictError && err.message.startsWith('Bind for')) {
      throw new DaemonError(
        `Error response from daemon: driver failed programming external connectivity on Service ${s.name}: ${err.message}`,
      );
    }
    throw err;
  }
  const rec: ServiceRecord = {
    key,
    name: s.name,
    owner: s.owner,
    pid: process.pid,
    ports: s.ports.map((p, i) => ({
      proto: p.proto,
      hostPort: claimed.find((c) => c.hostPort === p.hostPort && c.proto === p.proto)!.hostPort,
      chain: serviceChain(chains, sha256Hex(`${key}:${i}:${p.proto}:${p.hostPort}`)),
    })),
    backends: [],
  };
  await mkdir(serviceDir(ctx), { recursive: true });
  await writeJsonAtomic(recordPath(ctx, key), rec);
  return rec;
}

/** The Service's backends named (containers already started) and its chains written. */
export async function attachBackends(
  ctx: RuntimeContext,
  key: string,
  backends: { containerId: string; targets: number[] }[],
): Promise<void> {
  await withLock(lockDir(ctx, key), async () => {
    const rec = await readService(ctx, key);
    if (!rec) return;
    const known = await Promise.all(
      backends.map(async (b) => {
        const ep = await readEndpoint(ctx, b.containerId).catch(() => undefined);
        return ep ? { ...b, containerDir: ep.containerDir } : undefined;
      }),
    );
    rec.backends = known.filter((b): b is ServiceBackendRecord => b !== undefined);
    await writeJsonAtomic(recordPath(ctx, key), rec);
    await writeChains(ctx, rec);
  });
}

/** The rules a Service has now: its chains' from the backends' current endpoints, and its jumps. */
async function currentRules(
  ctx: RuntimeContext,
  rec: ServiceRecord,
): Promise<{ chains: { chain: string; rules: Rule[] }[]; jumps: Rule[] }> {
  const c = chainsFor(ctx.config.bridge);
  const eps = await Promise.all(
    rec.backends.map((b) => readEndpoint(ctx, b.containerId).catch(() => undefined)),
  );
  const chains = rec.ports.map((p, i) => {
    const backends: ServiceBackend[] = [];
    rec.backends.forEach((b, j) => {
      const ep = eps[j];
      if (ep) backends.push({ ip: ep.ip, port: b.targets[i]! });
    });
    return { chain: p.chain, rules: serviceRules(p.chain, rec.name, p.proto, backends) };
  });
  const jumps = rec.ports.map((p) =>
    serviceJump(c, rec.name, { proto: p.proto, hostPort: p.hostPort, hostIp: '', containerPort: 0 }, p.chain),
  );
  return { chains, jumps };
}

/**
 * Rewrites a Service's chains from its backends' endpoints, and jumps into them, in one restore:
 * each chain is declared (created, or emptied under --noflush) and filled again, so a connection
 * never meets a half-written chain. A jump is re-added only when missing.
 */
async function writeChains(ctx: RuntimeContext, rec: ServiceRecord): Promise<void> {
  const { chains, jumps } = await currentRules(ctx, rec);
  const saved = savedRules(await iptablesSave());
  const missing = jumps.filter((j) => !saved.rules.has(`nat ${j.spec}`));
  await iptablesRestore(
    restoreText(
      [...chains.flatMap((c) => c.rules), ...missing],
      '-A',
      chains.map((c) => ({ table: 'nat', chain: c.chain })),
    ),
  );
}

/**
 * An endpoint of `containerId` came or went: the Services it backs follow. Best effort: a Service
 * that cannot be rewritten now is rewritten by the next change, and never blocks a container.
 */
export async function followEndpoint(ctx: RuntimeContext, containerId: string): Promise<void> {
  if (!existsSync(serviceDir(ctx))) return;
  const recs = (await listServices(ctx)).filter((r) => r.backends.some((b) => b.containerId === containerId));
  await Promise.all(
    recs.map((r) =>
      withLock(lockDir(ctx, r.key), async () => {
        const now = await readService(ctx, r.key);
        if (now) await writeChains(ctx, now);
      }).catch(() => undefined),
    ),
  );
}

/** The rules of the Services a container backs, as they should be now (explain). */
export async function backedServiceRules(ctx: RuntimeContext, containerId: string): Promise<Rule[]> {
  if (!existsSync(serviceDir(ctx))) return [];
  const recs = (await listServices(ctx)).filter((r) => r.backends.some((b) => b.containerId === containerId));
  const all = await Promise.all(recs.map((r) => currentRules(ctx, r)));
  return all.flatMap(({ chains, jumps }) => [...jumps, ...chains.flatMap((c) => c.rules)]);
}

/** A Service taken away: its jumps, its chains, its host ports, its record (kube down; crash repair). */
export async function removeService(ctx: RuntimeContext, key: string): Promise<boolean> {
  return withLock(lockDir(ctx, key), async () => {
    const rec = await readService(ctx, key);
    if (!rec) return false;
    const { jumps } = await currentRules(ctx, rec);
    await deleteRules(jumps);
    await dropChains(rec.ports.map((p) => ({ table: 'nat', chain: p.chain })));
    const ipam = new Ipam(networkRoot(ctx));
    await Promise.all(
      rec.ports.map(async (p) => {
        const file = ipam.portFile(p);
        const owner = await readOwner(file);
        if (owner !== 'damaged' && owner?.id === key) await rm(file, { force: true });
      }),
    );
    await rm(recordPath(ctx, key), { force: true });
    return true;
  });
}

/**
 * Crash repair: a Service whose maker is gone and none of whose backend containers exists (the
 * pods were removed one by one, or kube play died before starting them) is taken away. Returns
 * the keys of the Services left, which own their host ports.
 */
export async function reconcileServices(ctx: RuntimeContext): Promise<{ keys: string[]; cleaned: number }> {
  if (!existsSync(serviceDir(ctx))) return { keys: [], cleaned: 0 };
  const keys: string[] = [];
  let cleaned = 0;
  for (const rec of await listServices(ctx)) {
    const orphan =
      rec.pid !== process.pid && !pidAlive(rec.pid) && !rec.backends.some((b) => existsSync(b.containerDir));
    if (orphan && (await removeService(ctx, rec.key))) cleaned++;
    else keys.push(rec.key);
  }
  return { keys, cleaned };
}
