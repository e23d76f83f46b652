/**
 * The build context, read in place: a directory on this machine (or a tar from stdin unpacked
 * into a private directory), seen through `.dockerignore`. COPY and ADD ask it for their sources
 * — paths or Go-style wildcards relative to its root — and for a digest of what those sources hold
 * (names, types, modes, contents, link targets), which is what the build cache keys on.
 */
import { createHash } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import { lstat, mkdtemp, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PatternMatcher, goClean, readIgnoreFile, type ParentMatches } from './ignore.js';

export class SourceNotFoundError extends Error {}

/** A tree files are copied from: the context (with its ignore rules) or another stage's root. */
export interface SourceTree {
  /** Host directory holding the tree's `/`. */
  root: string;
  matcher?: PatternMatcher;
  /** Symlinks in source paths resolve inside the root (a stage's or image's filesystem). */
  scoped: boolean;
  /** How errors name the tree (BuildKit: the ref). */
  label: string;
}

export interface SourceMatch {
  /** Path relative to the tree's root, cleaned (`.` for the root itself). */
  rel: string;
  /** Host path. */
  abs: string;
  stat: Stats;
}

const WILDCARD = /[*?[\\]/;

/** Go's filepath.Match for one path component list (no `/` crossing), used for COPY wildcards. */
function componentRegex(pattern: string): RegExp {
  let re = '^';
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < chars.length) re += `\\${chars[++i]!}`.replace(/^\\([A-Za-z0-9])$/, '$1');
    else if (c === '[') {
      const close = chars.indexOf(']', i + 2);
      if (close === -1) throw new Error('syntax error in pattern');
      let cls = chars.slice(i + 1, close).join('');
      if (cls.startsWith('^')) cls = `^${cls.slice(1)}`;
      re += `[${cls.replace(/\\(.)/g, '\\$1')}]`;
      i = close;
    } else re += c.replace(/[.+()|{}$^\]]/g, '\\$&');
  }
  return new RegExp(`${re}$`, 'u');
}

export class BuildContext {
  private ignored?: PatternMatcher;

  constructor(
    readonly root: string,
    ignorePatterns: string[],
    private readonly cleanup?: () => Promise<void>,
  ) {
    this.ignored = ignorePatterns.length ? new PatternMatcher(ignorePatterns) : undefined;
  }

  get tree(): SourceTree {
    return {
      root: this.root,
      ...(this.ignored ? { matcher: this.ignored } : {}),
      scoped: false,
      label: 'context',
    };
  }

  async close(): Promise<void> {
    await this.cleanup?.();
  }
}

/**
 * The context of a directory, with `<Dockerfile>.dockerignore` next to the Dockerfile taking the
 * place of the root's `.dockerignore` (BuildKit's rule).
 */
export async function openContext(dir: string, dockerfilePath?: string): Promise<BuildContext> {
  const candidates = [
    ...(dockerfilePath ? [`${dockerfilePath}.dockerignore`] : []),
    join(dir, '.dockerignore'),
  ];
  for (const file of candidates) {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text !== undefined) return new BuildContext(dir, readIgnoreFile(text));
  }
  return new BuildContext(dir, []);
}

/** A tar (plain or gzip) from stdin unpacked into a private directory under `tmpBase`. */
export async function contextFromTar(
  input: AsyncIterable<Buffer>,
  first: Buffer,
  tmpBase: string,
): Promise<BuildContext> {
  const dir = await mkdtemp(join(tmpBase, `ctx-${process.pid}-`));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const { extractInto } = await import('../container/tarfs.js');
    const { Readable } = await import('node:stream');
    const raw = Readable.from(
      (async function* () {
        yield first;
        yield* input;
      })(),
    );
    const gzip = first[0] === 0x1f && first[1] === 0x8b;
    const stream = gzip ? raw.pipe((await import('node:zlib')).createGunzip()) : raw;
    await extractInto(stream, { root: dir, dir: '/', owner: 'keep', noOverwriteDirNonDir: false });
  } catch (err) {
    await cleanup();
    throw err;
  }
  const text = await readFile(join(dir, '.dockerignore'), 'utf8').catch(() => '');
  return new BuildContext(dir, readIgnoreFile(text), cleanup);
}

/** The host path of `rel` in the tree; with `scoped`, symlinks on the way resolve inside it. */
async function hostOf(tree: SourceTree, rel: string): Promise<string> {
  if (!tree.scoped) return join(tree.root, rel);
  const { resolveInRoot, hostPath } = await import('../container/tarfs.js');
  return hostPath(tree.root, await resolveInRoot(tree.root, `/${rel}`));
}

function excluded(tree: SourceTree, rel: string): boolean {
  return rel !== '.' && tree.matcher !== undefined && tree.matcher.matches(rel);
}

/**
 * The entries a COPY source names: the path itself, or every entry a wildcard matches (none is
 * an error, as BuildKit's "no source files were specified"). Ignored paths do not exist here.
 */
