/**
 * `--device`: the host's device nodes as runc is to create them in the container, and the device
 * cgroup rules that let the container use them (moby oci.DevicesFromPath over runc's
 * devices.DeviceFromPath): a node is taken as it is (type, numbers, mode, owner); a directory
 * brings every node under it; a symlink is followed.
 */
import { lstatSync, readdirSync, realpathSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { HostPathNotFoundError, UsageError } from '../errors.js';
import type { DeviceMapping } from '../opts/devices.js';
import type { OciDevice, OciDeviceCgroup } from './types.js';

/** glibc's major()/minor() of a st_rdev. */
function numbers(rdev: number): { major: number; minor: number } {
  const r = BigInt(rdev);
  return {
    major: Number(((r >> 8n) & 0xfffn) | ((r >> 32n) & ~0xfffn)),
    minor: Number((r & 0xffn) | ((r >> 12n) & ~0xffn)),
  };
}

function deviceOf(path: string, st: Stats): OciDevice | undefined {
  const type = st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : undefined;
  if (!type) return undefined;
  return { path, type, ...numbers(st.rdev), fileMode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
}

export interface HostDevice {
  device: OciDevice;
  /** The cgroup permissions it is allowed with (`rwm` or fewer). */
  access: string;
}

/** The nodes one --device brings, at their paths in the container. */
export function hostDevices(m: DeviceMapping): HostDevice[] {
  let resolved = m.PathOnHost;
  try {
    if (lstatSync(resolved).isSymbolicLink()) resolved = realpathSync(resolved);
  } catch {
    /* reported below, as stat sees it */
  }
  let st: Stats;
  try {
    st = lstatSync(resolved);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file or directory' : String(code);
    throw new HostPathNotFoundError(
      `Error response from daemon: error gathering device information while adding custom device ${JSON.stringify(m.PathOnHost)}: ${why}`,
    );
  }
  const single = deviceOf(m.PathInContainer, st);
  if (single) return [{ device: single, access: m.CgroupPermissions }];
  const out: HostDevice[] = [];
  if (st.isDirectory()) {
    const walk = (dir: string) => {
      let names: string[] = [];
      try {
        names = readdirSync(dir).sort();
      } catch {
        return;
      }
      for (const name of names) {
        const p = join(dir, name);
        let s: Stats;
        try {
          s = lstatSync(p);
        } catch {
          continue;
        }
        if (s.isDirectory()) walk(p);
        const d = deviceOf(m.PathInContainer + p.slice(resolved.length), s);
        if (d) out.push({ device: d, access: m.CgroupPermissions });
      }
    };
    walk(resolved);
  }
  if (out.length === 0) {
    throw new UsageError(
      `Error response from daemon: error gathering device information while adding custom device ${JSON.stringify(m.PathOnHost)}: not a device node`,
    );
  }
  return out;
}

/** The allow rules of the devices and of --device-cgroup-rule (`c 1:3 mr`, `*` for any number). */
export function deviceCgroupRules(devices: HostDevice[], rules: string[]): OciDeviceCgroup[] {
  const out: OciDeviceCgroup[] = devices.map(({ device, access }) => ({
    allow: true,
    type: device.type as 'c' | 'b',
    major: device.major,
    minor: device.minor,
    access,
  }));
  for (const rule of rules) {
    const [type, nums, access] = rule.split(' ') as ['a' | 'b' | 'c', string, string];
    const [major, minor] = nums.split(':');
    out.push({
      allow: true,
      type,
      ...(major !== '*' ? { major: Number(major) } : {}),
      ...(minor !== '*' ? { minor: Number(minor) } : {}),
      access,
    });
  }
  return out;
}
