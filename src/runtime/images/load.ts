/** `load`: image archives into containerd (content, snapshots, image records), printed as Docker does. */
import { recordImageEvent } from '../events/record.js';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { RuntimeContext } from '../context.js';
import type { ContainerdClient } from '../containerd/client.js';
import { type ArchiveImage, archiveImages, spoolArchive } from './archive.js';
import { danglingName, getImage, putBlob, resolveManifest, setImageName, unpackImage } from './content.js';
import { Label, indexGcLabels, isIndexMediaType, isGzipLayer, manifestGcLabels } from './oci.js';
import { familiar } from './reference.js';

export interface LoadOptions {
  /** Docker's -q only hides progress output; the "Loaded image" lines are still printed. */
  quiet: boolean;
}

export interface LoadedImage {
  /** Full containerd names given to the image; empty when it was loaded untagged. */
  names: string[];
  /** Config digest: the image ID. */
  id: string;
}

/** Temp space for spooled archives lives under the data root (same filesystem as tsdock's state). */
export function spoolRoot(ctx: RuntimeContext): string {
  return join(ctx.globals.dataRoot, 'tmp');
}

/** Writes every blob of one archive image with containerd's GC labels, then unpacks it. */
export async function storeArchiveImage(client: ContainerdClient, image: ArchiveImage): Promise<void> {
  const diffIds = image.config.rootfs?.diff_ids ?? [];
  const layerIndex = new Map(image.manifest.layers.map((l, i) => [l.digest, i]));
  for (const blob of image.blobs) {
    const d = blob.descriptor;
    let labels: Record<string, string> = {};
    // The config gets its snapshot label once unpacked (unpackImage), as containerd does.
    if (d.digest === image.manifest.config.digest) labels = {};
    else if (isIndexMediaType(d.mediaType) && image.index) labels = indexGcLabels(image.index);
    else if (layerIndex.has(d.digest)) {
      const diffId = diffIds[layerIndex.get(d.digest)!];
      if (isGzipLayer(d.mediaType) && diffId) labels = { [Label.uncompressed]: diffId };
    } else labels = manifestGcLabels(image.manifest);
    await putBlob(client, d, 'data' in blob ? blob.data : blob.file, labels);
  }
  await unpackImage(client, image.manifest, image.config);
}

export async function loadImages(
  ctx: RuntimeContext,
  input: Readable | string,
  opts: LoadOptions,
): Promise<LoadedImage[]> {
  void opts.quiet;
  const stream = typeof input === 'string' ? createReadStream(input) : input;
  const spooled = await spoolArchive(stream, spoolRoot(ctx));
  const out = ctx.stdio.stdout;
  const loaded: LoadedImage[] = [];
  try {
    const images = await archiveImages(spooled);
    const client = await ctx.client();
    await client.withLease(async (lc) => {
      for (const image of images) {
        await storeArchiveImage(lc, image);
        const id = image.configDescriptor.digest;
        if (image.names.length === 0) {
          const existing = await lc.images.list();
          if (!existing.some((i) => i.target.digest === image.target.digest)) {
            await setImageName(lc, danglingName(image.target), image.target);
          }
          out.write(`Loaded image ID: ${id}\n`);
        }
        for (const name of image.names) {
          const before = await getImage(lc, name);
          await setImageName(lc, name, image.target);
          if (before && before.target.digest !== image.target.digest) {
            const oldId = await configDigestOf(lc, before.target).catch(() => before.target.digest);
            if (oldId !== id) {
              out.write(
                `The image ${familiar(name)} already exists, renaming the old one with ID ${oldId} to empty string\n`,
              );
            }
          }
          out.write(`Loaded image: ${familiar(name)}\n`);
        }
        loaded.push({ names: image.names, id });
        await recordImageEvent(ctx, 'load', { id, labels: image.config.config?.Labels });
      }
    });
  } finally {
    await spooled.cleanup();
  }
  return loaded;
}

async function configDigestOf(
  client: ContainerdClient,
  target: { mediaType: string; digest: string; size: number },
): Promise<string> {
  return (await resolveManifest(client, target)).manifest.config.digest;
}