export async function resolveSource(tree: SourceTree, source: string): Promise<SourceMatch[]> {
  const rel = goClean(source.replace(/^\/+/, '')) || '.';
  const notFound = () => new SourceNotFoundError(`"/${rel === '.' ? '' : rel}": not found`);
  if (!WILDCARD.test(rel)) {
    if (excluded(tree, rel)) throw notFound();
    const abs = await hostOf(tree, rel);
    // The source path itself is followed (BuildKit's FollowLinks); links inside are copied as links.
    const st = await stat(abs).catch(() => undefined);
    if (!st) throw notFound();
    return [{ rel, abs, stat: st }];
  }
  const parts = rel.split('/');
  let level: { rel: string; abs: string }[] = [{ rel: '.', abs: tree.root }];
  for (const part of parts) {
    const next: { rel: string; abs: string }[] = [];
    const wild = WILDCARD.test(part);
    const re = wild ? componentRegex(part) : undefined;
    for (const dir of level) {
      const names = wild ? await readdir(dir.abs).catch(() => [] as string[]) : [part];
      for (const name of names.sort()) {
        if (re && !re.test(name)) continue;
        const childRel = dir.rel === '.' ? name : `${dir.rel}/${name}`;
        if (excluded(tree, childRel)) continue;
        const abs = tree.scoped ? await hostOf(tree, childRel) : join(dir.abs, name);
        if (!(await lstat(abs).catch(() => undefined))) continue;
        next.push({ rel: childRel, abs });
      }
    }
    level = next;
  }
  const out: SourceMatch[] = [];
  for (const m of level) {
    const st = await stat(m.abs).catch(() => undefined);
    if (st) out.push({ ...m, stat: st });
  }
  if (out.length === 0) throw notFound();
  return out;
}

export interface WalkEntry {
  /** Path relative to the walked directory. */
  rel: string;
  abs: string;
  stat: Stats;
}

/**
 * The entries under a matched directory, parents before children, without ignored ones: an
 * excluded directory is entered only when an exception pattern may bring something back, and is
 * listed only if something under it is (fsutil's walk, as BuildKit sends a context).
 */
export async function walkTree(tree: SourceTree, match: SourceMatch): Promise<WalkEntry[]> {
  const out: WalkEntry[] = [];
  const pm = tree.matcher;
  const visit = async (
    abs: string,
    relInTree: string,
    relHere: string,
    parent: ParentMatches,
  ): Promise<boolean> => {
    const names = (await readdir(abs)).sort();
    let any = false;
    for (const name of names) {
      const childTree = relInTree === '.' ? name : `${relInTree}/${name}`;
      const childHere = relHere === '' ? name : `${relHere}/${name}`;
      const childAbs = join(abs, name);
      const st = await lstat(childAbs);
      let matched = false;
      let info: boolean[] | undefined;
      if (pm) {
        const r = pm.matchesUsingParents(childTree, parent);
        matched = r.matched;
        info = r.info;
      }
      if (st.isDirectory()) {
        if (matched && !pm!.exclusions) continue;
        const at = out.length;
        out.push({ rel: childHere, abs: childAbs, stat: st });
        const inner = await visit(childAbs, childTree, childHere, info);
        if (matched && !inner) out.splice(at, 1);
        else any = true;
        continue;
      }
      if (matched) continue;
      out.push({ rel: childHere, abs: childAbs, stat: st });
      any = true;
    }
    return any;
  };
  // A match's own ignore state was checked by resolveSource; its parents' results seed the walk.
  const seed = pm && match.rel !== '.' ? pm.matchesUsingParents(match.rel, undefined).info : undefined;
  await visit(match.abs, match.rel, '', seed);
  return out;
}

async function fileDigest(path: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(path), h);
  return h.digest('hex');
}

/**
 * What the cache keys on for a set of sources: each entry's path, type, permission bits and
 * content (or link target). Times and owners are left out: BuildKit's content checksums do too,
 * so touching a file does not invalidate the cache.
 */
export async function digestSources(tree: SourceTree, matches: SourceMatch[]): Promise<string> {
  const h = createHash('sha256');
  const add = async (name: string, abs: string, st: Stats) => {
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isDirectory()) h.update(`d ${name} ${mode}\n`);
    else if (st.isSymbolicLink()) h.update(`l ${name} ${mode} ${await readlink(abs)}\n`);
    else if (st.isFile()) h.update(`f ${name} ${mode} ${st.size} ${await fileDigest(abs)}\n`);
    else h.update(`o ${name} ${mode}\n`);
  };
  for (const m of matches) {
    await add(posix.join('/', m.rel), m.abs, m.stat);
    if (m.stat.isDirectory()) {
      for (const e of await walkTree(tree, m)) await add(posix.join('/', m.rel, e.rel), e.abs, e.stat);
    }
  }
  return `sha256:${h.digest('hex')}`;
}
