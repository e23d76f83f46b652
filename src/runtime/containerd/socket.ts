/**
 * The two set-up mistakes a newcomer meets first, said plainly before anything else is tried: not
 * allowed to use containerd's socket (not root), and no containerd listening (or none installed).
 * Docker's CLI words the first as `permission denied while trying to connect to the Docker daemon
 * socket at unix:///var/run/docker.sock`; status 1 as Docker's. No gRPC library is loaded here.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { DaemonUnreachableError } from '../errors.js';

function onPath(program: string, path = process.env.PATH ?? ''): boolean {
  return path.split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, program)));
}

/** tsdock's error for a socket that could not be used: why (EACCES, ENOENT, ECONNREFUSED …). */
export function unreachable(
  address: string,
  code: string | undefined,
  cause?: unknown,
): DaemonUnreachableError {
  const where = `unix://${address}`;
  if (code === 'EACCES' || code === 'EPERM')
    return new DaemonUnreachableError(
      `permission denied while trying to connect to the containerd socket at ${where}`,
      {
        cause,
        hint: "containerd's socket is root's: run tsdock as root (e.g. 'sudo tsdock …').",
      },
    );
  if (!onPath('containerd') && !existsSync('/usr/bin/containerd'))
    return new DaemonUnreachableError(
      `Cannot connect to containerd at ${where}: containerd is not installed. ` +
        "Install it with 'bash scripts/setup.sh' or 'apt-get install containerd runc'.",
      { cause },
    );
  return new DaemonUnreachableError(
    `Cannot connect to containerd at ${where}: is containerd running? ` +
      "Start it with 'containerd &' or 'systemctl start containerd'.",
    { cause },
  );
}

/**
 * Checks that containerd's socket is there and this user may use it, before a command reads or
 * changes anything: a user without access gets that said, never an empty list. One access(2) call.
 */
export function checkSocket(address: string): void {
  try {
    accessSync(address, constants.R_OK | constants.W_OK);
  } catch (err) {
    throw unreachable(address, (err as NodeJS.ErrnoException).code, err);
  }
}
