/** The host binary behind --init (Docker's docker-init, which is tini). */
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

const FALLBACKS = ['/usr/bin/docker-init', '/usr/bin/tini-static', '/usr/libexec/docker/docker-init'];

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * As dockerd: `docker-init` on PATH (Debian's is a link to tini-static), then the usual places. A
 * dynamically linked tini is no candidate: it would need the host's libc inside the container.
 */
export function findInitBinary(path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(':').filter(Boolean)) {
    const p = join(dir, 'docker-init');
    if (executable(p)) return p;
  }
  return FALLBACKS.find(executable);
}
