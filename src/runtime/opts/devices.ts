/**
 * `--device` and `--device-cgroup-rule` as docker/cli reads them (container/opts.go validateDevice,
 * parseLinuxDevice, validateDeviceCgroupRule). What the host path is (a node, a directory of
 * nodes) is looked at when the spec is made (spec/devices.ts).
 */
import { readdirSync } from 'node:fs';
import { posix } from 'node:path';

/** HostConfig.Devices entry, Docker's field names. */
export interface DeviceMapping {
  PathOnHost: string;
  PathInContainer: string;
  CgroupPermissions: string;
}

/** r, w and m, each at most once. */
export function validDeviceMode(mode: string): boolean {
  if (mode === '') return false;
  const seen = new Set<string>();
  for (const c of mode) {
    if (!'rwm'.includes(c) || seen.has(c)) return false;
    seen.add(c);
  }
  return true;
}

/** validateLinuxPath: `[host:]container[:mode]`, the container path absolute (cleaned). */
function validateDevicePath(val: string): string {
  if ((val.match(/:/g) ?? []).length > 2) throw new Error(`bad format for path: ${val}`);
  const split = val.split(':');
  if (split[0] === '') throw new Error(`bad format for path: ${val}`);
  let containerPath: string;
  let out: string;
  if (split.length === 1) {
    containerPath = split[0]!;
    out = posix.normalize(containerPath);
  } else if (split.length === 2) {
    if (validDeviceMode(split[1]!)) {
      containerPath = split[0]!;
      out = `${posix.normalize(containerPath)}:${split[1]}`;
    } else {
      containerPath = split[1]!;
      out = `${split[0]}:${posix.normalize(containerPath)}`;
    }
  } else {
    containerPath = split[1]!;
    if (!validDeviceMode(split[2]!)) throw new Error(`bad mode specified: ${split[2]}`);
    out = val;
  }
  if (!posix.isAbsolute(containerPath)) throw new Error(`${containerPath} is not an absolute path`);
  return out;
}

/**
 * One `--device` value → its mappings: one, or for `/dev/prefix*` every match (the CLI's
 * filepath.Glob, a trailing `*` only), each at its own path in the container.
 */
export function parseDevice(value: string): DeviceMapping[] {
  const validated = validateDevicePath(value);
  const arr = validated.split(':');
  const src = arr[0]!;
  let dst = '';
  let permissions = 'rwm';
  if (arr.length === 3) permissions = arr[2]!;
  if (arr.length >= 2) {
    if (validDeviceMode(arr[1]!)) permissions = arr[1]!;
    else dst = arr[1]!;
  }
  if (src.endsWith('*')) {
    if (dst !== '') throw new Error(`device with * suffix can't have dst: ${value}`);
    const dir = posix.dirname(src);
    const prefix = posix.basename(src).slice(0, -1);
    let names: string[] = [];
    try {
      names = readdirSync(dir).sort();
    } catch {
      /* Glob finds nothing in a directory it cannot read */
    }
    return names
      .filter((n) => n.startsWith(prefix))
      .map((n) => ({
        PathOnHost: posix.join(dir, n),
        PathInContainer: posix.join(dir, n),
        CgroupPermissions: permissions,
      }));
  }
  return [{ PathOnHost: src, PathInContainer: dst || src, CgroupPermissions: permissions }];
}

const CGROUP_RULE = /^[acb] ([0-9]+|\*):([0-9]+|\*) [rwm]{1,3}$/;

export function validateDeviceCgroupRule(rule: string): string {
  if (!CGROUP_RULE.test(rule)) throw new Error(`invalid device cgroup format '${rule}'`);
  return rule;
}
