/**
 * `events`: the journal's history for the --since/--until window, then what is appended to it, as
 * dockerd serves them (daemon/events SubscribeTopic, the API's getEvents).
 *
 * Live events come from the journal too, not from containerd's event stream. Every event tsdock can
 * report is in the journal (kill, stop, rename, attach or exec_create are not containerd events at
 * all), so following the one file is the only source that needs no merging: the replay ends at a
 * byte offset and the live part starts there, with neither gap nor duplicate. A containerd
 * subscription beside it would report die or start a second time under a slightly different
 * timestamp, and no cut-off time can tell such a pair from two real events.
 */
import type { RuntimeContext } from '../../context.js';
import { RequestError } from '../../errors.js';
import { compileTemplate } from '../../format/template.js';
import { StatePaths } from '../../state/paths.js';
import { EventJournal, type JournalEntry } from '../../events/journal.js';
import {
  formatEventLine,
  matchesFilters,
  parseEventFilters,
  toMessage,
  type EventMessage,
} from '../../events/message.js';

export interface EventsOptions {
  format?: string;
  filters: string[];
  since?: string;
  until?: string;
  /** A caller's own rendering (compose's event lines); undefined skips the event. */
  render?: (m: EventMessage) => string | undefined;
}

export async function streamEvents(ctx: RuntimeContext, opts: EventsOptions): Promise<void> {
  const filters = parseEventFilters(opts.filters);
  const { timeArg } = await import('../../logs/timearg.js');
  const now = new Date();
  const nowNs = BigInt(now.getTime()) * 1_000_000n;
  const since = opts.since ? timeArg(opts.since, 'since', now) : undefined;
  const until = opts.until ? timeArg(opts.until, 'until', now) : undefined;
  if (until && until.ns < (since?.ns ?? 0n)) {
    throw new RequestError(
      `Error response from daemon: \`since\` time (${since?.text ?? ''}) cannot be after \`until\` time (${until.text})`,
    );
  }
  const template =
    opts.format !== undefined && opts.format !== ''
      ? compileTemplate(opts.format === 'json' ? '{{json .}}' : opts.format)
      : undefined;
  const print = (entries: JournalEntry[], from = 0n) => {
    for (const e of entries) {
      if (e.timeNano < from || (until && e.timeNano > until.ns)) continue;
      const m = toMessage(e);
      if (!matchesFilters(m, filters)) continue;
      if (opts.render) {
        const line = opts.render(m);
        if (line !== undefined) ctx.stdio.stdout.write(line);
        continue;
      }
      ctx.stdio.stdout.write(template ? `${template.execute(m)}\n` : formatEventLine(m));
    }
  };

  const { history, tail } = await new EventJournal(new StatePaths(ctx.stateDir).events).open();
  // dockerd replays its buffer only when a window is asked for; --until alone replays all of it.
  if (since || until) print(history, since?.ns ?? 0n);
  if (until && until.ns < nowNs) {
    await tail.close();
    return;
  }
  // Live events are not held to --since (dockerd does not either); --until ends the stream.
  await new Promise<void>((resolve, reject) => {
    tail.follow((entries) => print(entries), reject);
    if (until) setTimeout(resolve, Number((until.ns - nowNs) / 1_000_000n) + 1);
  }).finally(async () => print(await tail.close()));
}
