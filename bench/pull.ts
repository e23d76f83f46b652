/**
 * `npm run bench:pull`: the same image from the same local registry, `tsdock pull` against
 * `ctr pull --plain-http`, alternating, medians and the ratio (goal ≤ 1.1×), plus each one's peak RSS
 * at two layer sizes (the evidence that memory does not grow with the layer). Never a pass/fail.
 *
 * The image is pushed from a namespace that is then emptied with a synchronous GC: containerd shares
 * blobs across namespaces, so a blob left anywhere in the store would let the next pull skip its
 * download. Before every measured pull the store must hold no blob and no snapshot at all, so both
 * tools download, verify and unpack everything.
 *
 *   BENCH_RUNS (default 5), BENCH_PULL_MB (size of the incompressible layer, default 64),
 *   BENCH_PULL_BIG_MB (the larger layer for the RSS comparison, default 256; 0 skips it),
 *   BENCH_BASELINE (another build's bin/tsdock, e.g. main's, alternated with the two in the same run)
 */
import { spawnSync, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startContainerd } from '../test/harness/containerd.js';
import { buildBusyboxArchive } from '../test/harness/image.js';
import { startRegistry } from '../test/harness/registry.js';

const N = Number(process.env.BENCH_RUNS ?? 5);
const MB = Number(process.env.BENCH_PULL_MB ?? 64);
const BIG_MB = Number(process.env.BENCH_PULL_BIG_MB ?? 256);
const BASELINE = process.env.BENCH_BASELINE;
const root = join(import.meta.dirname, '..');

/**
 * Lets the event loop run: the registry's log comes through a pipe this process reads, and every
 * spawnSync blocks the loop; left unread, 64 KiB of access log stops the registry mid-request.
 */
const drain = () => new Promise((r) => setTimeout(r, 10));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface Sample {
  ms: number;
  rssKb: number;
}

// As in bench/run.ts: without NODE_EXTRA_CA_CERTS, which some sandboxes set and which costs every Node
// process ~60 ms of start-up that a fresh Debian machine does not pay (the registry here is plain HTTP).
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;

/** Wall time (ms) and peak RSS (KiB) of one command, through GNU time. */
function measure(cmd: string, args: string[]): Sample {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { encoding: 'utf8', env });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return { ms, rssKb: Number(r.stderr.trim().split('\n').pop()) };
}

