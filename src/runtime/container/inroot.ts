/**
 * Paths resolved inside a directory tree taken as a root, one component at a time through open
 * directory handles — what openat2(RESOLVE_IN_ROOT) does in the kernel, which Node cannot call.
 *
 * Why: a process in a running container can swap a directory for a symlink to `/` at any moment
 * (CVE-2018-15664). Resolving a path and then opening it by its host path leaves a window in which
 * the kernel follows that symlink out of the root. Here the kernel never resolves more than one
 * name, always relative to a directory we hold open (`/proc/self/fd/N/NAME`), never following a
 * symlink (O_NOFOLLOW): links are read and resolved by us, an absolute target from the root, `..`
 * by popping our own stack of open directories (never the kernel's `..`, so a directory moved
 * elsewhere meanwhile cannot take us above the root). A swap can change which file inside the root
 * is reached, never make us reach one outside it.
 */
import { constants, type Stats } from 'node:fs';
import { mkdir, open, readlink, type FileHandle } from 'node:fs/promises';

/** Linux's O_PATH (x86-64, arm64): a handle on a name without opening the file for I/O. */
export const O_PATH = 0o10000000;
const MAX_LINKS = 255;

/** A name in an open directory, for calls that do not follow the last component (lstat, mkdir…). */
export function at(dir: FileHandle, name: string): string {
  return `/proc/self/fd/${dir.fd}/${name}`;
}

/** The open file itself again, with other flags (an O_PATH handle cannot be read or chmod-ed). */
export function reopen(fh: FileHandle, flags: number): Promise<FileHandle> {
  return open(`/proc/self/fd/${fh.fd}`, flags);
}

function errnoError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  const e = new Error(`${code}: ${syscall} '${path}'`) as NodeJS.ErrnoException;
  e.code = code;
  e.syscall = syscall;
  e.path = path;
  return e;
}

const codeOf = (err: unknown): string | undefined => (err as NodeJS.ErrnoException).code;

interface Frame {
  fh: FileHandle;
  name: string;
}

export interface Walked {
  /** The in-root path reached: every symlink before the last component resolved. */
  path: string;
  /** The open directories from the root (not owned) down; the last holds the last component. */
  stack: Frame[];
  /** Components that did not exist, kept as written (nothing is open for them). */
  missing: string[];
}

export class InRoot {
  private constructor(
    readonly root: string,
    private readonly rootFh: FileHandle,
  ) {}

  static async open(root: string): Promise<InRoot> {
    return new InRoot(root, await open(root, O_PATH | constants.O_DIRECTORY));
  }

  close(): Promise<void> {
    return this.rootFh.close();
  }

  /** The host path of an in-root path: for messages only, never for access. */
  shown(inRoot: string): string {
    return this.root === '/' ? inRoot : `${this.root}${inRoot === '/' ? '' : inRoot}`;
  }

