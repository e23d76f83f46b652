/** `rename`: the new name is reserved first, so a failed rename leaves the old one intact. */
import type { RuntimeContext } from '../../context.js';
import { ConflictError, PartialFailureError, RequestError, TsdockError } from '../../errors.js';
import { findContainer, nameStore, NAME_LABEL } from '../../container/store.js';
import { recordEvent } from '../../events/record.js';
import { validateContainerName } from '../../opts/names.js';
import { withLock } from '../../state/lock.js';

/**
 * docker/cli's runRename: names trimmed, an empty one refused before the request; any refusal
 * of the daemon printed, then `Error: failed to rename container named OLD`, exit 1.
 */
export async function renameContainer(ctx: RuntimeContext, ref: string, newName: string): Promise<void> {
  const oldName = ref.trim();
  const wanted = newName.trim();
  if (oldName === '' || wanted === '')
    throw new RequestError('Error: Neither old nor new names may be empty');
  try {
    await rename(ctx, oldName, wanted);
  } catch (err) {
    if (!(err instanceof TsdockError)) throw err;
    throw new PartialFailureError(
      [{ ref: oldName, error: err }],
      [],
      `Error: failed to rename container named ${oldName}`,
    );
  }
}

async function rename(ctx: RuntimeContext, ref: string, newName: string): Promise<void> {
  const found = await findContainer(ctx, ref);
  const old = found.record.name;
  if (newName.replace(/^\//, '') === old) {
    throw new RequestError(
      'Error response from daemon: Renaming a container with the same name as its current name',
    );
  }
  // The daemon checks the name with its leading slash added, and wraps the refusal.
  let name: string;
  try {
    name = validateContainerName(newName.startsWith('/') ? newName : `/${newName}`);
  } catch (err) {
    throw new RequestError(
      (err as Error).message.replace(/^(Error response from daemon: )/, '$1Error when allocating new name: '),
    );
  }
  const client = await ctx.client();
  const names = nameStore(ctx, client);
  try {
    await names.reserve(name, found.id);
  } catch (err) {
    // moby wraps the name conflict: "Error when allocating new name: Conflict. …"
    if (err instanceof ConflictError) {
      throw new ConflictError(
        err.message.replace(/^(Error response from daemon: )/, '$1Error when allocating new name: '),
      );
    }
    throw err;
  }
  try {
    const c = await client.containers.get(found.id);
    c.labels = { ...c.labels, [NAME_LABEL]: name };
    await client.containers.update(c, [`labels.${NAME_LABEL}`]);
    // A read-modify-write of container.json: under the container's lock, on what is there now
    // (an update or network connect may have changed it since it was found).
    await withLock(found.files.dir, async () => {
      const now = (await found.files.readRecord()) ?? found.record;
      await found.files.writeRecord({ ...now, name });
    });
  } catch (err) {
    await names.release(name, found.id);
    throw err;
  }
  await names.release(old, found.id);
  await recordEvent(ctx, { ...found.record, name }, 'rename', { oldName: `/${old}` });
}
