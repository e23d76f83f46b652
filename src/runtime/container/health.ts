/**
 * One healthcheck probe, as moby's cmdProbe runs it and handleProbeResult records it: the test is
 * exec'd in the container through containerd (the container's user, directory and environment, no
 * terminal), its output (stdout and stderr together) kept up to 4 KiB, killed at the timeout; the
 * result goes to state.json under the container's lock — the last five results, the failing streak,
 * the status — and a change of status is an event.
 *
 * tsdock has no daemon: the container's monitor (tsdock-mon) schedules the probes and runs each as
 * `tsdock internal health ID`, a process that lives for one probe. Its exit status tells the
 * monitor the status it left (HEALTH_EXIT).
 */
import { existsSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RuntimeContext } from '../context.js';
import { probeCgroup } from '../cgroups/probe.js';
import { recordEvent } from '../events/record.js';
import { goDurationString } from '../format/units.js';
import { HEALTH_DEFAULTS, probeCommand, type HealthConfig } from '../opts/health.js';
import { SIGKILL } from '../opts/signals.js';
import { processEnv } from '../spec/build.js';
import type { OciSpec } from '../spec/types.js';
import { nowRfc3339Nano } from '../state/clock.js';
import { randomHex } from '../state/ids.js';
import { withLock } from '../state/lock.js';
import {
  cgroupPathOf,
  ContainerFiles,
  type ContainerRecord,
  type HealthLogEntry,
  type HealthState,
} from '../state/records.js';
import { rmNow } from '../state/files.js';
import { statePaths } from './store.js';
import { makeFifos, OutputFifos } from './stdio.js';

/** The monitor reads the status a probe left from the helper's exit status (see tsdock-mon.c). */
export const HEALTH_EXIT = { healthy: 0, starting: 1, unhealthy: 2, none: 3 } as const;

/** Longest output kept of one probe (moby maxOutputLen); longer output ends in `...`. */
export const MAX_OUTPUT = 4096;
/** Results kept (moby maxLogEntries). */
export const MAX_LOG_ENTRIES = 5;

/** moby limitedBuffer: the first MAX_OUTPUT bytes, then `...` if anything was dropped. */
export class LimitedBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  private truncated = false;
  write(data: Buffer): void {
    const keep = Math.min(MAX_OUTPUT - this.size, data.length);
    if (keep > 0) {
      this.chunks.push(data.subarray(0, keep));
      this.size += keep;
    }
    if (keep < data.length) this.truncated = true;
  }
  toString(): string {
    return Buffer.concat(this.chunks).toString('utf8') + (this.truncated ? '...' : '');
  }
}

/**
 * handleProbeResult: a success makes the container healthy and clears the streak; a failure counts,
 * except while it is still `starting` inside its start period; `retries` failures in a row make it
 * unhealthy. Returns the new state.
 */
export function applyProbeResult(
  h: HealthState,
  result: HealthLogEntry,
  opts: { retries: number; startPeriodNs: number; startedAt: string },
): HealthState {
  const log = [...h.log, result].slice(-MAX_LOG_ENTRIES);
  if (result.ExitCode === 0) return { status: 'healthy', failingStreak: 0, log };
  let { status, failingStreak } = h;
  const sinceStart = (Date.parse(result.Start) - Date.parse(opts.startedAt)) * 1e6;
  if (!(status === 'starting' && sinceStart < opts.startPeriodNs)) {
    failingStreak++;
    if (failingStreak >= opts.retries) status = 'unhealthy';
  }
  return { status, failingStreak, log };
}

interface ProbeRun {
  exitCode: number;
  output: string;
}

