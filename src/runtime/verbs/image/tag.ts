/** `tag`: one more name for an image (a containerd image record on the same target). */
import type { RuntimeContext } from '../../context.js';
import { RequestError } from '../../errors.js';
import { setImageName } from '../../images/content.js';
import { familiar, normalize } from '../../images/reference.js';
import { recordImageEvent } from '../../events/record.js';
import { resolveWith } from '../../images/resolve.js';

export async function tagImage(ctx: RuntimeContext, opts: { source: string; target: string }): Promise<void> {
  const client = await ctx.client();
  let dst: string;
  try {
    dst = normalize(opts.target);
  } catch (err) {
    throw new RequestError(
      `Error parsing reference: "${opts.target}" is not a valid repository/tag: ${(err as Error).message}`,
      { cause: err },
    );
  }
  if (dst.includes('@'))
    throw new RequestError('Error response from daemon: refusing to create a tag with a digest reference');
  const img = await resolveWith(client, opts.source);
  await setImageName(client, dst, img.target);
  await recordImageEvent(ctx, 'tag', {
    id: img.configDigest,
    name: familiar(dst),
    labels: img.config.config?.Labels,
  });
}
