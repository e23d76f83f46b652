/**
 * The host's mount table and the mount/umount programs, for the modules that mount on the host:
 * a container's root for cp and export, a volume with a device (`volume create -o type=…`).
 */
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { childProcess } from './builtins.js';
import { SystemError } from './errors.js';

const run = (cmd: string, args: string[]) => promisify(childProcess().execFile)(cmd, args);

export interface MountEntry {
  /** Mount point, unescaped. */
  point: string;
  fstype: string;
  source: string;
  /** Optional fields: `shared:N`, `master:N` … (propagation). */
  optional: string[];
  superOpts: string[];
}

const unescape = (s: string) =>
  s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** /proc/self/mountinfo, parsed. */
export function mountTable(): MountEntry[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [pre = '', post = ''] = line.split(' - ');
      const f = pre.split(' ');
      const g = post.split(' ');
      return {
        point: unescape(f[4] ?? ''),
        fstype: g[0] ?? '',
        source: unescape(g[1] ?? ''),
        optional: f.slice(6),
        superOpts: (g[2] ?? '').split(','),
      };
    });
}

export function isMountPoint(path: string, table = mountTable()): boolean {
  return table.some((m) => m.point === path);
}

/** The mount a (resolved) path lies on: the last-mounted entry with the longest matching point. */
export function mountOf(path: string, table = mountTable()): MountEntry | undefined {
  let best: MountEntry | undefined;
  for (const m of table) {
    const under = m.point === '/' || path === m.point || path.startsWith(`${m.point}/`);
    if (under && (!best || m.point.length >= best.point.length)) best = m;
  }
  return best;
}

/** mount(8); its own message on failure. */
export async function mountOn(
  target: string,
  m: { type: string; source: string; options: string[] },
  what = 'mounting',
): Promise<void> {
  const args = ['-t', m.type, ...(m.options.length > 0 ? ['-o', m.options.join(',')] : []), m.source, target];
  try {
    await run('mount', args);
  } catch (err) {
    const text = ((err as { stderr?: string }).stderr ?? String(err)).trim();
    throw new SystemError(`${what}: ${text.replace(/^mount: /, '')}`, { cause: err });
  }
}

export async function unmount(target: string): Promise<void> {
  try {
    await run('umount', [target]);
  } catch {
    // Busy (a reader still open): detach it now, the kernel finishes when the last user goes.
    await run('umount', ['-l', target]).catch(() => undefined);
  }
}
