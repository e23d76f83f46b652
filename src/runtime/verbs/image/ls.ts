/** `images` / `image ls`: Docker's rows (one per name, dangling ones as <none>), filtered and sorted. */
import { parseFilterArgs } from '../../opts/filters.js';
import type { RuntimeContext } from '../../context.js';
import type { ContainerdClient } from '../../containerd/client.js';
import { RequestError } from '../../errors.js';
import { goTimeString } from '../../format/gofmt.js';
import { renderList } from '../../format/output.js';
import { goDurationParse, humanDuration, humanSize } from '../../format/units.js';
import { isDanglingName } from '../../images/content.js';
import { familiar, shortImageId, splitRepositoryTag } from '../../images/reference.js';
import { imageSize, loadAll, resolveWith, type Loaded } from '../../images/resolve.js';

export interface ListImagesOptions {
  /** -a: Docker also shows intermediate build images; we have none, so it changes nothing. */
  all: boolean;
  /** --filter values, `key=value`. */
  filters: string[];
  /** Positional REPOSITORY[:TAG]: a `reference` filter. */
  reference?: string;
  digests: boolean;
  noTrunc: boolean;
}

/** One row of `docker images`, with the field names its templates use. */
export interface ImageRow {
  Containers: string;
  CreatedAt: string;
  CreatedSince: string;
  Digest: string;
  ID: string;
  Repository: string;
  SharedSize: string;
  Size: string;
  Tag: string;
  UniqueSize: string;
  VirtualSize: string;
}

const IMAGE_FILTERS = new Set(['dangling', 'label', 'before', 'since', 'reference', 'until']);

function parseImageFilters(raw: string[]): Map<string, string[]> {
  const m = parseFilterArgs(raw, IMAGE_FILTERS);
  for (const v of m.get('dangling') ?? []) {
    if (!['true', 'false', '1', '0'].includes(v.toLowerCase())) {
      throw new RequestError(`Error response from daemon: invalid filter 'dangling=${v}'`);
    }
  }
  return m;
}

/** Go's path.Match, which reference filters use (`*` does not cross `/`). */
export function pathMatch(pattern: string, name: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) return false;
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = `^${cls.slice(1)}`;
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else re += c.replace(/[.+^${}()|\]\\/]/g, '\\$&');
  }
  try {
    return new RegExp(`${re}$`).test(name);
  } catch {
    return false;
  }
}

/** distribution/reference FamiliarMatch: the pattern against `repo:tag` and against `repo`. */
function referenceMatches(pattern: string, name: string): boolean {
  const fam = familiar(name);
  const { repository } = splitRepositoryTag(name);
  return pathMatch(pattern, fam) || pathMatch(pattern, repository);
}

function createdOf(l: Pick<Loaded, 'config' | 'record'>): Date {
  if (l.config.created) {
    const d = new Date(l.config.created);
    if (!Number.isNaN(d.getTime())) return d;
  }
  return l.record.createdAt ?? new Date(0);
}

function labelMatches(labels: Record<string, string> | undefined, want: string): boolean {
  const eq = want.indexOf('=');
  const key = eq < 0 ? want : want.slice(0, eq);
  if (!labels || !(key in labels)) return false;
  return eq < 0 || labels[key] === want.slice(eq + 1);
}

/** What an image record shows as in a row; dangling: no name to show (<none> <none>). */
export interface RowName {
  repository: string;
  tag: string;
  digest: string;
  dangling: boolean;
}

/**
 * The rows Docker shows for a set of image records, one name each. Besides tsdock's own names,
 * containerd's CRI plugin names every image it pulls three times: `repo:tag`, `repo@digest` and
 * `sha256:<config digest>` (its image id; isDanglingName). As Docker shows an image with a tag
 * and a digest of one repository (RepoTags and RepoDigests): one row, the digest in its DIGEST
 * column; a digest name alone is a `repo <none>` row; an id name is no name, shown only as
 * <none> when the content has no other.
 */
