/**
 * `import`: a root filesystem tarball (plain or gzip) becomes a one-layer image, as Docker's
 * ImportImage does: the layer is stored uncompressed (its digest is the diff ID), the config gets
 * this host's platform, the creation time, `--change` instructions and a history entry.
 */
import { recordImageEvent } from '../events/record.js';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RuntimeContext } from '../context.js';
import { RequestError } from '../errors.js';
import { maybeGunzip } from './archive.js';
import { danglingName, putBlob, setImageName, unpackImage } from './content.js';
import { spoolRoot } from './load.js';
import {
  type ContainerConfig,
  type Descriptor,
  type ImageConfig,
  MediaType,
  dockerManifest,
  encodeJson,
  hostPlatform,
  manifestGcLabels,
  sha256,
} from './oci.js';
import { normalize } from './reference.js';

export interface ImportOptions {
  /** Target name (`REPOSITORY[:TAG]`); untagged when absent. */
  ref?: string;
  /** `--change` Dockerfile instructions. */
  changes: string[];
  /** `--message`: the history comment (default `Imported from -`, as Docker's CLI always sends `-`). */
  message?: string;
}

function splitWords(s: string): string[] {
  return s.trim().split(/\s+/).filter(Boolean);
}

function parseJsonOrShell(arg: string): string[] {
  const t = arg.trim();
  if (t.startsWith('[')) {
    try {
      const v = JSON.parse(t) as unknown;
      if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
    } catch {
      // not JSON: Docker falls back to the shell form
    }
  }
  return ['/bin/sh', '-c', t];
}

function parseKeyValues(arg: string, instr: string): [string, string][] {
  const t = arg.trim();
  if (!t.includes('=')) {
    // Legacy `ENV key value` form.
    const sp = t.search(/\s/);
    if (sp < 0) throw new RequestError(`Error response from daemon: ${instr} requires at least one argument`);
    return [[t.slice(0, sp), t.slice(sp).trim()]];
  }
  const out: [string, string][] = [];
  const re = /([^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  for (const m of t.matchAll(re)) {
    let v = m[2]!;
    if (v.startsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    else if (v.startsWith("'")) v = v.slice(1, -1);
    out.push([m[1]!, v]);
  }
  return out;
}

/** Applies `--change` instructions the way Docker's import accepts them. */
export function applyChanges(config: ContainerConfig, changes: string[]): ContainerConfig {
  const c: ContainerConfig = { ...config };
  for (const change of changes) {
    const t = change.trim();
    const sp = t.search(/\s/);
    const instr = (sp < 0 ? t : t.slice(0, sp)).toUpperCase();
    const arg = sp < 0 ? '' : t.slice(sp + 1);
    switch (instr) {
      case 'CMD':
        c.Cmd = parseJsonOrShell(arg);
        break;
      case 'ENTRYPOINT':
        c.Entrypoint = parseJsonOrShell(arg);
        break;
      case 'ENV': {
        const env = [...(c.Env ?? [])];
        for (const [k, v] of parseKeyValues(arg, instr)) {
          const i = env.findIndex((e) => e.split('=')[0] === k);
          if (i >= 0) env[i] = `${k}=${v}`;
          else env.push(`${k}=${v}`);
        }
        c.Env = env;
        break;
      }
      case 'LABEL':
        c.Labels = { ...(c.Labels ?? {}), ...Object.fromEntries(parseKeyValues(arg, instr)) };
        break;
      case 'EXPOSE': {
        const ports = { ...(c.ExposedPorts ?? {}) };
        for (const p of splitWords(arg)) ports[p.includes('/') ? p.toLowerCase() : `${p}/tcp`] = {};
        c.ExposedPorts = ports;
        break;
      }
      case 'USER':
        c.User = arg.trim();
        break;
      case 'WORKDIR':
        c.WorkingDir = arg.trim();
        break;
      case 'STOPSIGNAL':
        c.StopSignal = arg.trim();
        break;
      case 'VOLUME': {
        const vols = { ...(c.Volumes ?? {}) };
        const list = arg.trim().startsWith('[') ? (JSON.parse(arg) as string[]) : splitWords(arg);
        for (const v of list) vols[v] = {};
        c.Volumes = vols;
        break;
      }
      case 'ONBUILD':
        c.OnBuild = [...(c.OnBuild ?? []), arg.trim()];
        break;
      default:
        throw new RequestError(`Error response from daemon: ${instr} is not a valid change command`);
    }
  }
  return c;
}

/** The config `docker import` writes (Docker's V1Image fields; zero values as Docker has them). */
export function importConfig(diffId: string, opts: ImportOptions, now = new Date()): ImageConfig {
  const platform = hostPlatform();
  const message = opts.message ?? 'Imported from -';
  const created = now.toISOString();
  return {
    architecture: platform.architecture,
    ...(platform.variant ? { variant: platform.variant } : {}),
    os: platform.os,
    created,
    comment: message,
    config: applyChanges({}, opts.changes),
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [{ created, comment: message }],
  };
}

/** Imports a rootfs tarball; prints and returns the image ID (`sha256:…`). */
export async function importImage(
  ctx: RuntimeContext,
  input: Readable | string,
  opts: ImportOptions,
): Promise<string> {
  // Validate the name before reading a possibly large input.
  const name = opts.ref !== undefined ? normalize(opts.ref) : undefined;
  if (name?.includes('@'))
    throw new RequestError('Error response from daemon: refusing to create a tag with a digest reference');
  applyChanges({}, opts.changes);

  const root = spoolRoot(ctx);
  await mkdir(root, { recursive: true });
  const dir = await mkdtemp(join(root, 'import-'));
  try {
    const path = join(dir, 'layer.tar');
    const hash = createHash('sha256');
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _e, cb) {
        hash.update(chunk);
        size += chunk.length;
        cb(null, chunk);
      },
    });
    const src = typeof input === 'string' ? createReadStream(input) : input;
    await pipeline(await maybeGunzip(src), tap, createWriteStream(path));
    const diffId = `sha256:${hash.digest('hex')}`;
    const layer: Descriptor = { mediaType: MediaType.dockerLayer, digest: diffId, size };
    const config = importConfig(diffId, opts);
    const configData = encodeJson(config);
    const configDesc: Descriptor = {
      mediaType: MediaType.dockerConfig,
      digest: sha256(configData),
      size: configData.length,
    };
    const manifest = dockerManifest(configDesc, [layer]);
    const manifestData = encodeJson(manifest);
    const target: Descriptor = {
      mediaType: MediaType.dockerManifest,
      digest: sha256(manifestData),
      size: manifestData.length,
    };

    const client = await ctx.client();
    await client.withLease(async (lc) => {
      await putBlob(lc, layer, { path, size, digest: diffId, head: Buffer.alloc(0) });
      await putBlob(lc, configDesc, configData);
      await putBlob(lc, target, manifestData, manifestGcLabels(manifest));
      await unpackImage(lc, manifest, config);
      await setImageName(lc, name ?? danglingName(target), target);
    });
    await recordImageEvent(ctx, 'import', { id: configDesc.digest, labels: config.config?.Labels });
    ctx.stdio.stdout.write(`${configDesc.digest}\n`);
    return configDesc.digest;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
