/**
 * Restart policies without a daemon. The decision is taken where tsdock learns that a task ended:
 * the monitor's exit hook (`tsdock internal exited`, verbs/internal/exited.ts), which the
 * per-container tsdock-mon runs when the container's output ends — so a process killed from the
 * host, an OOM kill or a crash of containerd's shim all reach it. The hook records the exit
 * (finalizeExit), applies moby's
 * restartmanager rules (policy, manual stop, on-failure's count, back-off from 100 ms doubling to
 * one minute, reset after 10 s of running), shows the container as `restarting` while it waits,
 * and starts it again through startContainer — the same path as `tsdock start`, so everything
 * start sets up comes back. When containerd itself is down at that moment (it crashed or is being
 * restarted), the hook waits for it to come back before deciding, which is what brings an `always`
 * container back after a containerd restart that took its task with it.
 */
import { childProcess } from '../builtins.js';
import type { RuntimeContext } from '../context.js';
import type { Process } from '../containerd/types.js';
import type { ContainerRecord, ContainerRunState } from '../state/records.js';
import { withLock } from '../state/lock.js';
import type { Found } from './store.js';

export type PolicyName = 'no' | 'always' | 'on-failure' | 'unless-stopped';
export interface RestartPolicy {
  name: PolicyName;
  maximumRetryCount: number;
}

const DEFAULT_TIMEOUT_MS = 100;
const MAX_TIMEOUT_MS = 60_000;

export function policyOf(record: Pick<ContainerRecord, 'hostConfig'>): RestartPolicy {
  const p = record.hostConfig.RestartPolicy as { Name?: string; MaximumRetryCount?: number } | undefined;
  const name = (p?.Name || 'no') as PolicyName;
  return { name, maximumRetryCount: p?.MaximumRetryCount ?? 0 };
}

export interface RestartDecision {
  restart: boolean;
  /** Back-off before the start (moby's rm.timeout after this exit). */
  delayMs: number;
}

/** moby's restartmanager.ShouldRestart, with its timeout kept in the container's state. */
export function decideRestart(
  policy: RestartPolicy,
  state: Pick<ContainerRunState, 'exitCode' | 'stoppedByUser' | 'restartCount' | 'restartTimeoutMs'>,
  ranMs: number,
): RestartDecision {
  let timeout = state.restartTimeoutMs ?? 0;
  if (ranMs >= 10_000) timeout = 0;
  timeout = timeout === 0 ? DEFAULT_TIMEOUT_MS : Math.min(timeout * 2, MAX_TIMEOUT_MS);
  if (policy.name === 'no' || state.stoppedByUser) return { restart: false, delayMs: timeout };
  let restart = false;
  if (policy.name === 'always' || policy.name === 'unless-stopped') restart = true;
  else if (policy.name === 'on-failure') {
    const max = policy.maximumRetryCount;
    restart = state.exitCode !== 0 && (max === 0 || state.restartCount < max);
  }
  return { restart, delayMs: timeout };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type Decision = ReturnType<typeof decideRestart>;

/** The restart decision on a just-exited state, written into it (status, count, back-off). */
export function decideInPlace(
  policy: ReturnType<typeof policyOf>,
  state: ContainerRunState,
): Decision | undefined {
  if (state.status !== 'exited') return undefined;
  const ranMs = Date.parse(state.finishedAt) - Date.parse(state.startedAt);
  const d = decideRestart(policy, state, Number.isFinite(ranMs) ? ranMs : 0);
  state.restartTimeoutMs = d.delayMs;
  if (d.restart) {
    state.status = 'restarting';
    state.restartCount = (state.restartCount ?? 0) + 1;
  }
  return d.restart ? d : undefined;
}

/**
 * The state liveState derived from a stopped task whose exit the hook has yet to record, shown as
 * the hook will record it: restarting with the count up when the policy restarts it. Docker takes
 * that step at once on the exit (daemon/monitor.go), so it never shows exited for a container it
 * is about to restart.
 */
export function pendingExit(
  record: Pick<ContainerRecord, 'hostConfig'>,
  recorded: ContainerRunState,
  task: Pick<Process, 'status'> | undefined,
  live: ContainerRunState,
): ContainerRunState {
  const unrecorded = recorded.status === 'running' || recorded.status === 'paused';
  if (task?.status !== 'STOPPED' || !unrecorded || live.status !== 'exited') return live;
  const s = { ...live };
  decideInPlace(policyOf(record), s);
  return s;
}

/**
 * After an exit was recorded: restart per policy. Returns true when the container was started
 * again. A `stop`, `kill` or `rm` during the back-off wins (checked again before starting).
 */
export async function applyRestartPolicy(
  ctx: RuntimeContext,
  found: Found,
  /** Decided already, with the exit (null: decided not to restart). */
  pre?: Decision | null,
): Promise<boolean> {
  const record = (await found.files.readRecord()) ?? found.record;
  const policy = policyOf(record);
  if (policy.name === 'no') return false;
  const decided =
    pre !== undefined
      ? pre
      : await withLock(found.files.dir, async () => {
          const state = await found.files.readState();
          const d = decideInPlace(policy, state);
          if (state.status === 'exited' || d) await found.files.writeState(state);
          return d;
        });
  if (!decided) return false;
  await sleep(decided.delayMs);
  const { startContainer } = await import('./start.js');
  try {
    // Under the container's lock, as a stop in the back-off takes it: either the stop is seen here
    // and nothing starts, or the stop finds the task running and stops it.
    return await withLock(found.files.dir, async () => {
      const now = await found.files.readState().catch(() => undefined);
      if (!now || now.status !== 'restarting' || now.stoppedByUser) return false;
      await startContainer(ctx, found, { stdin: false, restart: true, locked: true });
      return true;
    });
  } catch (err) {
    // Docker leaves it exited with the start error recorded (startContainer wrote it).
    await withLock(found.files.dir, async () => {
      const s = await found.files.readState();
      if (s.status === 'restarting') {
        s.status = 'exited';
        await found.files.writeState(s);
      }
    });
    ctx.stdio.stderr.write(`${(err as Error).message}\n`);
    return false;
  }
}

/**
 * A foreground `run`/`start -a` records the exit itself (the monitor's hook stays quiet while the
 * client is attached); the restart, with its back-off, is handed to a detached exit hook so the
 * client can return with the exit status as Docker's does.
 */
export async function handOverRestart(ctx: RuntimeContext, found: Found, hook: string[]): Promise<void> {
  const state = await found.files.readState();
  if (state.status !== 'exited' || policyOf(found.record).name === 'no' || state.stoppedByUser) return;
  const child = childProcess().spawn(hook[0]!, hook.slice(1), { detached: true, stdio: 'ignore' });
  child.unref();
}

/**
 * Whether a container that is not running is started when the engine starts (dockerd's restore:
 * a fresh restart manager's ShouldRestart): `always` even after a user's stop, `unless-stopped`
 * unless the user stopped it, `on-failure` after a non-zero exit within its retry count.
 */
export function restartsAtStart(
  policy: RestartPolicy,
  state: Pick<ContainerRunState, 'exitCode' | 'stoppedByUser' | 'restartCount'>,
): boolean {
  switch (policy.name) {
    case 'always':
      return true;
    case 'unless-stopped':
      return !state.stoppedByUser;
    case 'on-failure':
      return (
        state.exitCode !== 0 &&
        (policy.maximumRetryCount === 0 || (state.restartCount ?? 0) < policy.maximumRetryCount)
      );
    default:
      return false;
  }
}
