/** `load`: images from a `docker save` archive (a file or stdin) into containerd. */
import type { Readable } from 'node:stream';
import type { RuntimeContext } from '../../context.js';
import { RequestError } from '../../errors.js';
import { isTTY, openInput } from './input.js';
import { loadImages } from '../../images/load.js';

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
  await loadImages(ctx, input, { quiet: opts.quiet });
}
