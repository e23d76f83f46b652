/**
 * Linux capabilities as Docker names them (moby oci/caps): the default set every container gets,
 * the full list privileged containers and `--cap-add ALL` get, and the name normalisation
 * (`net_admin` → `CAP_NET_ADMIN`) --cap-add/--cap-drop go through.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';

/** Docker's default set, in Docker's order. */
export const defaultCapabilities = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** Every capability by number (index = capability number), up to CAP_CHECKPOINT_RESTORE (40). */
export const allCapabilities = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

/** Capabilities the running kernel knows (Docker limits the list to CAP_LAST_CAP). */
export function knownCapabilities(lastCap = allCapabilities.length - 1): string[] {
  return allCapabilities.slice(0, lastCap + 1);
}

/**
 * The capabilities tsdock itself has (its effective set), which is what --privileged and
 * `--cap-add ALL` grant, as Docker's daemon does (moby oci/caps initCaps): runc cannot hand a
 * container one its caller lacks, and a sandboxed host may withhold some.
 */
export function currentCapabilities(): string[] {
  const all = knownCapabilities();
  try {
    const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (!hex) return all;
    const mask = BigInt(`0x${hex}`);
    return all.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
  } catch {
    return all;
  }
}

/** Upper-case, add `CAP_`, keep `ALL`; unknown names: `unknown capability: "CAP_FOO"`. */
export function normalizeCapabilities(caps: string[], known = allCapabilities): string[] {
  return caps.map((raw) => {
    let c = raw.toUpperCase();
    if (c === 'ALL') return c;
    if (!c.startsWith('CAP_')) c = `CAP_${c}`;
    if (!allCapabilities.includes(c)) throw new UsageError(`unknown capability: ${JSON.stringify(c)}`);
    if (!known.includes(c)) {
      throw new UsageError(
        `capability not supported by your kernel or not available in the current environment: ${JSON.stringify(c)}`,
      );
    }
    return c;
  });
}

/** moby caps.TweakCapabilities: privileged → all; `ALL` in adds or drops; otherwise drop then add. */
export function tweakCapabilities(
  adds: string[],
  drops: string[],
  privileged: boolean,
  known = allCapabilities,
) {
  if (privileged) return [...known];
  if (adds.length === 0 && drops.length === 0) return [...defaultCapabilities];
  const capDrop = normalizeCapabilities(drops, known);
  const capAdd = normalizeCapabilities(adds, known);
  if (capAdd.includes('ALL')) return known.filter((c) => !capDrop.includes(c));
  if (capDrop.includes('ALL')) return capAdd;
  return [...defaultCapabilities.filter((c) => !capDrop.includes(c)), ...capAdd];
}
