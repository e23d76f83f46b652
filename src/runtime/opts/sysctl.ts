/**
 * `--sysctl`: only namespaced kernel parameters, as Docker allows them — the CLI's whitelist
 * (docker/cli opts.ValidateSysctl), then runc's rule that a parameter must belong to a namespace the
 * container does not share with the host (libcontainer/configs/validate sysctl).
 */
import { UsageError } from '../errors.js';

/** The IPC namespace's parameters (kernel.* ones; fs.mqueue.* as a prefix). */
const IPC_SYSCTLS = new Set([
  'kernel.msgmax',
  'kernel.msgmnb',
  'kernel.msgmni',
  'kernel.sem',
  'kernel.shmall',
  'kernel.shmmax',
  'kernel.shmmni',
  'kernel.shm_rmid_forced',
]);

/** One `--sysctl KEY=VALUE` → [key, value], or the CLI's refusal. */
export function parseSysctl(val: string): [string, string] {
  const eq = val.indexOf('=');
  const key = eq === -1 ? val : val.slice(0, eq);
  if (eq === -1 || !(IPC_SYSCTLS.has(key) || key.startsWith('net.') || key.startsWith('fs.mqueue.'))) {
    throw new Error(`sysctl '${val}' is not allowed`);
  }
  return [key, val.slice(eq + 1)];
}

/**
 * Parameters of a namespace the container shares with the host cannot be set (runc refuses them
 * when the task is created; refused here before anything is made, with runc's words).
 */
export function checkSysctlNamespaces(
  sysctls: Record<string, string>,
  shared: { hostNetwork: boolean; hostIpc: boolean },
): void {
  for (const key of Object.keys(sysctls)) {
    if (IPC_SYSCTLS.has(key) || key.startsWith('fs.mqueue.')) {
      if (shared.hostIpc)
        throw new UsageError(
          `Error response from daemon: sysctl ${JSON.stringify(key)} is not allowed in the hosts ipc namespace`,
        );
    } else if (key.startsWith('net.') && shared.hostNetwork) {
      throw new UsageError(
        `Error response from daemon: sysctl ${JSON.stringify(key)} not allowed in host network namespace`,
      );
    }
  }
}
