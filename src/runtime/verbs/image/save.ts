/** `save`: images as a `docker save` archive, to stdout or (atomically) to a file. */
import type { Writable } from 'node:stream';
import type { RuntimeContext } from '../../context.js';
import { RequestError } from '../../errors.js';
import { writeStreamAtomic } from '../../state/files.js';
import { isTTY } from './input.js';
import { saveImages } from '../../images/save.js';

export interface SaveCommandOptions {
  images: string[];
  output?: string;
}

export async function saveCommand(ctx: RuntimeContext, opts: SaveCommandOptions): Promise<void> {
  if (opts.output === undefined) {
    if (isTTY(ctx.stdio.stdout)) {
      throw new RequestError('cowardly refusing to save to a terminal. Use the -o flag or redirect');
    }
    await saveImages(ctx, opts.images, ctx.stdio.stdout as Writable);
    return;
  }
  await writeStreamAtomic(opts.output, 0o600, (out) => saveImages(ctx, opts.images, out));
}
