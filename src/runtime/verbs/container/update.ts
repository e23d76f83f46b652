/**
 * `docker update`: new limits for running or stopped containers. A running task gets them live
 * through containerd's task update (runc update writes the cgroup files); the container's stored
 * OCI spec gets them too, so the next start keeps them; and container.json's hostConfig records
 * them so inspect shows what is in force.
 */
import { cpus, totalmem } from 'node:os';
import type { RuntimeContext } from '../../context.js';
import { CPU_PERIOD_US } from '../../spec/resources.js';
import { ConflictError, RequestError, UsageError } from '../../errors.js';
import { parseContainerOptions, parseRestartPolicy, type RunFlags } from '../../opts/container.js';
import type { RestartPolicy } from '../../container/restart-policy.js';
import type { LinuxResources, OciSpec } from '../../spec/types.js';
import { withLock } from '../../state/lock.js';
import { printDone } from '../../format/done.js';
import { forEachContainer } from './batch.js';
import { getTask, type Found } from '../../container/store.js';
import { recordEvent } from '../../events/record.js';

export interface UpdateFlags {
  cpus?: string;
  memory?: string;
  memorySwap?: string;
  cpuShares?: string;
  pidsLimit?: string;
  restart?: string;
}

/** What changes, in HostConfig's names and units; absent keys stay as they are. */
export interface ResourceUpdate {
  Memory?: number;
  MemorySwap?: number;
  NanoCpus?: number;
  CpuShares?: number;
  PidsLimit?: number | null;
}

/** The flags parsed and checked as run's are (same messages), keeping only those given. */
export function parseUpdateFlags(flags: UpdateFlags): ResourceUpdate {
  const run: RunFlags = {
    memory: flags.memory,
    memorySwap: flags.memorySwap,
    cpus: flags.cpus,
    cpuShares: flags.cpuShares,
    pidsLimit: flags.pidsLimit,
  };
  let r;
  try {
    r = parseContainerOptions(run, {}, { cpus: cpus().length, memTotal: totalmem() }).resources;
  } catch (err) {
    // Value checks (minimum memory, CPU range…) are the engine's in Docker: status 1, not 125.
    if (err instanceof UsageError && !/^invalid argument /.test(err.message)) {
      throw new RequestError(`Error response from daemon: ${err.message}`);
    }
    throw err;
  }
  const u: ResourceUpdate = {};
  if (flags.memory !== undefined) u.Memory = r.memory;
  // Unlike run, update does not default the swap to twice the memory: the old value stays.
  if (flags.memorySwap !== undefined) u.MemorySwap = r.memorySwap;
  if (flags.cpus !== undefined) u.NanoCpus = r.nanoCpus;
  if (flags.cpuShares !== undefined) u.CpuShares = r.cpuShares;
  // --pids-limit 0 or -1 lifts the limit.
  if (flags.pidsLimit !== undefined) u.PidsLimit = r.pidsLimit;
  return u;
}

const hcNum = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** The merged HostConfig values and the OCI resources runc applies for them. */
export function applyUpdate(
  hostConfig: Record<string, unknown>,
  u: ResourceUpdate,
): { hostConfig: Record<string, unknown>; resources: LinuxResources } {
  const hc: Record<string, unknown> = { ...hostConfig, ...u };
  const memory = hcNum(hc.Memory);
  const swap = hcNum(hc.MemorySwap);
  if (u.Memory !== undefined && u.MemorySwap === undefined && swap > 0 && memory > swap) {
    throw new ConflictError(
      'Error response from daemon: Cannot update container: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time',
    );
  }
  if (u.NanoCpus !== undefined && hcNum(hc.CpuPeriod) > 0 && u.NanoCpus > 0) {
    throw new ConflictError(
      'Error response from daemon: Conflicting options: Nano CPUs and CPU Period cannot both be set',
    );
  }
  const resources: LinuxResources = {};
  if (u.Memory !== undefined || u.MemorySwap !== undefined) {
    resources.memory = {};
    if (memory > 0) resources.memory.limit = memory;
    if (swap !== 0) resources.memory.swap = swap;
  }
  if (u.NanoCpus !== undefined || u.CpuShares !== undefined) {
    resources.cpu = {};
    if (hcNum(hc.CpuShares) > 0) resources.cpu.shares = hcNum(hc.CpuShares);
    if (u.NanoCpus !== undefined) {
      const nano = hcNum(hc.NanoCpus);
      // No limit is quota -1: runc writes it, where leaving it out would keep the old quota.
      resources.cpu.period = CPU_PERIOD_US;
      resources.cpu.quota = nano > 0 ? Math.floor((nano * CPU_PERIOD_US) / 1e9) : -1;
    }
  }
  if (u.PidsLimit !== undefined) resources.pids = { limit: u.PidsLimit ?? -1 };
  return { hostConfig: hc, resources };
}

function mergeResources(into: LinuxResources, from: LinuxResources): LinuxResources {
  return {
    ...into,
    ...(from.memory ? { memory: { ...into.memory, ...from.memory } } : {}),
    ...(from.cpu ? { cpu: { ...into.cpu, ...from.cpu } } : {}),
    ...(from.pids ? { pids: from.pids } : {}),
  };
}

/** `--restart` for update: Docker's parsing; refused for --rm containers as the engine does. */
export function parseUpdateRestart(v: string | undefined): RestartPolicy | undefined {
  if (v === undefined) return undefined;
  try {
    return parseRestartPolicy(v);
  } catch (err) {
    throw new RequestError(`Error response from daemon: ${(err as Error).message}`);
  }
}

async function updateOne(
  ctx: RuntimeContext,
  found: Found,
  u: ResourceUpdate,
  restart: RestartPolicy | undefined,
): Promise<void> {
  const client = await ctx.client();
  await withLock(found.files.dir, async () => {
    const record = (await found.files.readRecord()) ?? found.record;
    if (restart && record.autoRemove && restart.name !== 'no') {
      throw new ConflictError(
        `Error response from daemon: Cannot update container ${found.id}: Restart policy cannot be updated because AutoRemove is enabled for the container`,
      );
    }
    const { hostConfig, resources } = applyUpdate(record.hostConfig, u);
    if (Object.keys(u).length) {
      const task = await getTask(client, found.id);
      if (task && task.status !== 'STOPPED') await client.tasks.update(found.id, resources);
      const spec = found.container.spec as OciSpec | undefined;
      if (spec?.linux) {
        spec.linux.resources = mergeResources(spec.linux.resources ?? {}, resources);
        await client.containers.update({ id: found.id, spec }, ['spec']);
      }
    }
    // The exit hook reads the policy from container.json at each exit: the change applies from the next exit.
    if (restart)
      hostConfig.RestartPolicy = { Name: restart.name, MaximumRetryCount: restart.maximumRetryCount };
    record.hostConfig = hostConfig;
    await found.files.writeRecord(record);
  });
  await recordEvent(ctx, found.record, 'update');
}

export async function updateContainers(
  ctx: RuntimeContext,
  refs: string[],
  flags: UpdateFlags,
): Promise<void> {
  // docker/cli's check (options.nFlag == 0): an update that changes nothing is a mistake.
  if (Object.values(flags).every((v) => v === undefined)) {
    throw new RequestError('you must provide one or more flags when using this command');
  }
  const u = parseUpdateFlags(flags);
  const restart = parseUpdateRestart(flags.restart);
  await printDone(
    ctx,
    forEachContainer(ctx, refs, (found) => updateOne(ctx, found, u, restart)),
  );
}