  /**
   * Walks `p`. With `followLast` false a symlink as the last component is not followed; with
   * `create` missing directories are made (0755) on the way, as `mkdir -p` would.
   */
  private async walk(p: string, followLast: boolean, create: boolean): Promise<Walked> {
    const parts = p.split('/').filter((c) => c !== '' && c !== '.');
    const stack: Frame[] = [{ fh: this.rootFh, name: '' }];
    const missing: string[] = [];
    let links = 0;
    const pop = async () => {
      if (stack.length > 1) await stack.pop()!.fh.close();
    };
    try {
      while (parts.length) {
        const c = parts.shift()!;
        if (c === '..') {
          if (missing.length) missing.pop();
          else await pop();
          continue;
        }
        if (missing.length) {
          missing.push(c);
          continue;
        }
        const top = stack[stack.length - 1]!.fh;
        const last = parts.length === 0;
        let fh: FileHandle;
        try {
          fh = await open(at(top, c), O_PATH | constants.O_NOFOLLOW);
        } catch (err) {
          if (codeOf(err) !== 'ENOENT') throw err;
          if (create) {
            await mkdir(at(top, c), 0o755).catch((e: unknown) => {
              if (codeOf(e) !== 'EEXIST') throw e;
            });
            parts.unshift(c);
          } else missing.push(c);
          continue;
        }
        let st: Stats;
        try {
          st = await fh.stat();
        } catch (err) {
          await fh.close();
          throw err;
        }
        if (st.isSymbolicLink() && (!last || followLast)) {
          await fh.close();
          if (++links > MAX_LINKS) throw errnoError('ELOOP', 'lstat', this.shown(p));
          let target: string;
          try {
            target = await readlink(at(top, c));
          } catch (err) {
            // Replaced since we looked: look again.
            if (codeOf(err) === 'EINVAL' || codeOf(err) === 'ENOENT') {
              parts.unshift(c);
              continue;
            }
            throw err;
          }
          if (target.startsWith('/')) while (stack.length > 1) await pop();
          parts.unshift(...target.split('/').filter((x) => x !== '' && x !== '.'));
          continue;
        }
        if (st.isDirectory()) {
          stack.push({ fh, name: c });
          continue;
        }
        await fh.close();
        // A non-directory: the last component, or a path that goes on under a file (missing).
        missing.push(c);
        if (!last && create) throw errnoError('ENOTDIR', 'mkdir', this.shown(p));
      }
    } catch (err) {
      while (stack.length > 1) await pop();
      throw err;
    }
    const path = `/${[...stack.slice(1).map((f) => f.name), ...missing].join('/')}`;
    return { path, stack, missing };
  }

  private static async release(w: Walked, keep?: FileHandle): Promise<void> {
    for (const f of w.stack.slice(1)) if (f.fh !== keep) await f.fh.close();
  }

  /** moby's FollowSymlinkInScope: the in-root path `p` leads to (missing components kept). */
  async resolve(p: string, followLast = true): Promise<string> {
    const w = await this.walk(p, followLast, false);
    await InRoot.release(w);
    return w.path;
  }

  /**
   * Opens the directory at `p` (symlinks followed inside the root), made with its parents first
   * when `create`. An O_PATH handle, to be closed by the caller; names in it are `at(handle, name)`.
   */
  async openDir(p: string, create = false): Promise<{ dir: FileHandle; path: string }> {
    const w = await this.walk(p, true, create);
    const top = w.stack[w.stack.length - 1]!;
    if (w.missing.length) {
      await InRoot.release(w);
      throw errnoError('ENOENT', 'open', this.shown(w.path));
    }
    if (w.stack.length === 1) {
      // The root itself: a handle of our own, so that the caller may close it.
      return { dir: await reopen(this.rootFh, O_PATH | constants.O_DIRECTORY), path: '/' };
    }
    await InRoot.release(w, top.fh);
    return { dir: top.fh, path: w.path };
  }

  /**
   * The directory holding the last component of `p` (its symlinks resolved inside the root) and
   * that component's name, not followed; the name is '' for the root itself.
   */
  async openParent(p: string, create = false): Promise<{ dir: FileHandle; name: string; path: string }> {
    const parts = p.split('/').filter((c) => c !== '' && c !== '.');
    const last = parts.pop();
    if (last !== undefined && last !== '..') {
      const { dir, path } = await this.openDir(`/${parts.join('/')}`, create);
      return { dir, name: last, path: `${path === '/' ? '' : path}/${last}` };
    }
    // The root, or a directory named through `..`: where it is decides its parent.
    const d = await this.openDir(p);
    if (d.path === '/') return { dir: d.dir, name: '', path: '/' };
    await d.dir.close();
    const cut = d.path.lastIndexOf('/');
    const parent = await this.openDir(d.path.slice(0, cut) || '/');
    return { dir: parent.dir, name: d.path.slice(cut + 1), path: d.path };
  }

  /** lstat of an in-root path (its last component not followed). */
  async lstat(p: string): Promise<Stats> {
    const { dir, name } = await this.openParent(p);
    try {
      if (name === '') return await dir.stat();
      const fh = await open(at(dir, name), O_PATH | constants.O_NOFOLLOW).catch((err: unknown) => {
        throw codeOf(err) ? errnoError(codeOf(err)!, 'lstat', this.shown(p)) : err;
      });
      try {
        return await fh.stat();
      } finally {
        await fh.close();
      }
    } finally {
      await dir.close();
    }
  }
}
