/**
 * `docker export`: the container's whole filesystem as one tar, names relative to its root
 * (`bin/`, `etc/passwd`), running or stopped. `-o` writes next to the target and renames, so a
 * failed export leaves no partial file.
 */
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import type { RuntimeContext } from '../../context.js';
import { RequestError } from '../../errors.js';
import { writeStreamAtomic } from '../../state/files.js';
import { withContainerRoot } from '../../container/rootfs-mount.js';
import { findContainer } from '../../container/store.js';
import { recordEvent } from '../../events/record.js';
import { BrokenPipeError, packTree } from '../../container/tarfs.js';

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
    await writeStreamAtomic(opts.output, 0o644, async (out) => {
      await packTree({ root, path: '/', name: '' }, out);
    });
  });
  await recordEvent(ctx, found.record, 'export');
}
