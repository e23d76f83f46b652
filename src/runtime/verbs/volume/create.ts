/** `volume create`: a named volume (or one with a generated name), printed by name. */
import type { RuntimeContext } from '../../context.js';
import { UsageError } from '../../errors.js';
import { recordVolumeEvent } from '../../events/record.js';
import { kvToMap, validateLabel } from '../../opts/kvfile.js';
import { volumeStore, type Volume } from '../../volumes/store.js';

export interface VolumeCreateOptions {
  /** The positional VOLUME. */
  name?: string;
  /** The hidden --name, docker/cli's older spelling. */
  nameFlag?: string;
  driver: string;
  /** -o key=value, the driver's options (local: type, device, o). */
  options: string[];
  labels: string[];
}

export async function volumeCreate(ctx: RuntimeContext, o: VolumeCreateOptions): Promise<void> {
  ctx.print(`${(await createVolume(ctx, o)).Name}\n`);
}

/** The volume made (or the existing one of that name, as Docker's create), as its inspect document. */
export async function createVolume(ctx: RuntimeContext, o: VolumeCreateOptions): Promise<Volume> {
  if (o.name !== undefined && o.nameFlag) {
    throw new UsageError(
      'conflicting options: cannot specify a volume-name through both --name and as a positional arg',
    );
  }
  const name = o.name ?? o.nameFlag ?? '';
  const labels = kvToMap(
    o.labels.map((l) => {
      try {
        return validateLabel(l);
      } catch (err) {
        throw new UsageError(`invalid argument "${l}" for "--label" flag: ${(err as Error).message}`);
      }
    }),
  );
  // docker/cli's MapOpts: `key=value`, a bare `key` means an empty value.
  const options = kvToMap(o.options);
  const store = volumeStore(ctx);
  const { volume, created } = await store.locked(async () =>
    store.create(name, { driver: o.driver, labels, options }),
  );
  if (created) await recordVolumeEvent(ctx, volume.Name, 'create', { driver: volume.Driver });
  return volume;
}
