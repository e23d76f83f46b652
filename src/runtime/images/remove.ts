/**
 * Removing one image as `docker rmi` does: a tag goes (the image only with its last tag), an image
 * given by id goes whole, and an image a container uses is kept unless forced (Docker's conflicts).
 */
import type { RuntimeContext } from '../context.js';
import { ConflictError } from '../errors.js';
import { recordImageEvent } from '../events/record.js';
import { DANGLING_PREFIX, isDanglingName, isNotFound, setImageName } from './content.js';
import { familiar, normalize, shortImageId } from './reference.js';
import { resolveWith } from './resolve.js';
import { dropTargetEntry } from './target-cache.js';
import type { PruneItem } from './prune.js';

export interface ContainerUse {
  /** Full container id. */
  id: string;
  /** sha256:… config digest of its image ('' for another client's container: see imageName). */
  imageId: string;
  /** The image name in another client's container record (a kubelet's, say): what it is known by. */
  imageName?: string;
  running: boolean;
}

export interface RemoveImagesOptions {
  force: boolean;
  /** Containers and the images they use: an image in use is not deleted (Docker's conflicts). */
  containers: ContainerUse[];
}

/**
 * Removes one image argument, handing each name untagged and the image if deleted to `report` as it
 * goes (Docker's `Untagged:`/`Deleted:` lines); throws Docker's errors.
 */
export async function removeImage(
  ctx: RuntimeContext,
  ref: string,
  opts: RemoveImagesOptions,
  report: (item: PruneItem) => void = () => undefined,
): Promise<void> {
  const client = await ctx.client();
  const img = await resolveWith(client, ref);
  const users = opts.containers.filter(
    (c) =>
      c.imageId === img.configDigest ||
      (c.imageName !== undefined && img.records.some((r) => r.name === c.imageName)),
  );
  const running = users.find((c) => c.running);
  const id12 = shortImageId(img.configDigest);

  // Named (a tag goes, the image only with its last tag) or given by id (the whole image goes)?
  const asName = normalizeSafe(ref);
  const byName = asName !== undefined && img.names.includes(asName);
  const names = byName ? [asName] : img.names;

  const labels = img.config.config?.Labels;
  const untagged = (name: string) =>
    recordImageEvent(ctx, 'untag', { id: img.configDigest, name: familiar(name), labels });
  if (byName && img.names.length > 1) {
    await client.images.delete(asName);
    report({ untagged: familiar(asName) });
    await untagged(asName);
    return;
  }
  if (!byName && img.names.length > 1 && !opts.force) {
    throw new ConflictError(
      `Error response from daemon: conflict: unable to delete ${id12} (must be forced) - image is referenced in multiple repositories`,
    );
  }
  if (users.length && !opts.force) {
    throw new ConflictError(
      byName
        ? `Error response from daemon: conflict: unable to remove repository reference "${ref}" (must force) - container ${users[0]!.id.slice(0, 12)} is using its referenced image ${id12}`
        : running
          ? `Error response from daemon: conflict: unable to delete ${id12} (cannot be forced) - image is being used by running container ${running.id.slice(0, 12)}`
          : `Error response from daemon: conflict: unable to delete ${id12} (must be forced) - image is being used by stopped container ${users[0]!.id.slice(0, 12)}`,
    );
  }
  if (running && !byName) {
    throw new ConflictError(
      `Error response from daemon: conflict: unable to delete ${id12} (cannot be forced) - image is being used by running container ${running.id.slice(0, 12)}`,
    );
  }
  const ignoreMissing = (err: unknown) => {
    if (!isNotFound(err)) throw err;
  };
  if (users.length) {
    // Forced while a stopped container uses it: Docker untags but keeps the image (as <none>).
    // The dangling record comes first so the content is never unreferenced.
    await setImageName(client, `${DANGLING_PREFIX}${img.target.digest}`, img.target);
  }
  const dangling = users.length ? [] : img.records.filter((r) => isDanglingName(r.name)).map((r) => r.name);
  const doomed = [...names, ...dangling];
  for (const [i, n] of doomed.entries()) {
    // The last record goes with a synchronous GC: content and snapshots are gone before we report.
    const last = i === doomed.length - 1 && !users.length;
    await client.images.delete(n, last).catch(ignoreMissing);
    if (!isDanglingName(n)) {
      report({ untagged: familiar(n) });
      await untagged(n);
    }
  }
  if (users.length) return;
  await dropTargetEntry(ctx.stateDir, img.target.digest).catch(() => undefined);
  report({ deleted: img.configDigest });
  await recordImageEvent(ctx, 'delete', { id: img.configDigest });
}

function normalizeSafe(ref: string): string | undefined {
  try {
    return normalize(ref);
  } catch {
    return undefined;
  }
}
