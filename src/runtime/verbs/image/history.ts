/** `history`: an image's history entries, newest first, with their layers' sizes. */
import type { RuntimeContext } from '../../context.js';
import { renderList } from '../../format/output.js';
import { ellipsis } from '../../format/ps.js';
import { humanDuration, humanSize } from '../../format/units.js';
import { layerSizes } from '../../images/content.js';
import type { HistoryEntry } from '../../images/oci.js';
import { shortImageId } from '../../images/reference.js';
import { resolveWith } from '../../images/resolve.js';

/** Go's time.RFC3339 (seconds) in UTC, as `history -H=false` prints on a UTC host. */
function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

export interface HistoryOptions {
  noTrunc: boolean;
  /** -H (default true): sizes and dates for humans; false gives RFC 3339 and bytes. */
  human: boolean;
}

/** One row of `docker history`, with the field names its templates use. */
export interface HistoryRow {
  ID: string;
  CreatedSince: string;
  CreatedAt: string;
  CreatedBy: string;
  Size: string;
  Comment: string;
}

export async function imageHistory(
  ctx: RuntimeContext,
  ref: string,
  opts: HistoryOptions,
): Promise<HistoryRow[]> {
  const client = await ctx.client();
  const img = await resolveWith(client, ref);
  const sizes = await layerSizes(client, img.manifest, img.config);
  const history: HistoryEntry[] = img.config.history?.length
    ? img.config.history
    : img.diffIds.map(() => ({ created: img.config.created, created_by: '', empty_layer: false }));
  let layer = 0;
  const rows = history.map((h) => {
    const size = h.empty_layer ? 0 : (sizes[layer++] ?? 0);
    const created = h.created ? new Date(h.created) : undefined;
    const createdBy = (h.created_by ?? '').replace(/\t/g, ' ');
    return {
      ID: '<missing>',
      CreatedSince: created
        ? opts.human
          ? `${humanDuration(Date.now() - created.getTime())} ago`
          : rfc3339(created)
        : 'N/A',
      CreatedAt: created ? rfc3339(created) : '',
      CreatedBy: opts.noTrunc ? createdBy : ellipsis(createdBy, 45),
      Size: opts.human ? humanSize(size) : String(size),
      Comment: h.comment ?? '',
    };
  });
  rows.reverse();
  // The newest entry is the image itself; older ones have no image of their own.
  if (rows[0]) rows[0].ID = opts.noTrunc ? img.configDigest : shortImageId(img.configDigest);
  return rows;
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
      typeName: '*image.historyContext',
      customFormatOverQuiet: true,
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
