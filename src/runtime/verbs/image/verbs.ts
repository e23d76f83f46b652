/**
 * Entry points of the image commands: terminal checks, file/stdin plumbing and rendering around
 * the image runtime (load, import, save, store). Commands call these with plain option objects.
 * load, import and save (archives, tar streams, hashing) are imported by their verbs alone, so that
 * `images`, `tag` or `rmi` do not load them.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import type { RuntimeContext } from '../../context.js';
import { PartialFailureError, RequestError } from '../../errors.js';
import { renderList } from '../../format/output.js';
import { writeStreamAtomic } from '../../state/files.js';
import { type ContainerUse, imageHistory, listImages, removeImages, tagImage } from '../../images/store.js';

function isTTY(s: NodeJS.ReadableStream | NodeJS.WritableStream): boolean {
  return (s as { isTTY?: boolean }).isTTY === true;
}

async function openInput(path: string): Promise<Readable> {
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new RequestError(`read ${path}: is a directory`);
  } catch (err) {
    if (err instanceof RequestError) throw err;
    throw new RequestError(`open ${path}: no such file or directory`, { cause: err });
  }
  return createReadStream(path);
}

export interface LoadCommandOptions {
  input?: string;
  quiet: boolean;
}

export async function loadCommand(ctx: RuntimeContext, opts: LoadCommandOptions): Promise<void> {
  let input: Readable;
  if (opts.input !== undefined) input = await openInput(opts.input);
  else {
    if (isTTY(ctx.stdio.stdin)) throw new RequestError('requested load from stdin, but stdin is empty');
    input = ctx.stdio.stdin as Readable;
  }
  const { loadImages } = await import('../../images/load.js');
  await loadImages(ctx, input, { quiet: opts.quiet });
}

export interface SaveCommandOptions {
  images: string[];
  output?: string;
}

export async function saveCommand(ctx: RuntimeContext, opts: SaveCommandOptions): Promise<void> {
  const { saveImages } = await import('../../images/save.js');
  if (opts.output === undefined) {
    if (isTTY(ctx.stdio.stdout)) {
      throw new RequestError('cowardly refusing to save to a terminal. Use the -o flag or redirect');
    }
    await saveImages(ctx, opts.images, ctx.stdio.stdout as Writable);
    return;
  }
  await writeStreamAtomic(opts.output, 0o600, (out) => saveImages(ctx, opts.images, out));
}

export interface ListImagesCommandOptions {
  reference?: string;
  all: boolean;
  quiet: boolean;
  digests: boolean;
  noTrunc: boolean;
  filters: string[] | undefined;
  format?: string;
}

const IMAGE_HEADERS = {
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  Digest: 'DIGEST',
  ID: 'IMAGE ID',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  Size: 'SIZE',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
  VirtualSize: 'VIRTUAL SIZE',
  Containers: 'CONTAINERS',
};

export async function listImagesCommand(ctx: RuntimeContext, opts: ListImagesCommandOptions): Promise<void> {
  const rows = await listImages(ctx, {
    all: opts.all,
    filters: opts.filters ?? [],
    ...(opts.reference !== undefined ? { reference: opts.reference } : {}),
    digests: opts.digests,
    noTrunc: opts.noTrunc,
  });
  const defaultTable = opts.digests
    ? 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}'
    : 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
  ctx.stdio.stdout.write(
    renderList({
      format: opts.format,
      quiet: opts.quiet,
      quietField: 'ID',
      defaultTable,
      headers: IMAGE_HEADERS,
      rows: opts.quiet ? dedupeIds(rows) : rows,
    }),
  );
}

/** `images -q` lists each image ID once. */
function dedupeIds<T extends { ID: string }>(rows: T[]): T[] {
  const seen = new Set<string>();
  return rows.filter((r) => (seen.has(r.ID) ? false : (seen.add(r.ID), true)));
}

export interface HistoryCommandOptions {
  image: string;
  human: boolean;
  quiet: boolean;
  noTrunc: boolean;
  format?: string;
}

export async function historyCommand(ctx: RuntimeContext, opts: HistoryCommandOptions): Promise<void> {
  const rows = await imageHistory(ctx, opts.image, { noTrunc: opts.noTrunc, human: opts.human });
  ctx.stdio.stdout.write(
    renderList({
      format: opts.format,
      quiet: opts.quiet,
      quietField: 'ID',
      defaultTable: 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}',
      headers: {
        ID: 'IMAGE',
        CreatedSince: 'CREATED',
        CreatedAt: 'CREATED AT',
        CreatedBy: 'CREATED BY',
        Size: 'SIZE',
        Comment: 'COMMENT',
      },
      rows,
    }),
  );
}

export interface ImportCommandOptions {
  /** A file path or `-` for stdin. */
  source: string;
  ref?: string;
  changes: string[] | undefined;
  message?: string;
}

export async function importCommand(ctx: RuntimeContext, opts: ImportCommandOptions): Promise<void> {
  if (/^https?:\/\//.test(opts.source)) {
    throw new RequestError('importing from a URL is not supported; download the file and import it');
  }
  const input = opts.source === '-' ? (ctx.stdio.stdin as Readable) : await openInput(opts.source);
  const { importImage } = await import('../../images/import.js');
  await importImage(ctx, input, {
    ...(opts.ref !== undefined ? { ref: opts.ref } : {}),
    changes: opts.changes ?? [],
    ...(opts.message !== undefined ? { message: opts.message } : {}),
  });
}

export async function tagCommand(
  ctx: RuntimeContext,
  opts: { source: string; target: string },
): Promise<void> {
  await tagImage(ctx, opts.source, opts.target);
}

/** Containers and their images, for rmi's conflict checks. */
async function containerUses(ctx: RuntimeContext): Promise<ContainerUse[]> {
  const { summaries } = await import('../../container/list.js');
  return (await summaries(ctx)).map((s) => ({
    id: s.id,
    imageId: s.record.imageId,
    running: s.state.status === 'running' || s.state.status === 'paused' || s.state.status === 'restarting',
  }));
}

export async function removeImagesCommand(
  ctx: RuntimeContext,
  opts: { images: string[]; force: boolean },
): Promise<void> {
  const failed = await removeImages(ctx, opts.images, {
    force: opts.force,
    containers: await containerUses(ctx),
  });
  if (failed) throw new PartialFailureError();
}
