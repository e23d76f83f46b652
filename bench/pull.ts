/**
 * `npm run bench:pull`: the same image from the same local registry, `tsdock pull` against
 * `ctr pull --plain-http`, alternating, medians and the ratio (goal ≤ 1.1×), plus each one's peak RSS.
 * Each tool pulls into its own containerd namespace and removes the image (synchronous GC) between
 * runs, so every pull downloads and unpacks everything. Never a pass/fail.
 *
 *   BENCH_RUNS (default 5), BENCH_PULL_MB (size of the incompressible layer, default 64)
 */
import { spawnSync, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startContainerd } from '../test/harness/containerd.js';
import { buildBusyboxArchive } from '../test/harness/image.js';
import { startRegistry } from '../test/harness/registry.js';

const N = Number(process.env.BENCH_RUNS ?? 5);
const MB = Number(process.env.BENCH_PULL_MB ?? 64);
const root = join(import.meta.dirname, '..');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Wall time (ms) and peak RSS (KiB) of one command, through GNU time. */
function measure(cmd: string, args: string[]): { ms: number; rssKb: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return { ms, rssKb: Number(r.stderr.trim().split('\n').pop()) };
}

const d = await startContainerd();
const reg = await startRegistry();
const work = mkdtempSync('/tmp/tsdock-bench-pull-');
try {
  const tsdock = (ns: string) => [
    join(root, 'bin', 'tsdock'),
    '--address',
    d.address,
    '--namespace',
    ns,
    '--data-root',
    join(work, 'data'),
  ];
  const ctr = ['--address', d.address, '--namespace', 'bench-ctr'];
  const image = `${reg.host}/bench/pull:v1`;
  const archive = join(work, 'img.tar');
  // Random bytes, base64: a layer neither gzip nor the registry can shrink.
  await buildBusyboxArchive(archive, {
    name: image,
    extraFiles: { '/payload': randomBytes(Math.floor((MB * 1e6 * 3) / 4)).toString('base64') },
  });
  execFileSync(process.execPath, [...tsdock('bench-src'), 'load', '-i', archive], { stdio: 'ignore' });
  execFileSync(process.execPath, [...tsdock('bench-src'), 'push', '-q', image], { stdio: 'ignore' });

  const ours = () => {
    const m = measure(process.execPath, [...tsdock('bench-ts'), 'pull', '-q', image]);
    execFileSync(process.execPath, [...tsdock('bench-ts'), 'rmi', image], { stdio: 'ignore' });
    return m;
  };
  const theirs = () => {
    const m = measure('ctr', [...ctr, 'images', 'pull', '--plain-http', image]);
    execFileSync('ctr', [...ctr, 'images', 'rm', '--sync', image], { stdio: 'ignore' });
    return m;
  };
  ours();
  theirs(); // warm both
  const a: { ms: number; rssKb: number }[] = [];
  const b: { ms: number; rssKb: number }[] = [];
  for (let i = 0; i < N; i++) {
    a.push(ours());
    b.push(theirs());
  }
  const ta = median(a.map((x) => x.ms));
  const tb = median(b.map((x) => x.ms));
  const ra = Math.max(...a.map((x) => x.rssKb)) / 1024;
  const rb = Math.max(...b.map((x) => x.rssKb)) / 1024;
  console.log(`pull of a ${MB} MB layer from a local registry, medians of ${N} alternating runs`);
  console.log(`| tool | wall time | peak RSS |`);
  console.log(`| --- | --- | --- |`);
  console.log(`| tsdock pull | ${ta.toFixed(0)} ms | ${ra.toFixed(0)} MiB |`);
  console.log(`| ctr pull --plain-http | ${tb.toFixed(0)} ms | ${rb.toFixed(0)} MiB |`);
  console.log(`ratio tsdock/ctr: ${(ta / tb).toFixed(2)}× (goal ≤ 1.1×)`);
} finally {
  spawnSync(
    'ctr',
    [
      '--address',
      d.address,
      '--namespace',
      'bench-ctr',
      'images',
      'rm',
      '--sync',
      `${reg.host}/bench/pull:v1`,
    ],
    {
      stdio: 'ignore',
    },
  );
  await reg.stop();
  await d.stop();
  rmSync(work, { recursive: true, force: true });
}
