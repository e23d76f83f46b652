/**
 * Following containers' output through the json-file logs their monitors write (the same reader
 * as `tsdock logs`), into a LogPrinter: what `compose logs` and a foreground `compose up` show.
 */
import type { RuntimeContext } from '../../context.js';
import type { LogPrinter } from '../../format/compose-logs.js';
import type { ProjectContainer } from '../../compose/observe.js';
import { findContainer, getTask } from '../../container/store.js';
import { waitForFile } from '../../state/files.js';

/** `p-web-1` → `web-1`, as compose names containers in its output. */
export function shortName(projectName: string, containerName: string): string {
  return containerName.startsWith(`${projectName}-`)
    ? containerName.slice(projectName.length + 1)
    : containerName;
}

export interface FollowOptions {
  follow: boolean;
  tail?: number;
  since?: bigint;
  until?: bigint;
  timestamps: boolean;
  signal?: AbortSignal;
  /** Report the exit of a container that had stopped before following began (`up` started it). */
  reportStopped?: boolean;
}

/**
 * Streams one container's log into the printer; with `follow`, until the container has stopped
 * and its last line is written. Resolves with the exit code when it stopped (following), else
 * undefined.
 */
export async function streamLogs(
  ctx: RuntimeContext,
  c: Pick<ProjectContainer, 'id'>,
  name: string,
  printer: LogPrinter,
  o: FollowOptions,
): Promise<number | undefined> {
  const found = await findContainer(ctx, c.id);
  const { readLogs } = await import('../../logs/jsonfile.js');
  const out = printer.writer(name, 'stdout');
  const err = printer.writer(name, 'stderr');
  let stop: Promise<void> | undefined;
  let exit: Promise<number | undefined> = Promise.resolve(undefined);
  const abort = new AbortController();
  if (o.follow) {
    const client = await ctx.client();
    const task = await getTask(client, found.id);
    const state = await found.files.readState();
    if (task && task.status !== 'STOPPED' && state.exitMarker) {
      const marker = state.exitMarker;
      const waited = client.tasks.wait(found.id).then(
        (e) => e.exitStatus,
        () => undefined,
      );
      exit = waited;
      stop = waited.then(() => waitForFile(marker, abort.signal));
    } else {
      // Stopped already: its monitor may still be writing the last lines; the marker says when it is done.
      const marker = state.exitMarker;
      stop = marker
        ? Promise.race([waitForFile(marker, abort.signal), new Promise((r) => setTimeout(r, 2000))]).then(
            () => undefined,
          )
        : Promise.resolve();
      if (o.reportStopped)
        exit = Promise.resolve(task?.status === 'STOPPED' ? task.exitStatus : state.exitCode);
    }
  }
  const onAbort = () => abort.abort();
  o.signal?.addEventListener('abort', onAbort);
  try {
    await readLogs(
      found.record.logPath,
      {
        ...(o.tail !== undefined ? { tail: o.tail } : {}),
        ...(o.since !== undefined ? { since: o.since } : {}),
        ...(o.until !== undefined ? { until: o.until } : {}),
        timestamps: o.timestamps,
        follow: o.follow,
        ...(stop ? { stop } : {}),
        signal: abort.signal,
      },
      { stdout: out, stderr: err },
    );
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    abort.abort();
    await Promise.all([new Promise((r) => out.end(r)), new Promise((r) => err.end(r))]);
  }
  return o.follow ? exit : undefined;
}
