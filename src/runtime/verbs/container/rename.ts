/** `rename`: the new name is reserved first, so a failed rename leaves the old one intact. */
import type { RuntimeContext } from '../../context.js';
import { ConflictError, UsageError } from '../../errors.js';
import { findContainer, nameStore, NAME_LABEL } from '../../container/store.js';
import { recordEvent } from '../../events/record.js';
import { validateContainerName } from '../../opts/names.js';
import { withLock } from '../../state/lock.js';

export async function renameContainer(ctx: RuntimeContext, ref: string, newName: string): Promise<void> {
  const found = await findContainer(ctx, ref);
  const name = validateContainerName(newName);
  const old = found.record.name;
  if (name === old) {
    throw new UsageError(
      'Error response from daemon: Renaming a container with the same name as its current name',
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
