/** Container events into the journal, from the places where tsdock causes or learns of them. */
import type { RuntimeContext } from '../context.js';
import type { ContainerRecord } from '../state/records.js';
import { StatePaths } from '../state/paths.js';
import { EventJournal, nowNanos, type JournalEntry } from './journal.js';
import { containerAttributes } from './message.js';

export type EventSubject = Pick<ContainerRecord, 'id' | 'name' | 'imageRef' | 'config'>;

/**
 * A journal that cannot be written (a full disk) must not fail the command that caused the event,
 * as dockerd's in-memory log cannot fail it either; --debug says so.
 */
async function append(ctx: RuntimeContext, entry: Omit<JournalEntry, 'timeNano'>): Promise<void> {
  try {
    await new EventJournal(new StatePaths(ctx.stateDir).events).append({ timeNano: nowNanos(), ...entry });
  } catch (err) {
    if (ctx.globals.debug)
      ctx.stdio.stderr.write(`events: ${entry.action} ${entry.id} not recorded: ${String(err)}\n`);
  }
}

/** One container event, with the attributes dockerd gives it (labels, image, name). */
export function recordEvent(
  ctx: RuntimeContext,
  subject: EventSubject,
  action: string,
  extra?: Record<string, string>,
): Promise<void> {
  const labels = (subject.config.Labels as Record<string, string> | null | undefined) ?? {};
  return append(ctx, {
    type: 'container',
    action,
    id: subject.id,
    attributes: containerAttributes({ name: subject.name, image: subject.imageRef, labels }, extra),
  });
}

/** `container prune`'s event: about no container, with the space reclaimed. */
export function recordPrune(ctx: RuntimeContext, reclaimed: number): Promise<void> {
  return append(ctx, {
    type: 'container',
    action: 'prune',
    id: '',
    attributes: { reclaimed: String(reclaimed) },
  });
}

/** A volume event (create, destroy, prune), with dockerd's attributes. */
export function recordVolumeEvent(
  ctx: RuntimeContext,
  name: string,
  action: 'create' | 'destroy' | 'prune',
  attributes: Record<string, string>,
): Promise<void> {
  return append(ctx, { type: 'volume', action, id: name, attributes });
}

/** What an image event is about: moby's LogImageEvent (its ID, `name`, the image's labels). */
export interface ImageEventSubject {
  /** The image ID (config digest); for pull and push the reference pulled or pushed. */
  id: string;
  /** `name`: the tag for tag/untag, the repository for pull/push, else the ID itself. */
  name?: string;
  labels?: Record<string, string> | null;
}

/** An image event: pull, push, tag, untag, delete, import, load, save (Docker's actions). */
export function recordImageEvent(
  ctx: RuntimeContext,
  action: string,
  subject: ImageEventSubject,
): Promise<void> {
  return append(ctx, {
    type: 'image',
    action,
    id: subject.id,
    attributes: { ...(subject.labels ?? {}), name: subject.name ?? subject.id },
  });
}

/** What a network event is about: moby's LogNetworkEvent (ID, `name`, `type` the driver). */
export interface NetworkEventSubject {
  id: string;
  name: string;
  driver: string;
}

/** A network event: create, destroy, connect and disconnect (with `container`). */
export function recordNetworkEvent(
  ctx: RuntimeContext,
  action: string,
  network: NetworkEventSubject,
  extra: Record<string, string> = {},
): Promise<void> {
  return append(ctx, {
    type: 'network',
    action,
    id: network.id,
    attributes: { ...extra, name: network.name, type: network.driver },
  });
}

/** `image prune`'s or `network prune`'s event: about no object, with the space reclaimed. */
export function recordTypePrune(
  ctx: RuntimeContext,
  type: 'image' | 'network',
  reclaimed: number,
): Promise<void> {
  return append(ctx, { type, action: 'prune', id: '', attributes: { reclaimed: String(reclaimed) } });
}
