/** `logs`: reads the json-file log the monitor writes; `-f` follows until the container stops. */
import { waitForFile } from '../../state/files.js';
import type { RuntimeContext } from '../../context.js';
import { RequestError } from '../../errors.js';
import { findContainer, getTask } from '../../container/store.js';

export interface LogsOptions {
  follow: boolean;
  tail?: string;
  timestamps: boolean;
  since?: string;
  until?: string;
}

export async function showLogs(ctx: RuntimeContext, ref: string, opts: LogsOptions): Promise<void> {
  const found = await findContainer(ctx, ref);
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
  let stop: Promise<void> | undefined;
  const abort = new AbortController();
  if (opts.follow) {
    const client = await ctx.client();
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
  try {
    await readLogs(
      found.record.logPath,
      { tail, since, until, timestamps: opts.timestamps, follow: opts.follow, stop },
      { stdout: ctx.stdio.stdout, stderr: ctx.stdio.stderr },
    );
  } finally {
    abort.abort();
  }
}
