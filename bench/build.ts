/**
 * `npm run bench:build`: a cold build and a fully cached rebuild of a 6-step Dockerfile, tsdock
 * side by side with `docker build` (BuildKit, and the classic builder with DOCKER_BUILDKIT=0) when a
 * Docker engine answers, in one run, as medians and ratios (never a pass/fail).
 *
 *   cold:   build --no-cache (every step runs: RUNs as tasks, COPYs, the image stored)
 *   cached: the same build again with the cache (every step CACHED, the image named)
 *
 * Goals (issue 18): cold ≤ 1.0× and cached ≤ 0.5× Docker's time.
 */
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startContainerd } from '../test/harness/containerd.js';
import { buildBusyboxArchive } from '../test/harness/image.js';

const N = Number(process.env.BENCH_RUNS ?? 7);
const IMAGE = 'tsdock-test/busybox:latest';
const root = join(import.meta.dirname, '..');
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS; // see bench/run.ts: a fresh machine does not set it

function timed(cmd: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...env, ...extraEnv } });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Alternates the runners N times (after one warm-up each); medians in runner order. */
function alternate(runners: (() => number)[]): number[] {
  for (const r of runners) r();
  const times = runners.map(() => [] as number[]);
  for (let i = 0; i < N; i++) runners.forEach((r, j) => times[j]!.push(r()));
  return times.map(median);
}

const DOCKERFILE = `FROM ${IMAGE}
ENV APP=/app
WORKDIR /app
COPY src/ ./src/
RUN cat src/*.txt | wc -l > lines
RUN echo built > status
CMD ["cat", "/app/lines"]
`;

const d = await startContainerd();
const work = mkdtempSync('/tmp/tsdock-bench-build-');
writeFileSync(
  join(work, 'config.json'),
  JSON.stringify({ bridge: `tsdb${Math.floor(Math.random() * 0x10000).toString(16)}` }),
);
env.TSDOCK_CONFIG = join(work, 'config.json');
const tsdock = [
  join(root, 'bin', 'tsdock'),
  '--address',
  d.address,
  '--namespace',
  'bench',
  '--data-root',
  join(work, 'data'),
];
try {
  const ctxDir = join(work, 'ctx');
  mkdirSync(join(ctxDir, 'src'), { recursive: true });
  writeFileSync(join(ctxDir, 'Dockerfile'), DOCKERFILE);
  for (let i = 0; i < 20; i++) writeFileSync(join(ctxDir, 'src', `f${i}.txt`), `line ${i}\n`.repeat(50));
  const archive = join(work, 'busybox.tar');
  await buildBusyboxArchive(archive, { name: IMAGE });
  execFileSync(process.execPath, [...tsdock, 'load', '-i', archive], { stdio: 'ignore', env });

  const ours = (cached: boolean) => () =>
    timed(process.execPath, [
      ...tsdock,
      'build',
      '-q',
      ...(cached ? [] : ['--no-cache']),
      '-t',
      'bench/app',
      ctxDir,
    ]);
  const dockerUp = spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0;
  const docker = (cached: boolean, buildkit: '0' | '1') => () =>
    timed('docker', ['build', '-q', ...(cached ? [] : ['--no-cache']), '-t', 'tsdock-bench/app', ctxDir], {
      DOCKER_BUILDKIT: buildkit,
    });
  if (dockerUp) spawnSync('docker', ['load', '-i', archive], { stdio: 'ignore' });

  const rows: string[][] = [];
  for (const cached of [false, true]) {
    const runners = [ours(cached), ...(dockerUp ? [docker(cached, '1'), docker(cached, '0')] : [])];
    const [t, bk, classic] = alternate(runners);
    const ratio = (x?: number) => (x === undefined ? '—' : `${x.toFixed(0)} ms (${(t! / x).toFixed(2)}×)`);
    rows.push([
      cached ? 'fully cached rebuild' : 'cold build (--no-cache)',
      `${t!.toFixed(0)} ms`,
      dockerUp ? ratio(bk) : 'no Docker engine here',
      dockerUp ? ratio(classic) : '—',
      cached ? '≤ 0.5×' : '≤ 1.0×',
    ]);
  }
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  console.log(`6-step Dockerfile, ${N} runs each, alternated; medians (tsdock/docker ratio in brackets)\n`);
  console.log(line(['build', 'tsdock', 'docker build (BuildKit)', 'docker build (classic)', 'goal']));
  console.log(line(['---', '---', '---', '---', '---']));
  for (const r of rows) console.log(line(r));
  if (dockerUp) spawnSync('docker', ['rmi', '-f', 'tsdock-bench/app'], { stdio: 'ignore' });
} finally {
  spawnSync(process.execPath, [...tsdock, 'internal', 'network-reset'], { stdio: 'ignore', env });
  await d.stop();
  rmSync(work, { recursive: true, force: true });
}
