/**
 * Volumes of the `local` driver, laid out as Docker's: `<data-root>/<namespace>/volumes/<name>/_data`
 * holds the data, `volume.json` beside it what Docker keeps in its metadata database (labels,
 * driver options, creation time). A volume is made in a temporary directory and renamed into
 * place, so it either exists whole or not at all; every change happens under the volumes lock,
 * which also covers the containers' references to volumes (usage.ts), so a volume can never be
 * removed between a container choosing it and the container recording that it uses it.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError, RequestError } from '../errors.js';
import { isMountPoint, mountOn, unmount } from '../mounts.js';
import { pidAlive, readJsonSync } from '../state/files.js';
import { randomHex } from '../state/ids.js';
import { withLock } from '../state/lock.js';
import { StatePaths } from '../state/paths.js';
import type { RuntimeContext } from '../context.js';
import { ramInBytes } from '../format/units.js';
import { validateVolumeName } from '../opts/mounts.js';

export const DATA_DIR = '_data';
const META_FILE = 'volume.json';
/** Docker ≥ 23 marks a volume made without a name so that `volume prune` takes only those by default. */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';
const FORMAT_VERSION = 1;

/** What `volume inspect` shows (moby api/types/volume.Volume), in Docker's key order. */
export interface Volume {
  CreatedAt: string;
  Driver: string;
  Labels: Record<string, string> | null;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string> | null;
  Scope: string;
}

interface VolumeMeta {
  version: number;
  createdAt: string;
  labels: Record<string, string> | null;
  options: Record<string, string> | null;
}

export interface CreateVolumeOptions {
  driver?: string;
  labels?: Record<string, string>;
  options?: Record<string, string>;
}

const VALID_OPTS = new Set(['type', 'o', 'device', 'size']);
const REQUIRED_OPTS: Record<string, string[]> = { device: ['type'], type: ['device'], o: ['device', 'type'] };

/** The local driver's option check (moby volume/local validateOpts), on a host without quotas. */
function validateOptions(name: string, opts: Record<string, string>): void {
  const fail = (m: string) => new RequestError(`Error response from daemon: create ${name}: ${m}`);
  for (const k of Object.keys(opts))
    if (!VALID_OPTS.has(k)) throw fail(`invalid option: ${JSON.stringify(k)}`);
  if (opts.size !== undefined) {
    if (ramInBytes(opts.size) > 0) throw fail('quota size requested but no quota support');
  }
  for (const [k, needs] of Object.entries(REQUIRED_OPTS)) {
    if (!(k in opts)) continue;
    for (const n of needs) if (!(n in opts)) throw fail(`missing required option: ${JSON.stringify(n)}`);
  }
}

export function checkDriver(driver: string | undefined): void {
  if (driver && driver !== 'local') {
    throw new RequestError(`Error response from daemon: create: plugin "${driver}" not found`);
  }
}

export class VolumeStore {
  constructor(private readonly paths: Pick<StatePaths, 'volumes'>) {}

  get root(): string {
    return this.paths.volumes;
  }

  dataPath(name: string): string {
    return join(this.root, name, DATA_DIR);
  }

  /** Runs fn under the volumes lock (volume changes and containers' references to them). */
  locked<T>(fn: () => Promise<T>): Promise<T> {
    return withLock(this.root, fn);
  }

  private shape(name: string, meta: VolumeMeta | undefined): Volume {
    let created = meta?.createdAt;
    if (!created)
      created = new Date(statSync(join(this.root, name)).ctimeMs).toISOString().replace(/\.\d+Z$/, 'Z');
    return {
      CreatedAt: created,
      Driver: 'local',
      Labels: meta?.labels ?? null,
      Mountpoint: this.dataPath(name),
      Name: name,
      Options: meta?.options ?? null,
      Scope: 'local',
    };
  }

