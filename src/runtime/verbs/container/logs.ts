/**
 * `logs`: reads the json-file log the monitor writes; `-f` follows until the container stops.
 * Another client's container has the log that client keeps, if any: the CRI plugin's file, or the
 * file its task's output goes to.
 */
import { waitForFile } from '../../state/files.js';
import type { RuntimeContext } from '../../context.js';
import { RequestError } from '../../errors.js';
import { foreignLog, type Foreign } from '../../container/foreign.js';
import { getTask, isForeign, resolveContainer } from '../../container/store.js';
import type { LogFormat } from '../../logs/jsonfile.js';

export interface LogsOptions {
  follow: boolean;
  tail?: string;
  timestamps: boolean;
  since?: string;
  until?: string;
}

export async function showLogs(ctx: RuntimeContext, ref: string, opts: LogsOptions): Promise<void> {
  const found = await resolveContainer(ctx, ref);
  const { readLogs, parseTimeArg } = await import('../../logs/jsonfile.js');
  const now = new Date();
  let tail: number | undefined;
  if (opts.tail !== undefined && opts.tail !== 'all') {
    // Docker's client rejects this (not its flag parser): status 1.
    if (!/^-?\d+$/.test(opts.tail)) throw new RequestError(`invalid value for "tail": "${opts.tail}"`);
    const n = Number(opts.tail);
    tail = n < 0 ? undefined : n;
  }
  const since = opts.since ? parseTimeArg(opts.since, 'since', now) : undefined;
  const until = opts.until ? parseTimeArg(opts.until, 'until', now) : undefined;
  const client = await ctx.client();
  let logPath: string;
  let format: LogFormat = 'json-file';
  let stop: Promise<void> | undefined;
  const abort = new AbortController();
  if (isForeign(found)) {
    const log = await foreignLogOf(ctx, found, opts);
    logPath = log.path;
    format = log.format;
    if (opts.follow) stop = log.stop;
  } else {
    logPath = found.record.logPath;
    if (opts.follow) {
      const task = await getTask(client, found.id);
      const state = await found.files.readState();
      if (task && task.status !== 'STOPPED' && state.exitMarker) {
        const marker = state.exitMarker;
        stop = client.tasks
          .wait(found.id)
          .catch(() => undefined)
          .then(() => waitForFile(marker, abort.signal));
      } else {
        stop = Promise.resolve();
      }
    }
  }
  try {
    await readLogs(
      logPath,
      { tail, since, until, timestamps: opts.timestamps, follow: opts.follow, stop, format },
      { stdout: ctx.stdio.stdout, stderr: ctx.stdio.stderr },
    );
  } finally {
    abort.abort();
  }
}

/** Another client's log, or one line saying why there is none to read. */
async function foreignLogOf(
  ctx: RuntimeContext,
  f: Foreign,
  opts: LogsOptions,
): Promise<{ path: string; format: LogFormat; stop: Promise<void> }> {
  const client = await ctx.client();
  const task = await getTask(client, f.id);
  const log = foreignLog({ container: f.container, task });
  if (!log) {
    const where = task?.stdout ? `its output goes to ${task.stdout}, which is not a file` : 'it keeps no log';
    throw new RequestError(
      `Error response from daemon: container ${f.name} was not created by tsdock and ${where}: no logs to read`,
    );
  }
  if (log.format === 'raw' && (opts.timestamps || opts.since || opts.until)) {
    throw new RequestError(
      `Error response from daemon: the log of container ${f.name} is its raw output, without times: ` +
        '--timestamps, --since and --until cannot apply',
    );
  }
  const running = task && task.status !== 'STOPPED';
  // Once the task ends, what the file holds is all there will be.
  const stop = running
    ? client.tasks
        .wait(f.id)
        .then(() => undefined)
        .catch(() => undefined)
    : Promise.resolve();
  return { ...log, stop };
}
