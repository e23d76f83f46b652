/**
 * `events`: containerd's event stream for this namespace, shown as Docker's. tsdock has no daemon
 * keeping a history, so --since cannot replay the past: it only drops events older than it.
 */
import type { RuntimeContext } from '../context.js';
import { compileTemplate } from '../format/template.js';
import { ContainerFiles } from '../state/records.js';
import { statePaths } from '../container/store.js';
import {
  eventContainerId,
  formatEventLine,
  matchesFilters,
  parseEventFilters,
  toMessage,
  type ContainerInfo,
} from './message.js';

export interface EventsOptions {
  format?: string;
  filters: string[];
  since?: string;
  until?: string;
}

export async function streamEvents(ctx: RuntimeContext, opts: EventsOptions): Promise<void> {
  const filters = parseEventFilters(opts.filters);
  const { parseTimeArg } = await import('../logs/timearg.js');
  const now = new Date();
  const nowNs = BigInt(now.getTime()) * 1_000_000n;
  const since = opts.since ? parseTimeArg(opts.since, 'since', now) : undefined;
  const until = opts.until ? parseTimeArg(opts.until, 'until', now) : undefined;
  const template =
    opts.format !== undefined && opts.format !== ''
      ? compileTemplate(opts.format === 'json' ? '{{json .}}' : opts.format)
      : undefined;
  if (until !== undefined && until <= nowNs) return; // no history to show

  const client = await ctx.client();
  const paths = statePaths(ctx);
  const infos = new Map<string, ContainerInfo | null>();
  const lookup = async (id: string): Promise<ContainerInfo | undefined> => {
    const known = infos.get(id);
    if (known !== undefined) return known ?? undefined;
    const record = await new ContainerFiles(paths.container(id)).readRecord();
    // Not tsdock's (another client's container in this namespace): Docker would not know it either.
    const info = record
      ? {
          name: record.name,
          image: record.imageRef,
          labels: (record.config.Labels as Record<string, string> | null | undefined) ?? {},
        }
      : null;
    infos.set(id, info);
    return info ?? undefined;
  };

  const ac = new AbortController();
  const timer =
    until !== undefined ? setTimeout(() => ac.abort(), Number((until - nowNs) / 1_000_000n) + 1) : undefined;
  const { namespace } = ctx.globals;
  try {
    for await (const env of client.events.subscribe([`namespace==${namespace}`], ac.signal)) {
      if (env.namespace !== namespace) continue;
      const raw = { topic: env.topic, timestamp: env.timestamp, decoded: env.event.decoded };
      const id = eventContainerId(raw);
      if (!id) continue;
      const info = await lookup(id);
      if (!info) continue;
      if (env.topic === '/containers/delete') infos.delete(id);
      const m = toMessage(raw, info);
      if (!m) continue;
      if (since !== undefined && m.TimeNano < since) continue;
      if (until !== undefined && m.TimeNano > until) break;
      if (!matchesFilters(m, filters)) continue;
      ctx.stdio.stdout.write(template ? `${template.execute(m)}\n` : formatEventLine(m));
    }
  } catch (err) {
    if (!ac.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
  }
}
