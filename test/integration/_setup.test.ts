/**
 * Suite-wide set-up, loaded first (mocha sorts files): one private containerd for the whole run,
 * the busybox test image built from Debian's busybox-static and loaded through `tsdock load`, and
 * at the end a check that the suite left nothing behind.
 */
import { mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { startContainerd, type PrivateContainerd } from '../harness/containerd.js';
import { buildBusyboxArchive } from '../harness/image.js';
import { cli, ok, setEnv, target } from '../harness/cli.js';

export const TEST_IMAGE = 'tsdock-test/busybox:latest';

let daemon: PrivateContainerd | undefined;

/** The suite's private containerd (undefined when running against Docker). */
export function containerdDaemon(): PrivateContainerd | undefined {
  return daemon;
}
let dataRoot = '';
let work = '';

before(async function () {
  this.timeout(120_000);
  work = mkdtempSync(join(tmpdir(), 'tsdock-it-'));
  const archive = join(work, 'busybox.tar');
  await buildBusyboxArchive(archive, { name: TEST_IMAGE });
  if (target === 'docker') {
    setEnv({ address: '', namespace: '', dataRoot: '', image: TEST_IMAGE });
  } else {
    daemon = await startContainerd();
    dataRoot = join(daemon.dir, 'data-root');
    setEnv({ address: daemon.address, namespace: 'tsdock-test', dataRoot, image: TEST_IMAGE });
  }
  ok(['load', '-i', archive]);
});

after(async function () {
  this.timeout(120_000);
  const leftovers: string[] = [];
  if (target === 'tsdock' && daemon) {
    const ps = cli(['ps', '-aq']);
    if (ps.stdout.trim()) {
      // Name, command and status say which test left it.
      const detail = cli([
        'ps',
        '-a',
        '--no-trunc',
        '--format',
        '{{.ID}} {{.Names}} {{.Command}} {{.Status}}',
      ]);
      leftovers.push(`containers left: ${detail.stdout.trim().split('\n').join(' | ')}`);
      cli(['rm', '-f', ...ps.stdout.trim().split('\n')]);
    }
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .filter((l) => l.includes(daemon!.dir) && !l.includes('/io.containerd.grpc'));
    const taskMounts = mounts.filter((l) => l.includes('io.containerd.runtime.v2.task'));
    if (taskMounts.length) leftovers.push(`rootfs mounts left: ${taskMounts.length}`);
    await daemon.stop();
    // runc leaves the parent cgroup it created (Docker leaves /docker likewise); rmdir only succeeds
    // when no container cgroup is left in it, so nothing in use is touched.
    for (const ctrl of readdirSync('/sys/fs/cgroup')) {
      try {
        rmdirSync(join('/sys/fs/cgroup', ctrl, 'tsdock'));
      } catch {
        /* absent, or still in use */
      }
    }
  }
  rmSync(work, { recursive: true, force: true });
  expect(leftovers, 'the suite must leave nothing behind').to.deep.equal([]);
});
