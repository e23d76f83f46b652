/**
 * The pause image of kube play's infrastructure containers, made locally from tsdock's own static
 * pause binary (no registry, no internet): one file, /pause, as the entrypoint. Its tag is the
 * binary's digest, so a rebuilt binary gets a new image and an existing one is reused.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { RuntimeContext } from '../context.js';
import { NotFoundError, SystemError } from '../errors.js';
import { rootPath } from '../../paths.js';
import { resolveImage } from '../images/resolve.js';
import { importImage } from '../images/import.js';

export const PAUSE_REPO = 'tsdock/pause';

function pauseBinary(): Buffer {
  try {
    return readFileSync(rootPath('dist', 'tsdock-pause'));
  } catch {
    throw new SystemError('tsdock-pause is missing from this install (npm run build makes it)');
  }
}

/** The image's reference, imported first when missing. `quiet` takes import's output. */
export async function ensurePauseImage(ctx: RuntimeContext, quiet: RuntimeContext): Promise<string> {
  const bin = pauseBinary();
  const ref = `${PAUSE_REPO}:${createHash('sha256').update(bin).digest('hex').slice(0, 12)}`;
  try {
    await resolveImage(ctx, ref);
    return ref;
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  const pack = tar.pack();
  pack.entry({ name: 'pause', mode: 0o755, mtime: new Date(0) }, bin);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  await importImage(quiet, Readable.from([Buffer.concat(chunks)]), {
    ref,
    changes: ['ENTRYPOINT ["/pause"]'],
  });
  return ref;
}
