// npm's `install` step: compiles the per-container monitor (native/tsdock-mon.c → dist/tsdock-mon)
// on the machine tsdock is installed on, so the package carries no binary of one architecture.
// A git checkout has no dist/ yet at this point: `prepare` (scripts/build.sh) builds everything there.
// The monitor is written here, at install time, never later: the install may be read-only at run time.
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'native', 'tsdock-mon.c');
const target = join(root, 'dist', 'tsdock-mon');

if (!existsSync(join(root, 'dist')) || existsSync(target)) process.exit(0);

const cc = process.env.CC || 'cc';
const tmp = `${target}.${process.pid}`;
const r = spawnSync(cc, ['-O2', '-Wall', '-o', tmp, source], { stdio: ['ignore', 'inherit', 'inherit'] });
if (r.error || r.status !== 0) {
  rmSync(tmp, { force: true });
  const why =
    r.error && r.error.code === 'ENOENT'
      ? `no C compiler found (${cc})`
      : `${cc} failed on native/tsdock-mon.c`;
  // One line: npm shows a failing install script's stderr.
  console.error(
    `tsdock: cannot build its container monitor: ${why}; install one (Debian: apt-get install gcc libc6-dev) and install tsdock again`,
  );
  process.exit(1);
}
renameSync(tmp, target);
