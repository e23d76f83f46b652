/**
 * A new container's volumes and binds, in the steps of `create` (nerdctl's run_mount.go, moby's
 * registerMountPoints + createContainerVolumesOS + populateVolumes):
 *   1. plan: every check, before anything exists (bad -v, missing --mount source, unknown
 *      --volumes-from container, bad volume name …);
 *   2. attach: under the volumes lock, the volumes are made or found and the container's mount
 *      points recorded, so none of them can be removed from under it;
 *   3. populate: a new, empty volume gets what the image has at its destination (copy-up).
 * A failure after step 2 undoes it: the volumes this creation made go again, unless another
 * container took them up meanwhile.
 */
import { lstatSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Mount } from '../../containerd/types.js';
import { childProcess } from '../../builtins.js';
import type { RuntimeContext } from '../../context.js';
import { RequestError, SystemError } from '../../errors.js';
import { withImageView } from '../../container/rootfs-mount.js';
import { findContainer, statePaths } from '../../container/store.js';
import { hostPath, resolveInRoot } from '../../container/tarfs.js';
import type { ContainerOptions } from '../../opts/container.js';
import { splitVolumes } from '../../opts/mounts.js';
import { checkPropagation, isEmptyDir, planMounts } from '../../volumes/mounts.js';
import { parseVolumesFrom, validateVolumeName, type MountPoint } from '../../opts/mounts.js';
import { volumeStore, type CreateVolumeOptions, type Volume } from '../../volumes/store.js';
import { readContainerMounts, volumeUsers, writeContainerMounts } from '../../volumes/usage.js';
import { recordVolumeEvent } from '../../events/record.js';

const run = (cmd: string, args: string[]) => promisify(childProcess().execFile)(cmd, args);

/** Step 1: the container's mount points, checked; nothing is created. */
export async function planContainerMounts(
  ctx: RuntimeContext,
  opts: ContainerOptions,
  imageVolumes: string[],
): Promise<MountPoint[]> {
  const { binds, anonymous } = splitVolumes(opts.volumes);
  const volumesFrom: { mode: string; mounts: MountPoint[] }[] = [];
  for (const spec of opts.volumesFrom) {
    const { container, mode } = parseVolumesFrom(spec);
    const from = await findContainer(ctx, container);
    volumesFrom.push({ mode, mounts: readContainerMounts(from.files.dir) });
  }
  const points = planMounts({
    binds,
    volumes: [...new Set([...Object.keys(anonymous), ...imageVolumes])],
    mounts: opts.mounts,
    tmpfs: Object.keys(opts.tmpfs),
    volumesFrom,
  });
  for (const m of points) {
    if (m.Type !== 'volume' || !m.Name) continue;
    validateVolumeName(m.Name);
    if (m.Spec.VolumeOptions?.DriverConfig?.Name && m.Spec.VolumeOptions.DriverConfig.Name !== 'local') {
      throw new RequestError(
        `Error response from daemon: create ${m.Name}: plugin "${m.Spec.VolumeOptions.DriverConfig.Name}" not found`,
      );
    }
  }
  checkPropagation(points.filter((m) => m.Type === 'bind' && existsPath(m.Source)));
  return points;
}

