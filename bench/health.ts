/**
 * `npm run bench:health`: what a healthcheck costs (docs/performance.md, Healthchecks).
 *
 * - At rest: a container's monitor (tsdock-mon), with and without a healthcheck: resident memory, and
 *   the CPU the monitor itself spends between probes (its timer and the fork of each probe).
 * - Per probe: the probe command (`tsdock internal health ID`, a Node process that lives for one
 *   probe) — its CPU time, read from the monitor's reaped-children counters, and its peak RSS — and
 *   the CPU containerd, the shim and runc spend on the exec, over a run of probes against an idle
 *   baseline of the same length.
 *
 * Starts a private containerd, as `npm run bench` does; prints figures, never a pass/fail.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startContainerd } from '../test/harness/containerd.js';
import { buildBusyboxArchive } from '../test/harness/image.js';

const IMAGE = 'tsdock-test/busybox:latest';
const PROBES = Number(process.env.BENCH_PROBES ?? 20);
const root = join(import.meta.dirname, '..');
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS; // see bench/run.ts
const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** utime, stime, cutime, cstime of a process, in ms. */
function cpu(pid: number): { self: number; children: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  return { self: (f[11]! + f[12]!) * TICK_MS, children: (f[13]! + f[14]!) * TICK_MS };
}

function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

/** Processes whose command line contains every one of `words`. */
function pidsOf(...words: string[]): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (words.every((w) => cmd.includes(w))) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const d = await startContainerd();
const work = mkdtempSync('/tmp/tsdock-bench-health-');
writeFileSync(
  join(work, 'config.json'),
  JSON.stringify({ bridge: `tsdh${Math.floor(Math.random() * 0xffff).toString(16)}` }),
);
env.TSDOCK_CONFIG = join(work, 'config.json');
env.XDG_CACHE_HOME = join(work, 'cache');
mkdirSync(env.XDG_CACHE_HOME);
const tsdock = [
  '--',
  join(root, 'bin', 'tsdock'),
  '--address',
  d.address,
  '--namespace',
  'bench',
  '--data-root',
  join(work, 'data'),
];
const run = (args: string[]) =>
  execFileSync(process.execPath, [...tsdock, ...args], { encoding: 'utf8', env }).trim();
try {
  await buildBusyboxArchive(join(work, 'busybox.tar'), { name: IMAGE });
  run(['load', '-i', join(work, 'busybox.tar')]);
  const NET = ['--network', 'none'];

  // At rest: monitors with and without a healthcheck (one due in an hour: nothing runs meanwhile).
  const plain = run(['run', '-d', ...NET, IMAGE, 'sleep', '3600']);
  const idle = run([
    'run',
    '-d',
    ...NET,
    '--health-cmd',
    'true',
    '--health-interval',
    '1h',
    IMAGE,
    'sleep',
    '3600',
  ]);
  await sleep(1000);
  const monOf = (id: string) => pidsOf('tsdock-mon', id)[0]!;
  const [monPlain, monIdle] = [monOf(plain), monOf(idle)];
  const rest0 = cpu(monIdle).self;
  await sleep(10_000);
  const restCpu = cpu(monIdle).self - rest0;

  // Per probe: the command on its own, as the monitor runs it, under /usr/bin/time (peak RSS).
  const helper = [...tsdock, 'internal', 'health', idle];
  spawnSync(process.execPath, helper, { env }); // warm: writes the command's code cache
  const peak: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = Date.now();
    const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...helper], {
      encoding: 'utf8',
      env,
    });
    wall.push(Date.now() - t0);
    peak.push(Number(r.stderr.trim().split('\n').pop()));
  }

  // Per probe, in place: a container probed every 500 ms (a failing probe, so each one counts in
  // FailingStreak); the CPU of the monitor's children, containerd and the shims over PROBES probes,
  // against the same span with no probes.
  const containerd = d.pid;
  const shims = () => pidsOf('containerd-shim', d.address);
  const sample = () => {
    const s = shims().reduce((a, p) => a + cpu(p).self + cpu(p).children, 0);
    return { containerd: cpu(containerd).self, shims: s };
  };
  const base0 = sample();
  const spanMs = PROBES * 500;
  await sleep(spanMs);
  const base1 = sample();
  const probed = run([
    'run',
    '-d',
    ...NET,
    '--health-cmd',
    'false',
    '--health-interval',
    '500ms',
    '--health-retries',
    '1000',
    IMAGE,
    'sleep',
    '3600',
  ]);
  await sleep(1000);
  const mon = monOf(probed);
  const streak = () => Number(run(['inspect', '-f', '{{.State.Health.FailingStreak}}', probed]));
  const n0 = streak();
  const m0 = cpu(mon);
  const s0 = sample();
  const t0 = Date.now();
  while (streak() < n0 + PROBES) await sleep(200);
  const elapsed = Date.now() - t0;
  const n = streak() - n0;
  const m1 = cpu(mon);
  const s1 = sample();
  const scale = elapsed / spanMs; // the baseline over the same length of time
  const perProbe = {
    helper: (m1.children - m0.children) / n,
    containerd: (s1.containerd - s0.containerd - (base1.containerd - base0.containerd) * scale) / n,
    shim: (s1.shims - s0.shims - (base1.shims - base0.shims) * scale) / n,
    monitor: (m1.self - m0.self) / n,
  };
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    `tsdock-mon RSS: ${(rssKiB(monPlain) / 1024).toFixed(1)} MiB without a healthcheck, ${(rssKiB(monIdle) / 1024).toFixed(1)} MiB with one`,
  );
  console.log(`tsdock-mon CPU at rest with a healthcheck: ${restCpu.toFixed(0)} ms in 10 s`);
  console.log(
    `probe command: peak RSS ${(med(peak) / 1024).toFixed(0)} MiB, wall ${med(wall)} ms (median of 5)`,
  );
  console.log(
    `CPU per probe over ${n} probes (ms): probe command ${perProbe.helper.toFixed(0)}, containerd ${perProbe.containerd.toFixed(0)}, shim + runc ${perProbe.shim.toFixed(0)}, monitor ${perProbe.monitor.toFixed(1)}`,
  );
  run(['rm', '-f', plain, idle, probed]);
} finally {
  spawnSync(process.execPath, [...tsdock, 'internal', 'network-reset'], { env });
  await d.stop();
  rmSync(work, { recursive: true, force: true });
}
