/**
 * Docker's events.Message (pure): a journal entry as the message `events` prints, the attributes
 * dockerd gives a container event, Docker's filters and the CLI's one-line rendering.
 */
import { UsageError } from '../errors.js';
import type { JournalEntry } from './journal.js';
import { rfc3339NanoFixed } from '../state/clock.js';

export interface EventMessage {
  Status: string;
  ID: string;
  From: string;
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  Scope: string;
  Time: number;
  TimeNano: bigint;
}

/** What a container event says about its container (Config.Image as given, Config.Labels, name). */
export interface ContainerInfo {
  name: string;
  image: string;
  labels: Record<string, string>;
}

/**
 * moby's LogContainerEventWithAttributes: the event's own attributes, the container's labels over
 * them, then image and name over both.
 */
export function containerAttributes(
  info: ContainerInfo,
  extra: Record<string, string> = {},
): Record<string, string> {
  return { ...extra, ...info.labels, ...(info.image ? { image: info.image } : {}), name: info.name };
}

/** A value that prints as Docker's message in {{json .}} (json tags), with Go field names for templates. */
export function toMessage(e: JournalEntry): EventMessage {
  const msg: EventMessage = {
    // The legacy fields dockerd still fills for container events (API < 1.52).
    Status: e.type === 'container' ? e.action : '',
    ID: e.type === 'container' ? e.id : '',
    From: e.type === 'container' ? (e.attributes.image ?? '') : '',
    Type: e.type,
    Action: e.action,
    Actor: { ID: e.id, Attributes: e.attributes },
    Scope: 'local',
    Time: Number(e.timeNano / 1_000_000_000n),
    TimeNano: e.timeNano,
  };
  Object.defineProperty(msg, 'toJSON', {
    enumerable: false,
    value: () => ({
      ...(msg.Status ? { status: msg.Status } : {}),
      ...(msg.ID ? { id: msg.ID } : {}),
      ...(msg.From ? { from: msg.From } : {}),
      Type: msg.Type,
      Action: msg.Action,
      Actor: msg.Actor,
      scope: msg.Scope,
      time: msg.Time,
      timeNano: msg.TimeNano,
    }),
  });
  return msg;
}

/** RFC3339NanoFixed in the local time zone, as the CLI prints it. */
export function formatEventTime(timeNano: bigint, tzOffsetMinutes = new Date().getTimezoneOffset()): string {
  return rfc3339NanoFixed(timeNano, -tzOffsetMinutes);
}

/** docker/cli's printOutput: time, type, action, actor, then the attributes sorted by key. */
export function formatEventLine(m: EventMessage, tzOffsetMinutes?: number): string {
  const attrs = Object.keys(m.Actor.Attributes)
    .sort()
    .map((k) => `${k}=${m.Actor.Attributes[k]}`);
  const tail = attrs.length ? ` (${attrs.join(', ')})` : '';
  return `${formatEventTime(m.TimeNano, tzOffsetMinutes)} ${m.Type} ${m.Action} ${m.Actor.ID}${tail}\n`;
}

export type EventFilters = Map<string, string[]>;

const FILTER_KEYS = new Set(['container', 'event', 'type', 'label', 'image', 'network', 'volume']);
const UNSUPPORTED = new Set(['config', 'daemon', 'node', 'plugin', 'scope', 'secret', 'service']);

/** `--filter key=value`, repeatable; the same key twice is an OR, different keys AND (moby's filters). */
export function parseEventFilters(raw: string[]): EventFilters {
  const out: EventFilters = new Map();
  for (const f of raw) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new UsageError(`bad format of filter (expected name=value)`);
    const key = f.slice(0, eq).toLowerCase();
    // dockerd does not validate event filter keys: one it does not know is ignored.
    if (!FILTER_KEYS.has(key) && !UNSUPPORTED.has(key)) continue;
    out.set(key, [...(out.get(key) ?? []), f.slice(eq + 1)]);
  }
  return out;
}

/** Repository and tag of an image reference, for Docker's image filter (a bare name means :latest). */
function imageKey(ref: string): string {
  const at = ref.indexOf('@');
  const base = at >= 0 ? ref.slice(0, at) : ref;
  const slash = base.lastIndexOf('/');
  const colon = base.lastIndexOf(':');
  const withTag = colon > slash ? base : `${base}:latest`;
  return withTag.replace(/^docker\.io\/(library\/)?/, '');
}

/** moby's stripTag: the familiar repository of a reference, without tag or digest. */
function repoKey(ref: string): string {
  const key = imageKey(ref);
  return key.slice(0, key.lastIndexOf(':'));
}

export function matchesFilters(m: EventMessage, filters: EventFilters): boolean {
  for (const [key, values] of filters) {
    const any = (pred: (v: string) => boolean) => values.some(pred);
    const a = m.Actor.Attributes;
    switch (key) {
      case 'type':
        if (!any((v) => v === m.Type)) return false;
        break;
      case 'event':
        if (!any((v) => v === m.Action || m.Action.split(':')[0] === v)) return false;
        break;
      case 'container':
        // moby's FuzzyMatch: exact or prefix, of the id or the name.
        if (!any((v) => m.Actor.ID.startsWith(v) || (a.name !== undefined && a.name.startsWith(v))))
          return false;
        break;
      case 'image': {
        // moby's matchImage: the actor's ID, or its image (container events) or name (image events).
        const named = m.Type === 'image' ? a.name : a.image;
        const hit = (v: string) =>
          m.Actor.ID === v ||
          (named !== undefined && (imageKey(named) === imageKey(v) || repoKey(named) === v));
        if (!any(hit)) return false;
        break;
      }
      case 'network':
        // moby's matchNetwork (fuzzyMatchName): the actor's id or name begins with the value.
        if (!any((v) => m.Actor.ID.startsWith(v) || (a.name !== undefined && a.name.startsWith(v))))
          return false;
        break;
      case 'label':
        // Every label filter must match (moby's MatchKVList).
        if (
          !values.every((v) => {
            const eq = v.indexOf('=');
            return eq < 0 ? a[v] !== undefined : a[v.slice(0, eq)] === v.slice(eq + 1);
          })
        )
          return false;
        break;
      case 'volume':
        // moby's matchVolume (fuzzyMatchName): the actor's id or name begins with the value.
        if (!any((v) => m.Actor.ID.startsWith(v) || (a.name !== undefined && a.name.startsWith(v))))
          return false;
        break;
      default:
        // Object types tsdock has no events for: nothing matches.
        return false;
    }
  }
  return true;
}