function existsPath(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

export interface AttachedMounts {
  /** The mount points with their host sources, as recorded for the container. */
  points: MountPoint[];
  /** Undoes the attach: removes the volumes it made, unless another container uses them. */
  rollback: () => Promise<void>;
}

/** A volume's `volume-subpath`, inside the volume whatever its links say. */
function subpathSource(data: string, name: string, sub: string): string {
  let real: string;
  try {
    real = realpathSync(join(data, sub));
  } catch {
    throw new RequestError(
      `Error response from daemon: error while mounting volume '${name}': cannot access path ${join(data, sub)}: no such file or directory`,
    );
  }
  const root = realpathSync(data);
  if (real !== root && !real.startsWith(`${root}/`)) {
    throw new RequestError(
      `Error response from daemon: error while mounting volume '${name}': subpath escapes the volume`,
    );
  }
  return real;
}

/**
 * Each volume's name and host source, given by `make` (the store's create, or its plan for a dry
 * run); the names of the volumes made are added to `made` as they are (a failure half-way leaves
 * them there for the undo).
 */
function volumeSources(
  points: MountPoint[],
  make: (name: string, o: CreateVolumeOptions) => { volume: Volume; created: boolean },
  made: string[],
): void {
  for (const m of points) {
    if (m.Type !== 'volume') continue;
    const vo = m.Spec.VolumeOptions;
    const { volume, created } = make(m.Name, {
      ...(vo?.DriverConfig?.Name ? { driver: vo.DriverConfig.Name } : {}),
      ...(vo?.Labels ? { labels: vo.Labels } : {}),
      ...(vo?.DriverConfig?.Options ? { options: vo.DriverConfig.Options } : {}),
    });
    if (created) made.push(volume.Name);
    m.Name = volume.Name;
    m.Driver = volume.Driver;
    m.Source = volume.Mountpoint;
    if (vo?.Subpath) m.Source = subpathSource(volume.Mountpoint, volume.Name, vo.Subpath);
  }
}

/**
 * Step 2 for a dry run: the mount points as attach would record them — existing volumes found,
 * new ones named (an anonymous one's name is drawn as create draws it) with the directory create
 * would give them — and the names of the volumes create would make. Nothing is written or locked.
 */
export function previewContainerMounts(
  ctx: RuntimeContext,
  planned: MountPoint[],
): { points: MountPoint[]; made: string[] } {
  const store = volumeStore(ctx);
  const points = planned.map((m) => ({ ...m, Spec: { ...m.Spec } }));
  const made: string[] = [];
  volumeSources(points, (name, o) => store.plan(name, o), made);
  return { points, made };
}

/** Step 2, for a container whose directory exists: volumes made or found, references recorded. */
export async function attachContainerMounts(
  ctx: RuntimeContext,
  id: string,
  containerDir: string,
  planned: MountPoint[],
): Promise<AttachedMounts> {
  const store = volumeStore(ctx);
  const made: string[] = [];
  const points = planned.map((m) => ({ ...m, Spec: { ...m.Spec } }));
  const rollback = async () => {
    if (made.length === 0) return;
    await store.locked(async () => {
      const users = volumeUsers(statePaths(ctx));
      for (const name of made) {
        if ((users.get(name) ?? []).some((u) => u !== id)) continue;
        await store.remove(name);
      }
    });
  };
  try {
    await store.locked(async () => {
      volumeSources(points, (name, o) => store.create(name, o), made);
      await writeContainerMounts(containerDir, points);
    });
    await Promise.all(made.map((name) => recordVolumeEvent(ctx, name, 'create', { driver: 'local' })));
  } catch (err) {
    await rollback().catch(() => undefined);
    throw err;
  }
  return { points, rollback };
}

/**
 * Step 3: Docker's copy-up. A volume that is empty gets the image's content at its destination
 * (ownership, modes, links and times kept); `nocopy` and non-empty volumes are left alone. The
 * destination is resolved inside the image's root, so a link there never leads onto the host.
 */
export async function populateVolumes(
  ctx: RuntimeContext,
  points: MountPoint[],
  rootfs: Mount[],
): Promise<void> {
  const store = volumeStore(ctx);
  const wanted = points.filter((m) => m.Type === 'volume' && m.CopyData);
  if (wanted.length === 0) return;
  for (const m of wanted) {
    const v = store.get(m.Name);
    if (v) await store.ensureMounted(v);
  }
  if (!wanted.some((m) => isEmptyDir(m.Source) || !m.Spec.Source)) return;
  await withImageView(ctx, rootfs, async (root) => {
    if (!root) return;
    // Under the volumes lock: of containers created at once with a new volume, exactly one fills
    // it, and none starts writing into it before that.
    await store.locked(async () => {
      for (const m of wanted) {
        const inRoot = await resolveInRoot(root, m.Destination);
        let st;
        try {
          st = lstatSync(hostPath(root, inRoot));
        } catch {
          continue;
        }
        if (!st.isDirectory()) {
          if (!m.Spec.Source) {
            throw new RequestError(
              `Error response from daemon: cannot mount volume over existing file, file exists ${m.Destination}`,
            );
          }
          continue;
        }
        if (!isEmptyDir(m.Source)) continue;
        try {
          await run('cp', ['-a', '--', `${hostPath(root, inRoot)}/.`, `${m.Source}/`]);
        } catch (err) {
          throw new SystemError(
            `failed to populate volume ${m.Name}: ${((err as { stderr?: string }).stderr ?? String(err)).trim()}`,
            { cause: err },
          );
        }
      }
    });
  });
}