/** Execs the probe and waits for it, or kills it at the timeout. */
async function execProbe(
  ctx: RuntimeContext,
  r: ContainerRecord,
  dir: string,
  spec: OciSpec,
  args: string[],
  linkEnv: string[] | undefined,
  timeoutNs: number,
): Promise<ProbeRun> {
  const client = await ctx.client();
  const execId = randomHex(32);
  const ioDir = join(dir, 'exec');
  const fifo = join(ioDir, `${execId.slice(0, 16)}-health`);
  await rmNow(fifo, { force: true });
  const { mkdirSync } = await import('node:fs');
  mkdirSync(ioDir, { recursive: true, mode: 0o700 });
  await makeFifos([fifo]);
  const output = new LimitedBuffer();
  const fifos = new OutputFifos([fifo]);
  const reader = fifos.streams[0]!;
  const drained = new Promise<void>((resolve) => {
    reader.on('data', (d: Buffer) => output.write(d));
    reader.once('end', resolve);
    reader.once('error', () => resolve());
    reader.once('close', () => resolve());
  });
  const shown = `${args[0]} ${args.slice(1).join(' ')}`;
  const attrs = { execID: execId };
  try {
    const process = structuredClone(spec.process);
    process.args = args;
    process.terminal = false;
    // Docker's exec environment without a terminal: the daemon's, the links', the container's Env.
    process.env = processEnv(
      (r.config.Env as string[] | null) ?? [],
      String(r.config.Hostname ?? ''),
      false,
      linkEnv,
    );
    delete (process as { consoleSize?: unknown }).consoleSize;
    await client.tasks.exec({
      containerId: r.id,
      execId,
      stdout: fifo,
      stderr: fifo,
      terminal: false,
      spec: process,
    });
    await recordEvent(ctx, r, `exec_create: ${shown}`, attrs);
    const waited = client.tasks.wait(r.id, execId);
    waited.catch(() => undefined);
    await fifos.opening(() => client.tasks.start(r.id, execId));
    await recordEvent(ctx, r, `exec_start: ${shown}`, attrs);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(1, Math.round(timeoutNs / 1e6)));
    });
    const first = await Promise.race([waited, timedOut]);
    clearTimeout(timer);
    let run: ProbeRun;
    if (first === 'timeout') {
      await client.tasks.kill(r.id, SIGKILL, { execId }).catch(() => undefined);
      // An exec that never got going (its container exiting meanwhile) may never report an exit:
      // the probe command must end all the same.
      let grace: NodeJS.Timeout | undefined;
      const killed = await Promise.race([
        waited.catch(() => ({ exitStatus: 137 })),
        new Promise<{ exitStatus: number }>((r) => (grace = setTimeout(() => r({ exitStatus: 137 }), 5000))),
      ]);
      clearTimeout(grace);
      await recordEvent(ctx, r, 'exec_die', { ...attrs, exitCode: String(killed.exitStatus) });
      await settle(drained, reader);
      const out = output.toString();
      const limit = goDurationString(timeoutNs);
      run = {
        exitCode: -1,
        output: out
          ? `Health check exceeded timeout (${limit}): ${out}`
          : `Health check exceeded timeout (${limit})`,
      };
    } else {
      await recordEvent(ctx, r, 'exec_die', { ...attrs, exitCode: String(first.exitStatus) });
      await settle(drained, reader);
      run = { exitCode: first.exitStatus, output: output.toString() };
    }
    await client.tasks.deleteProcess(r.id, execId).catch(() => undefined);
    return run;
  } finally {
    fifos.close();
    await rmNow(fifo, { force: true });
  }
}

/**
 * The output is complete at EOF; a process the probe left in the background may hold the pipe
 * open, so once the probe itself has ended, what came within a moment is what is kept.
 */
async function settle(drained: Promise<void>, reader: { destroy(): void }): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([drained, new Promise<void>((r) => (timer = setTimeout(r, 200)))]);
  clearTimeout(timer);
  reader.destroy();
}

/**
 * `tsdock internal health ID`: one probe of a running container and its result recorded. Returns
 * the HEALTH_EXIT status for the monitor. A container that is gone, stopped, paused or restarted
 * meanwhile gets no result, as moby's monitor discards a probe cancelled by a stop.
 */
export async function runHealthProbe(ctx: RuntimeContext, id: string): Promise<number> {
  const dir = statePaths(ctx).container(id);
  const files = new ContainerFiles(dir);
  if (!/^[0-9a-f]{64}$/.test(id) || !existsSync(files.recordPath)) return HEALTH_EXIT.none;
  const r = files.readRecordSync();
  const seen = files.readStateSync();
  if (!r || seen.status !== 'running' || !seen.health) return HEALTH_EXIT.none;
  if (probeCgroup(cgroupPathOf(r)) !== 'running') return HEALTH_EXIT.none;
  const h = r.config.Healthcheck as HealthConfig | undefined;
  const args = probeCommand(h, r.config.Shell as string[] | undefined);
  if (!h || !args) return HEALTH_EXIT.none;

  const client = await ctx.client();
  const container = await client.containers.get(id);
  const spec = container.spec as OciSpec;
  const start = nowRfc3339Nano();
  const timeoutNs = h.Timeout || HEALTH_DEFAULTS.timeout;
  let run: ProbeRun;
  try {
    run = await execProbe(ctx, r, dir, spec, args, seen.linkEnv, timeoutNs);
  } catch (err) {
    // moby records a probe that could not run as a failure with the error as its output.
    run = { exitCode: -1, output: (err as Error).message };
  }
  const result: HealthLogEntry = {
    Start: start,
    End: nowRfc3339Nano(),
    ExitCode: run.exitCode,
    Output: run.output,
  };

  if (!existsSync(files.recordPath)) return HEALTH_EXIT.none;
  let status: HealthState['status'] | undefined;
  try {
    await withLock(dir, async () => {
      // Removed meanwhile (`rm -f`, `--rm`): nothing to record, and the lock must not leave a
      // directory behind.
      if (!existsSync(files.recordPath)) return;
      const now = files.readStateSync();
      if (now.status !== 'running' || now.startedAt !== seen.startedAt || !now.health) return;
      const before = now.health.status;
      now.health = applyProbeResult(now.health, result, {
        retries: h.Retries && h.Retries > 0 ? h.Retries : HEALTH_DEFAULTS.retries,
        startPeriodNs: h.StartPeriod || HEALTH_DEFAULTS.startPeriod,
        startedAt: now.startedAt,
      });
      await files.writeState(now);
      status = now.health.status;
      if (status !== before) await recordEvent(ctx, r, `health_status: ${status}`);
    });
  } finally {
    if (!existsSync(files.recordPath)) {
      try {
        rmdirSync(dir);
      } catch {
        /* not empty, or gone: the removal's own business */
      }
    }
  }
  return status === undefined ? HEALTH_EXIT.none : HEALTH_EXIT[status];
}
