/**
 * Suite-wide set-up, loaded first (mocha sorts files): one private containerd for the whole run,
 * the busybox test image built from Debian's busybox-static and loaded through `tsdock load`, and
 * at the end a check that the suite left nothing behind.
 */
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { startContainerd, type PrivateContainerd } from '../harness/containerd.js';
import { buildBusyboxArchive } from '../harness/image.js';
import { cli, ok, setEnv, target } from '../harness/cli.js';
import { freeSubnet24 } from '../harness/net.js';

export const TEST_IMAGE = 'tsdock-test/busybox:latest';

/**
 * This run's own default bridge and subnet (several suites may run at once on one machine), in a
 * config file every tsdock the suite starts reads. Set before any test runs.
 */
export const RUN_BRIDGE = `tsdt${Math.floor(Math.random() * 0x10000)
  .toString(16)
  .padStart(4, '0')}`;
export const RUN_SUBNET = freeSubnet24();
const configDir = mkdtempSync(join(tmpdir(), 'tsdock-cfg-'));
if (target === 'tsdock') {
  writeFileSync(
    join(configDir, 'config.json'),
    JSON.stringify({ bridge: RUN_BRIDGE, bip: `${RUN_SUBNET.replace(/\.0\/24$/, '.1')}/24` }),
  );
  process.env.TSDOCK_CONFIG = join(configDir, 'config.json');
  // The launcher's code caches go with the run, not into the machine's cache directory.
  process.env.XDG_CACHE_HOME = join(configDir, 'cache');
}

/** What this run left in the kernel: namespaces, links, rules named after its bridge. */
export function networkLeftovers(): string[] {
  const out: string[] = [];
  const netns = existsSync('/run/netns')
    ? readdirSync('/run/netns').filter((n) => n.startsWith(`${RUN_BRIDGE}-`))
    : [];
  if (netns.length) out.push(`netns left: ${netns.join(' ')}`);
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(`master ${RUN_BRIDGE} `));
  if (links.length) out.push(`veths left on ${RUN_BRIDGE}: ${links.length}`);
  const rules = execFileSync('iptables-save', [], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(`TSDOCK-${RUN_BRIDGE}-`) || l.includes(`tsdock:net:${RUN_BRIDGE}"`));
  if (rules.length) out.push(`iptables lines left: ${rules.join(' | ')}`);
  return out;
}

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
    const vols = cli(['volume', 'ls', '-q']).stdout.trim();
    if (vols) {
      leftovers.push(`volumes left: ${vols.split('\n').join(' ')}`);
      cli(['volume', 'rm', '-f', ...vols.split('\n')]);
    }
    const reset = cli(['internal', 'network-reset']);
    if (reset.code !== 0) leftovers.push(`network reset failed: ${reset.stderr.trim()}`);
    for (const sub of ['leases', 'ports']) {
      const dir = join(dataRoot, 'network', sub);
      const files = existsSync(dir)
        ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
        : [];
      if (files.length) leftovers.push(`${sub} left: ${files.map((f) => f.name).join(' ')}`);
    }
    leftovers.push(...networkLeftovers());
    if (existsSync(`/sys/class/net/${RUN_BRIDGE}`)) leftovers.push(`bridge ${RUN_BRIDGE} left`);
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .filter((l) => l.includes(daemon!.dir) && !l.includes('/io.containerd.grpc'));
    const taskMounts = mounts.filter((l) => l.includes('io.containerd.runtime.v2.task'));
    if (taskMounts.length) leftovers.push(`rootfs mounts left: ${taskMounts.length}`);
    // Volumes with a device, cp's and copy-up's temporary views: all under the data root.
    const ownMounts = mounts.filter((l) => l.split(' ')[1]?.startsWith(dataRoot));
    if (ownMounts.length) leftovers.push(`mounts left under the data root: ${ownMounts.join(' | ')}`);
    await daemon.stop();
    // runc leaves the parent cgroup it created (Docker leaves /docker likewise): tsdock's, and the
    // namespace's one `ctr run` uses (/<namespace>/<id>, the foreign-container tests). rmdir only
    // succeeds when no container cgroup is left in it, so nothing in use is touched.
    for (const ctrl of readdirSync('/sys/fs/cgroup')) {
      for (const parent of ['tsdock', 'tsdock-test']) {
        try {
          rmdirSync(join('/sys/fs/cgroup', ctrl, parent));
        } catch {
          /* absent, or still in use */
        }
      }
    }
  }
  rmSync(work, { recursive: true, force: true });
  rmSync(configDir, { recursive: true, force: true });
  expect(leftovers, 'the suite must leave nothing behind').to.deep.equal([]);
});
