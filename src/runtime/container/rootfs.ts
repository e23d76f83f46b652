/**
 * Reading a file of a container's root filesystem before it runs (for `-u name` → uid/gid) without
 * mounting it: the overlay snapshot's layers are plain directories on this host, so the file is
 * looked up in upperdir then each lowerdir in order, honouring overlay whiteouts.
 */
// fs.promises is a getter: node:fs/promises loads when a file is read, not for inspect (mountOption).
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { Mount } from '../containerd/types.js';
import { UsageError } from '../errors.js';
import type { UserFiles } from '../images/target-cache.js';

/** A `key=value` option of an overlay mount (lowerdir, upperdir, workdir). */
export function mountOption(m: Mount, key: string): string | undefined {
  return m.options.find((o) => o.startsWith(`${key}=`))?.slice(key.length + 1);
}

export function layerDirs(mounts: Mount[]): string[] {
  const m = mounts[0];
  if (!m) return [];
  if (m.type === 'bind') return [m.source];
  const opt = (k: string) => mountOption(m, k);
  const dirs: string[] = [];
  const upper = opt('upperdir');
  if (upper) dirs.push(upper);
  const lower = opt('lowerdir');
  if (lower) dirs.push(...lower.split(':'));
  return dirs;
}

export async function readRootfsFile(mounts: Mount[], path: string): Promise<string | undefined> {
  const rel = path.replace(/^\/+/, '');
  for (const dir of layerDirs(mounts)) {
    const p = join(dir, rel);
    try {
      const st = await fsp.lstat(p);
      // overlay whiteout: a 0/0 character device hides the file in lower layers
      if (st.isCharacterDevice() && st.rdev === 0) return undefined;
      if (st.isFile()) return await fsp.readFile(p, 'utf8');
      return undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return undefined;
}

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home?: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

function parsePasswd(text: string | undefined): PasswdEntry[] {
  if (!text) return [];
  return text
    .split('\n')
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 4 && f[0] && !f[0].startsWith('#'))
    .map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '/' }));
}

function parseGroup(text: string | undefined): { name: string; gid: number; members: string[] }[] {
  if (!text) return [];
  return text
    .split('\n')
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 3 && f[0] && !f[0].startsWith('#'))
    .map((f) => ({ name: f[0]!, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }));
}

/**
 * Docker's user resolution (moby's getUser over runc's user.GetExecUser): `name`, `uid`,
 * `name:group`, `uid:gid`; a name must exist in /etc/passwd, a numeric uid need not (gid then 0).
 * The supplementary groups are the primary gid first, then the user's groups from /etc/group
 * (only when no group was given), then --group-add's (gids, or names from the image's /etc/group).
 */
export async function resolveUser(
  mounts: Mount[],
  spec: string,
  groupAdd: string[] = [],
): Promise<ResolvedUser> {
  return resolveUserFrom(await readUserFiles(mounts), spec, groupAdd);
}

/** The rootfs's /etc/passwd and /etc/group (null where missing). */
export async function readUserFiles(mounts: Mount[]): Promise<UserFiles> {
  const [passwd, group] = await Promise.all([
    readRootfsFile(mounts, '/etc/passwd'),
    readRootfsFile(mounts, '/etc/group'),
  ]);
  return { passwd: passwd ?? null, group: group ?? null };
}

const MAX_ID = 2 ** 31 - 1;

/** runc's GetAdditionalGroups: each entry a group name or gid of the file, or a bare gid. */
function additionalGroups(groupAdd: string[], groups: { name: string; gid: number }[]): number[] {
  const out: number[] = [];
  for (const want of groupAdd) {
    const g = groups.find((x) => x.name === want || String(x.gid) === want);
    if (g) {
      if (!out.includes(g.gid)) out.push(g.gid);
      continue;
    }
    if (!/^[+-]?\d+$/.test(want)) {
      throw new UsageError(`Unable to find group ${want}: no matching entries in group file`);
    }
    const gid = Number(want);
    if (gid < 0 || gid > MAX_ID) throw new UsageError('uids and gids must be in range 0-2147483647');
    if (!out.includes(gid)) out.push(gid);
  }
  return out;
}

/** resolveUser on files already read (an image's, from its cache entry). */
export function resolveUserFrom(files: UserFiles, spec: string, groupAdd: string[] = []): ResolvedUser {
  const [userPart = '', groupPart] = spec.split(':', 2);
  const passwd = parsePasswd(files.passwd ?? undefined);
  const groups = parseGroup(files.group ?? undefined);
  let uid = 0;
  let gid = 0;
  let name: string | undefined;
  let home: string | undefined;
  if (userPart === '') {
    const root = passwd.find((p) => p.uid === 0);
    name = root?.name;
    home = root?.home;
  } else if (/^\d+$/.test(userPart)) {
    uid = Number(userPart);
    const entry = passwd.find((p) => p.uid === uid);
    if (entry) {
      gid = entry.gid;
      name = entry.name;
      home = entry.home;
    }
  } else {
    const entry = passwd.find((p) => p.name === userPart);
    if (!entry) throw new UsageError(`unable to find user ${userPart}: no matching entries in passwd file`);
    uid = entry.uid;
    gid = entry.gid;
    name = entry.name;
    home = entry.home;
  }
  let sgids: number[] = [];
  if (groupPart !== undefined && groupPart !== '') {
    const g = groups.find((x) => x.name === groupPart || String(x.gid) === groupPart);
    if (g) gid = g.gid;
    else if (/^\d+$/.test(groupPart)) gid = Number(groupPart);
    else throw new UsageError(`unable to find group ${groupPart}: no matching entries in group file`);
  } else if (name) {
    sgids = groups.filter((g) => g.members.includes(name)).map((g) => g.gid);
  }
  const additionalGids = [gid, ...sgids, ...additionalGroups(groupAdd, groups)];
  return { uid, gid, additionalGids, home };
}
