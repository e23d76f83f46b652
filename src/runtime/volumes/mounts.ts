/**
 * A container's mounts, from its flags to the kernel: which mount wins at a destination (moby's
 * registerMountPoints: --volumes-from, then -v binds, then --mount, then the anonymous volumes of
 * Config.Volumes where nothing else is mounted), what the OCI spec gets for them (moby's
 * withMounts), what inspect shows, and what must exist on the host before the task starts.
 */
import { existsSync, mkdirSync, readdirSync, realpathSync } from 'node:fs';
import { posix } from 'node:path';
import { RequestError } from '../errors.js';
import { mountOf, mountTable } from '../mounts.js';
import {
  modeIsRW,
  parseBind,
  parseMountSpec,
  tmpfsData,
  type MountPoint,
  type MountSpec,
} from '../opts/mounts.js';
import type { VolumeStore } from './store.js';

export interface MountInput {
  /** HostConfig.Binds: `-v` values with a source, as the CLI sends them. */
  binds: string[];
  /** Config.Volumes: `-v /path` and the image's VOLUMEs. */
  volumes: string[];
  /** HostConfig.Mounts: `--mount` values. */
  mounts: MountSpec[];
  /** HostConfig.Tmpfs destinations. */
  tmpfs: string[];
  /** --volumes-from, each with the other container's mount points. */
  volumesFrom: { mode: string; mounts: MountPoint[] }[];
}

const daemon = (message: string) => new RequestError(`Error response from daemon: ${message}`);
const clean = (p: string) => posix.normalize(p).replace(/(.)\/$/, '$1');

/**
 * Every check the daemon makes before the container exists, and the resulting mount points in
 * the order given (anonymous volumes still unnamed, volumes not yet looked up). `exists` is the
 * host's view of a bind source (tests pass their own).
 */
export function planMounts(input: MountInput, exists: (p: string) => boolean = existsSync): MountPoint[] {
  // validateHostConfig: --mount values first, a bind's source must be there.
  const fromMounts = input.mounts.map((spec) => {
    const mp = parseMountSpec(spec);
    // moby's setBindModeIfNull: a volume of -v NAME:… or --mount shows mode "z".
    if (mp.Type === 'volume') mp.Mode = 'z';
    if (mp.Type === 'bind' && !spec.BindOptions?.CreateMountpoint) {
      if (!exists(mp.Source)) {
        throw daemon(`invalid mount config for type "bind": bind source path does not exist: ${mp.Source}`);
      }
      mp.SkipMountpointCreation = true;
    }
    return mp;
  });
  const points = new Map<string, MountPoint>();
  for (const from of input.volumesFrom) {
    for (const m of from.mounts) {
      points.set(m.Destination, {
        ...m,
        RW: m.RW && modeIsRW(from.mode),
        Mode: '',
        CopyData: false,
      });
    }
  }
  const taken = new Set<string>();
  const tmpfs = new Set(input.tmpfs.map(clean));
  for (const raw of input.binds) {
    const mp = parseBind(raw);
    if (mp.Type === 'volume' && mp.Mode === '') mp.Mode = 'z';
    if (taken.has(mp.Destination) || tmpfs.has(mp.Destination)) {
      throw daemon(`Duplicate mount point: ${mp.Destination}`);
    }
    taken.add(mp.Destination);
    points.set(mp.Destination, mp);
  }
  for (const mp of fromMounts) {
    if (taken.has(mp.Destination)) throw daemon(`Duplicate mount point: ${mp.Spec.Target}`);
    taken.add(mp.Destination);
    points.set(mp.Destination, mp);
  }
  for (const spec of input.volumes) {
    const destination = clean(spec);
    if (points.has(destination) || tmpfs.has(destination)) continue;
    if (!destination.startsWith('/')) {
      throw daemon(
        `invalid volume specification: '${spec}': invalid mount path: '${spec}' mount path must be absolute`,
      );
    }
    points.set(destination, {
      Type: 'volume',
      Source: '',
      Destination: destination,
      RW: true,
      Name: '',
      Driver: '',
      Mode: '',
      Propagation: '',
      CopyData: true,
      Spec: { Type: 'volume', Target: destination },
    });
  }
  return [...points.values()];
}

export interface SpecMounts {
  binds: { destination: string; type: 'bind'; source: string; options: string[] }[];
  /** `--mount type=tmpfs` as --tmpfs data, destination → options. */
  tmpfs: Record<string, string>;
  rootfsPropagation?: string;
}

/** What the OCI spec gets for the mount points (moby's withMounts; `ro`, as runc has no `rro`). */
export function specMounts(points: MountPoint[]): SpecMounts {
  const out: SpecMounts = { binds: [], tmpfs: {} };
  for (const m of points) {
    if (m.Type === 'tmpfs') {
      out.tmpfs[m.Destination] = tmpfsData(m.Spec);
      continue;
    }
    const options = [m.Spec.BindOptions?.NonRecursive ? 'bind' : 'rbind'];
    if (!m.RW) options.push('ro');
    if (m.Propagation) options.push(m.Propagation);
    out.binds.push({ destination: m.Destination, type: 'bind', source: m.Source, options });
    if (m.Propagation === 'shared' || m.Propagation === 'rshared') out.rootfsPropagation = 'shared';
    else if ((m.Propagation === 'slave' || m.Propagation === 'rslave') && !out.rootfsPropagation) {
      out.rootfsPropagation = 'rslave';
    }
  }
  return out;
}

/**
 * A shared (or slave) bind needs a source whose mount propagates (moby's ensureShared /
 * ensureSharedOrSlave): otherwise the container would silently not see what the flag promises.
 */
export function checkPropagation(points: MountPoint[]): void {
  const table = points.some((m) => /shared|slave/.test(m.Propagation)) ? mountTable() : [];
  for (const m of points) {
    const shared = m.Propagation === 'shared' || m.Propagation === 'rshared';
    const slave = m.Propagation === 'slave' || m.Propagation === 'rslave';
    if (!shared && !slave) continue;
    const at = mountOf(realpathSync(m.Source), table);
    const ok = at?.optional.some((o) => o.startsWith('shared:') || (slave && o.startsWith('master:')));
    if (!ok) {
      throw daemon(
        `path ${m.Source} is mounted on ${at?.point ?? '/'} but it is not a shared${slave ? ' or slave' : ''} mount`,
      );
    }
  }
}

/**
 * What must exist on the host before the task starts (moby's MountPoint.Setup): a `-v` bind's
 * missing source is made as a directory, a volume with a device is mounted.
 */
export async function prepareMountSources(store: VolumeStore, points: MountPoint[]): Promise<void> {
  for (const m of points) {
    if (m.Type === 'bind' && !m.SkipMountpointCreation && !existsSync(m.Source)) {
      try {
        mkdirSync(m.Source, { recursive: true, mode: 0o755 });
      } catch (err) {
        throw new RequestError(
          `Error response from daemon: error while creating mount source path '${m.Source}': ${(err as Error).message}`,
        );
      }
    }
    if (m.Type === 'volume' && m.Name) {
      const v = store.get(m.Name);
      if (v) await store.ensureMounted(v);
    }
  }
}

/** Whether a directory is empty (or missing): Docker copies image content only into an empty volume. */
export function isEmptyDir(path: string): boolean {
  try {
    return readdirSync(path).length === 0;
  } catch {
    return true;
  }
}
