/** `compose events`: the project's container events, in docker compose's line or JSON form. */
import type { RuntimeContext } from '../../context.js';
import type { ProjectOptions } from '../../compose/discover.js';
import { LABEL } from '../../compose/containers.js';
import { streamEvents } from '../system/events.js';
import type { EventMessage } from '../../events/message.js';
import { projectOrName } from './down.js';

/** time.Format("2006-01-02 15:04:05.000000") in local time. */
function composeTime(ns: bigint): string {
  const d = new Date(Number(ns / 1_000_000n));
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const micros = Number((ns / 1000n) % 1_000_000n);
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(micros, 6)}`;
}

export function composeEventLine(m: EventMessage, json: boolean): string | undefined {
  if (m.Type !== 'container') return undefined;
  const attrs = { ...m.Actor.Attributes };
  const service = attrs[LABEL.service] ?? '';
  // compose keeps the container's name and image out of the labels it shows.
  const shown: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (!k.startsWith('com.docker.compose.')) shown[k] = v;
  if (json) {
    return (
      JSON.stringify({
        time: new Date(Number(m.TimeNano / 1_000_000n)).toISOString(),
        type: 'container',
        service,
        id: m.Actor.ID,
        action: m.Action,
        attributes: shown,
      }) + '\n'
    );
  }
  const list = Object.entries(shown).map(([k, v]) => `${k}=${v}`);
  return `${composeTime(m.TimeNano)} container ${m.Action} ${m.Actor.ID} (${list.join(', ')})\n`;
}

export async function composeEvents(
  ctx: RuntimeContext,
  o: { project: ProjectOptions; services: string[]; json: boolean; since?: string; until?: string },
): Promise<void> {
  const project = projectOrName(ctx, o.project, o.services);
  await streamEvents(ctx, {
    filters: [
      `label=${LABEL.project}=${project.name}`,
      ...o.services.map((s) => `label=${LABEL.service}=${s}`),
    ],
    ...(o.since ? { since: o.since } : {}),
    ...(o.until ? { until: o.until } : {}),
    render: (m) => composeEventLine(m, o.json),
  });
}
