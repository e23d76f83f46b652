/**
 * `docker commit`: a new image from the container's changes. containerd's Diff service compares
 * the image's snapshot (a read-only view) with the container's and writes the layer into the
 * content store; the new config is the image's with the container's configuration (plus
 * `--change`), one more diff ID and a history entry, as moby's commit builds it. The layer is then
 * unpacked like a loaded one, so the new image runs at once.
 */
import type { RuntimeContext } from '../../context.js';
import { RequestError } from '../../errors.js';
import { EMPTY_LAYER_DIFF_ID, layerDiff } from '../../images/layer-diff.js';
import { danglingName, putBlob, setImageName, unpackImage } from '../../images/content.js';
import { applyChanges } from '../../images/import.js';
import {
  type ContainerConfig,
  type Descriptor,
  type ImageConfig,
  encodeJson,
  manifestGcLabels,
  sha256,
} from '../../images/oci.js';
import { familiar, normalize } from '../../images/reference.js';
import { resolveWith } from '../../images/resolve.js';
import { findContainer } from '../../container/store.js';
import { recordEvent } from '../../events/record.js';

export interface CommitOptions {
  container: string;
  reference?: string;
  author?: string;
  message?: string;
  changes: string[];
  pause: boolean;
}

/** The container part of the new config: the container's own, then --change on top (moby's merge). */
export function commitConfig(containerConfig: Record<string, unknown>, changes: string[]): ContainerConfig {
  return applyChanges({ ...(containerConfig as ContainerConfig) }, changes);
}

export function commitImageConfig(
  base: ImageConfig,
  opts: {
    containerId: string;
    containerConfig: ContainerConfig;
    config: ContainerConfig;
    diffId: string;
    author?: string;
    message?: string;
    now?: Date;
  },
): ImageConfig {
  const created = (opts.now ?? new Date()).toISOString();
  const empty = opts.diffId === EMPTY_LAYER_DIFF_ID;
  const cmd = opts.containerConfig.Cmd ?? [];
  const history = [...(base.history ?? [])];
  history.push({
    created,
    ...(opts.author ? { author: opts.author } : {}),
    created_by: cmd.join(' '),
    ...(opts.message ? { comment: opts.message } : {}),
    ...(empty ? { empty_layer: true } : {}),
  });
  const out: ImageConfig = {
    ...base,
    architecture: base.architecture,
    os: base.os,
    config: opts.config,
    container: opts.containerId,
    container_config: opts.containerConfig,
    created,
    history,
    rootfs: {
      type: 'layers',
      diff_ids: [...(base.rootfs?.diff_ids ?? []), ...(empty ? [] : [opts.diffId])],
    },
  };
  if (opts.author) out.author = opts.author;
  else delete out.author;
  if (opts.message) out.comment = opts.message;
  else delete out.comment;
  return out;
}

export async function commitContainer(ctx: RuntimeContext, opts: CommitOptions): Promise<string> {
  let name: string | undefined;
  if (opts.reference !== undefined) {
    try {
      name = normalize(opts.reference);
    } catch (err) {
      throw new RequestError(
        `invalid reference format: ${(err as Error).message.replace(/^invalid reference format: /, '')}`,
      );
    }
    if (name.includes('@')) throw new RequestError('invalid reference format');
  }
  // Checked before any work: a bad --change is the user's to fix.
  applyChanges({}, opts.changes);
  const found = await findContainer(ctx, opts.container);
  const client = await ctx.client();
  const base = await resolveWith(client, found.record.imageId);
  const containerConfig = found.record.config as ContainerConfig;
  const config = commitConfig(found.record.config, opts.changes);

  const { getTask } = await import('../../container/store.js');
  const task = await getTask(client, found.id);
  const pause = opts.pause && task?.status === 'RUNNING';
  if (pause) await client.tasks.pause(found.id);
  let id = '';
  try {
    await client.withLease(async (lc) => {
      const { layer, diffId } = await layerDiff(lc, base.chainId, found.container.snapshotKey || found.id);
      const imageConfig = commitImageConfig(base.config, {
        containerId: found.id,
        containerConfig,
        config,
        diffId,
        author: opts.author,
        message: opts.message,
      });
      const layers = diffId === EMPTY_LAYER_DIFF_ID ? base.manifest.layers : [...base.manifest.layers, layer];
      const configData = encodeJson(imageConfig);
      const configDesc: Descriptor = {
        mediaType: base.manifest.config.mediaType,
        digest: sha256(configData),
        size: configData.length,
      };
      const manifest = { ...base.manifest, config: configDesc, layers };
      const manifestData = encodeJson(manifest);
      const target: Descriptor = {
        mediaType: base.manifestDescriptor.mediaType,
        digest: sha256(manifestData),
        size: manifestData.length,
      };
      await putBlob(lc, configDesc, configData);
      await putBlob(lc, target, manifestData, manifestGcLabels(manifest));
      await unpackImage(lc, manifest, imageConfig);
      await setImageName(lc, name ?? danglingName(target), target);
      id = configDesc.digest;
    });
  } finally {
    if (pause) await client.tasks.resume(found.id).catch(() => undefined);
  }
  await recordEvent(ctx, found.record, 'commit', {
    comment: opts.message ?? '',
    imageID: id,
    imageRef: name ? familiar(name) : '',
  });
  ctx.stdio.stdout.write(`${id}\n`);
  return id;
}
