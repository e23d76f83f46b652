/**
 * Whether a container's processes run, read from its cgroup rather than asked of containerd: the
 * cgroup exists from task create to task delete, holds the container's processes while they live,
 * and its freezer says whether they are paused. `ps` answers from these files and the state files
 * alone, so listing containers needs no gRPC connection (Docker's ps likewise answers from the
 * daemon's memory, not from containerd).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectCgroupVersion } from './files.js';

/** `gone`: no such cgroup (task deleted, or never created) — only containerd can say more. */
export type CgroupProbe = 'running' | 'paused' | 'stopped' | 'gone';

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function probeCgroup(
  cgroupPath: string,
  version: 1 | 2 = detectCgroupVersion(),
  root = '/sys/fs/cgroup',
): CgroupProbe {
  // v1: the freezer hierarchy has both the member list and the freeze state.
  const dir = version === 1 ? join(root, 'freezer', cgroupPath) : join(root, cgroupPath);
  const procs = read(join(dir, 'cgroup.procs'));
  if (procs === undefined) return 'gone';
  if (procs.trim() === '') return 'stopped';
  const frozen =
    version === 1
      ? /^(FROZEN|FREEZING)/.test(read(join(dir, 'freezer.state')) ?? '')
      : /^frozen 1$/m.test(read(join(dir, 'cgroup.events')) ?? '');
  return frozen ? 'paused' : 'running';
}

/**
 * Whether runc can set a --blkio-weight here: the weight file (BFQ's, or the legacy CFQ one) exists
 * in the blkio hierarchy (v1) or in the io controller's child groups (v2). Without a scheduler that
 * supports weights it does not, and Docker then discards the weight with a warning.
 */
export function blkioWeightSupported(
  version: 1 | 2 = detectCgroupVersion(),
  root = '/sys/fs/cgroup',
): boolean {
  const has = (dir: string, files: string[]) => files.some((f) => existsSync(join(dir, f)));
  if (version === 1) return has(join(root, 'blkio'), ['blkio.bfq.weight', 'blkio.weight']);
  let children: string[] = [];
  try {
    children = readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(root, e.name));
  } catch {
    return false;
  }
  return children.some((d) => has(d, ['io.bfq.weight', 'io.weight']));
}
