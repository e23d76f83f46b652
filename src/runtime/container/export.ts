/**
 * `docker export`: the container's whole filesystem as one tar, names relative to its root
 * (`bin/`, `etc/passwd`), running or stopped. `-o` writes next to the target and renames, so a
 * failed export leaves no partial file.
 */
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import type { RuntimeContext } from '../context.js';
import { RequestError } from '../errors.js';
import { withContainerRoot } from './rootfs-mount.js';
import { findContainer } from './store.js';
import { BrokenPipeError, packTree } from './tarfs.js';

export interface ExportOptions {
  container: string;
  output?: string;
}

export async function exportContainer(ctx: RuntimeContext, opts: ExportOptions): Promise<void> {
  if (opts.output === undefined && (ctx.stdio.stdout as { isTTY?: boolean }).isTTY) {
    throw new RequestError('cowardly refusing to save to a terminal. Use the -o flag or redirect');
  }
  if (opts.output !== undefined) {
    const dir = dirname(opts.output);
    try {
      await stat(dir);
    } catch {
      throw new RequestError(
        `failed to export container: invalid output path: stat ${dir}: no such file or directory`,
      );
    }
  }
  const found = await findContainer(ctx, opts.container);
  await withContainerRoot(ctx, found, async ({ root }) => {
    if (opts.output === undefined) {
      await packTree({ root, path: '/', name: '' }, ctx.stdio.stdout as Writable).catch((err: unknown) => {
        throw err instanceof BrokenPipeError ? new RequestError(err.message) : err;
      });
      return;
    }
    const tmp = join(dirname(opts.output), `.${basename(opts.output)}.${process.pid}.tmp`);
    const fh = await open(tmp, 'w', 0o644);
    try {
      await packTree({ root, path: '/', name: '' }, fh.createWriteStream({ autoClose: false }));
      await rename(tmp, opts.output);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    } finally {
      await fh.close().catch(() => undefined);
    }
  });
}
