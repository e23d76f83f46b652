/** `import`: a root filesystem tarball (a file or stdin) as a one-layer image. */
import type { Readable } from 'node:stream';
import type { RuntimeContext } from '../../context.js';
import { RequestError } from '../../errors.js';
import { openInput } from './input.js';
import { importImage } from '../../images/import.js';

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
  await importImage(ctx, input, {
    ...(opts.ref !== undefined ? { ref: opts.ref } : {}),
    changes: opts.changes ?? [],
    ...(opts.message !== undefined ? { message: opts.message } : {}),
  });
}