export function rowNames<T extends { record: { name: string }; configDigest: string }>(
  all: T[],
): { l: T; name: RowName }[] {
  const unnamed = (l: T) => isDanglingName(l.record.name);
  const named = new Set(all.filter((l) => !unnamed(l)).map((l) => l.configDigest));
  const split = new Map(all.map((l) => [l, unnamed(l) ? undefined : splitRepositoryTag(l.record.name)]));
  const key = (l: T, repository: string) => `${l.configDigest} ${repository}`;
  const tagged = new Set<string>();
  const digests = new Map<string, string>();
  for (const l of all) {
    const n = split.get(l);
    if (!n) continue;
    if (n.digest) digests.set(key(l, n.repository), n.digest);
    else tagged.add(key(l, n.repository));
  }
  const out: { l: T; name: RowName }[] = [];
  for (const l of all) {
    const n = split.get(l);
    if (!n) {
      // A dangling record of content that also has a name is not shown twice.
      if (!named.has(l.configDigest)) {
        out.push({ l, name: { repository: '<none>', tag: '<none>', digest: '<none>', dangling: true } });
      }
      continue;
    }
    if (n.digest && n.tag === '<none>' && tagged.has(key(l, n.repository))) continue;
    const digest = n.digest ?? digests.get(key(l, n.repository)) ?? '<none>';
    out.push({ l, name: { repository: n.repository, tag: n.tag, digest, dangling: false } });
  }
  return out;
}

export async function listImages(ctx: RuntimeContext, opts: ListImagesOptions): Promise<ImageRow[]> {
  const filters = parseImageFilters(opts.filters);
  if (opts.reference) filters.set('reference', [...(filters.get('reference') ?? []), opts.reference]);
  const client = await ctx.client();
  const all = await loadAll(client);
  const visible = rowNames(all);

  const refTime = async (ref: string) => createdOf((await resolveLoaded(client, all, ref)).matched);
  const before = filters.get('before')?.[0];
  const since = filters.get('since')?.[0];
  const beforeT = before ? await refTime(before) : undefined;
  const sinceT = since ? await refTime(since) : undefined;
  const dangling = filters.get('dangling')?.[0]?.toLowerCase();

  const sizes = new Map<string, number>();
  const rows: { row: ImageRow; created: Date }[] = [];
  for (const { l, name } of visible) {
    const isDangling = name.dangling;
    if (dangling !== undefined && (dangling === 'true' || dangling === '1') !== isDangling) continue;
    const refs = filters.get('reference');
    if (refs && (isDangling || !refs.some((p) => referenceMatches(p, l.record.name)))) continue;
    const labels = l.config.config?.Labels;
    if (!(filters.get('label') ?? []).every((want) => labelMatches(labels ?? undefined, want))) continue;
    const created = createdOf(l);
    if (beforeT && created >= beforeT) continue;
    if (sinceT && created <= sinceT) continue;
    const until = filters.get('until')?.[0];
    if (until && created > untilTime(until)) continue;

    let size = sizes.get(l.configDigest);
    if (size === undefined) {
      size = await imageSize(client, l);
      sizes.set(l.configDigest, size);
    }
    const sizeText = humanSize(size);
    rows.push({
      created,
      row: {
        Containers: 'N/A',
        // docker/cli prints time.Unix(created, 0): whole seconds.
        CreatedAt: goTimeString(new Date(Math.floor(created.getTime() / 1000) * 1000)),
        CreatedSince: `${humanDuration(Date.now() - created.getTime())} ago`,
        Digest: name.digest,
        ID: opts.noTrunc ? l.configDigest : shortImageId(l.configDigest),
        Repository: name.repository,
        SharedSize: 'N/A',
        Size: sizeText,
        Tag: name.tag,
        UniqueSize: 'N/A',
        VirtualSize: sizeText,
      },
    });
  }
  // Newest first, as Docker; ties by name for a stable order.
  rows.sort(
    (a, b) =>
      b.created.getTime() - a.created.getTime() ||
      a.row.Repository.localeCompare(b.row.Repository) ||
      a.row.Tag.localeCompare(b.row.Tag),
  );
  return rows.map((r) => r.row);
}

function untilTime(v: string): Date {
  if (/^\d+(\.\d+)?$/.test(v)) return new Date(Number(v) * 1000);
  try {
    return new Date(Date.now() - goDurationParse(v) / 1e6);
  } catch {
    /* not a duration */
  }
  const d = new Date(v);
  if (Number.isNaN(d.getTime()))
    throw new RequestError(`Error response from daemon: invalid filter 'until=${v}'`);
  return d;
}

async function resolveLoaded(
  client: ContainerdClient,
  all: Loaded[],
  ref: string,
): Promise<{ matched: Loaded }> {
  const r = await resolveWith(client, ref);
  return { matched: all.find((l) => l.configDigest === r.configDigest)! };
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
      typeName: '*formatter.imageContext',
      customFormatOverQuiet: true,
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
