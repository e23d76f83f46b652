/**
 * The build's result into containerd's image store, as `commit` stores its image: the config
 * (Docker's field names, BuildKit's history), a Docker schema2 manifest with GC labels, the config
 * labelled with its top snapshot (already committed by the steps), and the names.
 */
import type { ContainerdClient } from '../containerd/client.js';
import { danglingName, putBlob, setImageName, unpackImage } from '../images/content.js';
import {
  type Descriptor,
  MediaType,
  dockerManifest,
  encodeJson,
  manifestGcLabels,
  sha256,
} from '../images/oci.js';
import { imageConfigOf } from './builder.js';
import type { StageState } from './state.js';
import { fillHistoryTimes } from './state.js';

export interface StoredImage {
  id: string;
  target: Descriptor;
  config: Buffer;
}

export function finalConfig(state: StageState, labels: Record<string, string>): Buffer {
  const cfg = imageConfigOf(state, labels);
  const { history, created } = fillHistoryTimes(cfg.history ?? []);
  // BuildKit's exporter writes the config's top-level keys in Go's map order (sorted).
  const sorted = Object.fromEntries(
    Object.entries({ ...cfg, history, ...(created ? { created } : {}) }).sort(([a], [b]) => (a < b ? -1 : 1)),
  );
  return encodeJson(sorted);
}

export async function storeImage(
  lc: ContainerdClient,
  state: StageState,
  labels: Record<string, string>,
  names: string[],
  onName?: (name: string) => void,
): Promise<StoredImage> {
  const configData = finalConfig(state, labels);
  const configDesc: Descriptor = {
    mediaType: MediaType.dockerConfig,
    digest: sha256(configData),
    size: configData.length,
  };
  const manifest = dockerManifest(configDesc, state.layers);
  const manifestData = encodeJson(manifest);
  const target: Descriptor = {
    mediaType: MediaType.dockerManifest,
    digest: sha256(manifestData),
    size: manifestData.length,
  };
  await putBlob(lc, configDesc, configData);
  await putBlob(lc, target, manifestData, manifestGcLabels(manifest));
  await unpackImage(lc, manifest, JSON.parse(configData.toString()) as never);
  if (names.length === 0) await setImageName(lc, danglingName(target), target);
  for (const n of names) {
    await setImageName(lc, n, target);
    onName?.(n);
  }
  return { id: configDesc.digest, target, config: configData };
}

export type Output = { type: 'image' } | { type: 'local'; dest: string } | { type: 'tar'; dest: string };

/** `--output`: `type=local,dest=DIR`, `type=tar,dest=FILE|-`, `type=image|docker`, or the shorthands `DIR` and `-`. */
export function parseOutputs(values: string[]): Output {
  if (values.length === 0) return { type: 'image' };
  if (values.length > 1) throw new Error('multiple outputs are not supported yet');
  const v = values[0]!;
  if (!v.includes('=')) return v === '-' ? { type: 'tar', dest: '-' } : { type: 'local', dest: v };
  const fields = new Map<string, string>();
  for (const part of v.split(',')) {
    const at = part.indexOf('=');
    if (at === -1) throw new Error(`invalid value ${part}`);
    fields.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1));
  }
  const type = fields.get('type') ?? 'local';
  if (type === 'image' || type === 'docker') return { type: 'image' };
  if (type === 'local' || type === 'tar') {
    const dest = fields.get('dest');
    if (!dest) throw new Error(`dest is required for ${type} exporter`);
    return { type, dest };
  }
  throw new Error(`output type ${type} is not supported by tsdock`);
}

/** The result's files written out instead of an image: into a directory, or as a tar. */
export async function exportFiles(
  lc: ContainerdClient,
  chain: string,
  output: Exclude<Output, { type: 'image' }>,
  mountBase: string,
  stdout: NodeJS.WritableStream,
): Promise<void> {
  const { mkdtemp, rmdir, mkdir, cp } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { randomHex } = await import('../state/ids.js');
  const { mountSnapshot, unmount } = await import('../container/rootfs-mount.js');
  await mkdir(mountBase, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(join(mountBase, `${process.pid}-`));
  const key = `tsdock-build-export-${randomHex(8)}`;
  try {
    const mounts = chain ? await lc.snapshots.view(key, chain) : [];
    if (mounts.length) await mountSnapshot(mounts, dir);
    try {
      if (output.type === 'local') {
        await mkdir(output.dest, { recursive: true });
        await cp(dir, output.dest, {
          recursive: true,
          verbatimSymlinks: true,
          preserveTimestamps: true,
          force: true,
        });
      } else {
        const { packTree } = await import('../container/tarfs.js');
        const { createWriteStream } = await import('node:fs');
        const out = output.dest === '-' ? stdout : createWriteStream(output.dest);
        await packTree({ root: dir, path: '/', name: '.' }, out as import('node:stream').Writable);
      }
    } finally {
      if (mounts.length) await unmount(dir);
    }
  } finally {
    if (chain) await lc.snapshots.remove(key).catch(() => undefined);
    await rmdir(dir).catch(() => undefined);
  }
}
