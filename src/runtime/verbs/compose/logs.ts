/** `compose logs`: every container of the project (or of the named services) behind its name. */
import type { RuntimeContext } from '../../context.js';
import { ComposeError } from '../../errors.js';
import { LogPrinter } from '../../format/compose-logs.js';
import type { UiOptions } from '../../format/compose-progress.js';
import type { ProjectOptions } from '../../compose/discover.js';
import { parseTimeArg } from '../../logs/timearg.js';
import { serviceContainers } from './engine.js';
import { projectOrName } from './down.js';
import { shortName, streamLogs } from './attach.js';

export interface LogsOptions {
  project: ProjectOptions;
  ui: UiOptions;
  services: string[];
  follow: boolean;
  tail?: string;
  timestamps: boolean;
  since?: string;
  until?: string;
  noColor: boolean;
  noLogPrefix: boolean;
  index?: number;
}

export async function composeLogs(ctx: RuntimeContext, o: LogsOptions): Promise<void> {
  const project = projectOrName(ctx, o.project, o.services);
  let tail: number | undefined;
  if (o.tail !== undefined && o.tail !== 'all') {
    if (!/^-?\d+$/.test(o.tail)) throw new ComposeError(`invalid value for "tail": "${o.tail}"`);
    tail = Number(o.tail) < 0 ? undefined : Number(o.tail);
  }
  const now = new Date();
  const since = o.since ? parseTimeArg(o.since, 'since', now) : undefined;
  const until = o.until ? parseTimeArg(o.until, 'until', now) : undefined;
  let containers = await serviceContainers(ctx, project, o.services, { orphans: false });
  if (o.index !== undefined) {
    if (o.services.length !== 1) throw new ComposeError('--index requires one service to be selected');
    containers = containers.filter((c) => c.number === o.index);
  }
  containers.sort((a, b) => (a.name < b.name ? -1 : 1));
  const tty = (ctx.stdio.stdout as NodeJS.WriteStream).isTTY === true;
  const color = !o.noColor && (o.ui.ansi === 'always' || (o.ui.ansi === 'auto' && tty));
  const printer = new LogPrinter(ctx.stdio.stdout, ctx.stdio.stderr, { color, prefix: !o.noLogPrefix });
  const names = containers.map((c) => shortName(project.name, c.name));
  for (const n of names) printer.register(n);
  await Promise.all(
    containers.map(async (c, i) => {
      const code = await streamLogs(ctx, c, names[i]!, printer, {
        follow: o.follow,
        timestamps: o.timestamps,
        ...(tail !== undefined ? { tail } : {}),
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
      });
      if (o.follow && code !== undefined) printer.status(names[i]!, `exited with code ${code}`);
    }),
  );
}