const d = await startContainerd();
const reg = await startRegistry();
const work = mkdtempSync('/tmp/tsdock-bench-pull-');
// As in bench/run.ts: code caches of this run's own, not the machine's cache directory.
env.XDG_CACHE_HOME = process.env.XDG_CACHE_HOME = join(work, 'cache');
const ctr = (ns: string, ...args: string[]) => ['--address', d.address, '--namespace', ns, ...args];
const images: string[] = [];
try {
  const tsdock = (ns: string, bin = join(root, 'bin', 'tsdock')) => [
    // As bin/tsdock's `#!/usr/bin/env -S node --` runs it.
    '--',
    bin,
    '--address',
    d.address,
    '--namespace',
    ns,
    '--data-root',
    join(work, 'data'),
  ];

  /** Fails unless containerd holds no blob and no overlayfs snapshot, in any namespace. */
  const assertEmpty = () => {
    const left = [
      join(d.root, 'io.containerd.content.v1.content', 'blobs', 'sha256'),
      join(d.root, 'io.containerd.snapshotter.v1.overlayfs', 'snapshots'),
    ].flatMap((dir) => {
      try {
        return readdirSync(dir).map((f) => join(dir, f));
      } catch {
        return [];
      }
    });
    if (left.length) throw new Error(`the store is not empty before a pull: ${left.join(', ')}`);
  };

  const prepare = async (mb: number): Promise<string> => {
    const image = `${reg.host}/bench/pull:${mb}mb`;
    const archive = join(work, `img-${mb}.tar`);
    // Random bytes, base64: a layer neither gzip nor the registry can shrink.
    await buildBusyboxArchive(archive, {
      name: image,
      extraFiles: { '/payload': randomBytes(Math.floor((mb * 1e6 * 3) / 4)).toString('base64') },
    });
    execFileSync(process.execPath, [...tsdock('bench-src'), 'load', '-i', archive], { stdio: 'ignore' });
    await drain();
    execFileSync(process.execPath, [...tsdock('bench-src'), 'push', '-q', image], { stdio: 'ignore' });
    execFileSync('ctr', ctr('bench-src', 'images', 'rm', '--sync', image), { stdio: 'ignore' });
    rmSync(archive);
    images.push(image);
    return image;
  };

  const ours = async (image: string, bin?: string): Promise<Sample> => {
    await drain();
    assertEmpty();
    const m = measure(process.execPath, [...tsdock('bench-ts', bin), 'pull', '-q', image]);
    execFileSync(process.execPath, [...tsdock('bench-ts', bin), 'rmi', image], { stdio: 'ignore' });
    return m;
  };
  const theirs = async (image: string): Promise<Sample> => {
    await drain();
    assertEmpty();
    const m = measure('ctr', ctr('bench-ctr', 'images', 'pull', '--plain-http', image));
    execFileSync('ctr', ctr('bench-ctr', 'images', 'rm', '--sync', image), { stdio: 'ignore' });
    return m;
  };

  const image = await prepare(MB);
  await ours(image);
  await theirs(image); // warm both
  if (BASELINE) await ours(image, BASELINE);
  const a: Sample[] = [];
  const b: Sample[] = [];
  const c: Sample[] = [];
  for (let i = 0; i < N; i++) {
    a.push(await ours(image));
    b.push(await theirs(image));
    if (BASELINE) c.push(await ours(image, BASELINE));
  }
  const ta = median(a.map((x) => x.ms));
  const tb = median(b.map((x) => x.ms));
  const rss = (xs: Sample[]) => `${(Math.max(...xs.map((x) => x.rssKb)) / 1024).toFixed(0)} MiB`;
  console.log(`pull of a ${MB} MB layer from a local registry, medians of ${N} alternating runs`);
  console.log(`| tool | wall time | peak RSS |`);
  console.log(`| --- | --- | --- |`);
  console.log(`| tsdock pull | ${ta.toFixed(0)} ms | ${rss(a)} |`);
  console.log(`| ctr pull --plain-http | ${tb.toFixed(0)} ms | ${rss(b)} |`);
  const tc = BASELINE ? median(c.map((x) => x.ms)) : 0;
  if (BASELINE) console.log(`| baseline (${BASELINE}) | ${tc.toFixed(0)} ms | ${rss(c)} |`);
  console.log(`ratio tsdock/ctr: ${(ta / tb).toFixed(2)}× (goal ≤ 1.1×)`);
  if (BASELINE) console.log(`ratio baseline/ctr: ${(tc / tb).toFixed(2)}×`);

  if (BIG_MB > 0) {
    const big = await prepare(BIG_MB);
    const a2 = [await ours(big), await ours(big)];
    const b2 = [await theirs(big), await theirs(big)];
    console.log();
    console.log(`peak RSS against layer size (the larger layer: 2 runs each, the slower one's wall time)`);
    console.log(`| tool | ${MB} MB layer | ${BIG_MB} MB layer | wall time at ${BIG_MB} MB |`);
    console.log(`| --- | --- | --- | --- |`);
    console.log(
      `| tsdock pull | ${rss(a)} | ${rss(a2)} | ${Math.max(...a2.map((x) => x.ms)).toFixed(0)} ms |`,
    );
    console.log(
      `| ctr pull --plain-http | ${rss(b)} | ${rss(b2)} | ${Math.max(...b2.map((x) => x.ms)).toFixed(0)} ms |`,
    );
  }
} finally {
  for (const image of images) {
    for (const ns of ['bench-ctr', 'bench-ts', 'bench-src'])
      spawnSync('ctr', ctr(ns, 'images', 'rm', '--sync', image), { stdio: 'ignore' });
  }
  await reg.stop();
  await d.stop();
  rmSync(work, { recursive: true, force: true });
}