  /** A volume by name; undefined if there is none. */
  get(name: string): Volume | undefined {
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name)) return undefined;
    const dir = join(this.root, name);
    const meta = readJsonSync<VolumeMeta>(join(dir, META_FILE));
    if (!meta && !existsSync(join(dir, DATA_DIR))) return undefined;
    return this.shape(name, meta);
  }

  /** Docker's `get NAME: no such volume`. */
  find(name: string): Volume {
    const v = this.get(name);
    if (!v) throw new NotFoundError(`Error response from daemon: get ${name}: no such volume`);
    return v;
  }

  list(): Volume[] {
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch {
      return [];
    }
    return names
      .filter((n) => !n.startsWith('.'))
      .map((n) => this.get(n))
      .filter((v): v is Volume => v !== undefined);
  }

  /**
   * What create would give: the existing volume of that name, or the one it would make (an empty
   * name draws an anonymous volume's), checked as create checks it. Nothing is written.
   */
  plan(name: string, o: CreateVolumeOptions = {}): { volume: Volume; created: boolean } {
    checkDriver(o.driver);
    const anonymous = name === '';
    if (anonymous) name = randomHex(32);
    else validateVolumeName(name);
    const existing = this.get(name);
    if (existing) return { volume: existing, created: false };
    const options = o.options && Object.keys(o.options).length > 0 ? o.options : null;
    if (options) validateOptions(name, options);
    const labels = { ...o.labels, ...(anonymous ? { [ANONYMOUS_LABEL]: '' } : {}) };
    return {
      volume: {
        CreatedAt: '',
        Driver: 'local',
        Labels: Object.keys(labels).length > 0 ? labels : null,
        Mountpoint: this.dataPath(name),
        Name: name,
        Options: options,
        Scope: 'local',
      },
      created: true,
    };
  }

  /**
   * Creates the volume, or returns the existing one of that name (Docker's create is idempotent).
   * An empty name makes an anonymous volume. Call under the lock.
   */
  create(name: string, o: CreateVolumeOptions = {}): { volume: Volume; created: boolean } {
    const planned = this.plan(name, o);
    if (!planned.created) return planned;
    const { Name, Labels: labels, Options: options } = planned.volume;
    mkdirSync(this.root, { recursive: true, mode: 0o701 });
    this.sweep();
    const tmp = join(this.root, `.${process.pid}-${randomHex(4)}`);
    mkdirSync(tmp, { mode: 0o701 });
    try {
      mkdirSync(join(tmp, DATA_DIR), { mode: 0o755 });
      const meta: VolumeMeta = {
        version: FORMAT_VERSION,
        // Docker's volume CreatedAt: RFC 3339 to the second.
        createdAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        labels,
        options,
      };
      writeFileSync(join(tmp, META_FILE), JSON.stringify(meta, null, 1) + '\n', { mode: 0o600 });
      renameSync(tmp, join(this.root, Name));
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
    return {
      volume: this.shape(Name, readJsonSync<VolumeMeta>(join(this.root, Name, META_FILE))),
      created: true,
    };
  }

  /** Removes a volume and its data (its device unmounted first). Call under the lock. */
  async remove(name: string): Promise<void> {
    const dir = join(this.root, name);
    const data = join(dir, DATA_DIR);
    if (isMountPoint(data)) await unmount(data);
    if (isMountPoint(data)) {
      throw new RequestError(`Error response from daemon: remove ${name}: volume has active mounts`);
    }
    rmSync(dir, { recursive: true, force: true });
  }

  /** Whether the volume's data is a mount of its own (`-o type=… device=…`). */
  needsMount(v: Volume): boolean {
    return Boolean(v.Options?.type || v.Options?.device);
  }

  /**
   * Mounts the volume's device on its data directory if it is not mounted yet. Docker mounts it
   * while containers use it; with no daemon to count them, it stays mounted until `volume rm`.
   */
  async ensureMounted(v: Volume): Promise<void> {
    if (!this.needsMount(v) || isMountPoint(v.Mountpoint)) return;
    const o = v.Options!;
    if (!o.device) {
      throw new RequestError(
        `Error response from daemon: error while mounting volume '${v.Mountpoint}': missing device in volume options`,
      );
    }
    await mountOn(
      v.Mountpoint,
      { type: o.type ?? 'none', source: o.device, options: o.o ? o.o.split(',') : [] },
      `error while mounting volume '${v.Mountpoint}': failed to mount local volume`,
    );
  }

  /** Temporary directories of creations whose tsdock died half-way. */
  private sweep(): void {
    for (const n of readdirSync(this.root)) {
      const pid = Number(/^\.(\d+)-[0-9a-f]+$/.exec(n)?.[1]);
      if (pid && !pidAlive(pid)) rmSync(join(this.root, n), { recursive: true, force: true });
    }
  }
}

/** The volumes of the context's namespace. */
export function volumeStore(ctx: RuntimeContext): VolumeStore {
  return new VolumeStore(new StatePaths(ctx.stateDir));
}

/**
 * Bytes held by a directory tree as moby's directory.Size counts them: every non-directory entry's
 * size, each inode once. A volume's size in `system df` and the space `volume prune` reclaims.
 */
export async function directorySize(dir: string): Promise<number> {
  const seen = new Set<number>();
  let size = 0;
  const walk = async (d: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        await walk(p);
        continue;
      }
      const st = await lstat(p).catch(() => undefined);
      if (!st || st.size === 0 || seen.has(st.ino)) continue;
      seen.add(st.ino);
      size += st.size;
    }
  };
  await walk(dir);
  return size;
}
