/**
 * `npm run bench:compose`: `compose up -d` and `compose down` of a 10-service project (a network,
 * a published port, dependencies three deep), tsdock side by side with `docker compose` (v2
 * plugin) and `docker-compose` (Debian's v1) when a Docker engine answers and they are installed,
 * alternated in one run, as medians and ratios (never a pass/fail).
 *
 *   up:   compose up -d on a project with nothing created (network and 10 containers made, started)
 *   down: compose down -t 0 (containers stopped and removed, the network removed)
 */
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startContainerd } from '../test/harness/containerd.js';
import { buildBusyboxArchive } from '../test/harness/image.js';

const N = Number(process.env.BENCH_RUNS ?? 5);
const IMAGE = 'tsdock-test/busybox:latest';
const root = join(import.meta.dirname, '..');
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS; // see bench/run.ts: a fresh machine does not set it

function timed(cmd: string, args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Ten services: a web server on a published port, a chain of dependencies, independent workers. */
function project(port: number): string {
  const svc = (name: string, extra = '') =>
    `  ${name}:\n    image: ${IMAGE}\n    init: true\n    command: sleep 3600\n${extra}`;
  return [
    'services:',
    `  web:\n    image: ${IMAGE}\n    init: true\n    command: httpd -f -p 80 -h /etc\n    ports: ["127.0.0.1:${port}:80"]\n    depends_on: [api]\n`,
    svc('api', '    depends_on: [db, cache]\n'),
    svc('db'),
    svc('cache'),
    ...Array.from({ length: 6 }, (_, i) => svc(`worker${i + 1}`, '    depends_on: [db]\n')),
  ].join('\n');
}

interface Side {
  name: string;
  up: () => number;
  down: () => number;
}

const d = await startContainerd();
const work = mkdtempSync('/tmp/tsdock-bench-compose-');
writeFileSync(
  join(work, 'config.json'),
  JSON.stringify({ bridge: `tsdc${Math.floor(Math.random() * 0x10000).toString(16)}` }),
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
const file = join(work, 'compose.yaml');
try {
  writeFileSync(file, project(await freePort()));
  const archive = join(work, 'busybox.tar');
  await buildBusyboxArchive(archive, { name: IMAGE });
  execFileSync(process.execPath, [...tsdock, 'load', '-i', archive], { stdio: 'ignore', env });

  const sides: Side[] = [
    {
      name: 'tsdock compose',
      up: () => timed(process.execPath, [...tsdock, 'compose', '-p', 'bench', '-f', file, 'up', '-d']),
      down: () =>
        timed(process.execPath, [...tsdock, 'compose', '-p', 'bench', '-f', file, 'down', '-t', '0']),
    },
  ];
  const dockerUp = spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0;
  if (dockerUp) {
    spawnSync('docker', ['load', '-i', archive], { stdio: 'ignore' });
    if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) {
      const dc = (args: string[]) => () => timed('docker', ['compose', '-p', 'benchv2', '-f', file, ...args]);
      sides.push({ name: 'docker compose (v2)', up: dc(['up', '-d']), down: dc(['down', '-t', '0']) });
    }
    if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) {
      const dc = (args: string[]) => () => timed('docker-compose', ['-p', 'benchv1', '-f', file, ...args]);
      sides.push({ name: 'docker-compose (v1)', up: dc(['up', '-d']), down: dc(['down', '-t', '0']) });
    }
  }
  // Each side's own project on its own engine: up then down, alternated between the sides, so
  // that every up starts from nothing. The published port is only taken by one side at a time.
  for (const s of sides) {
    s.up();
    s.down();
  }
  const ups = sides.map(() => [] as number[]);
  const downs = sides.map(() => [] as number[]);
  for (let i = 0; i < N; i++) {
    sides.forEach((s, j) => {
      ups[j]!.push(s.up());
      downs[j]!.push(s.down());
    });
  }
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const ours = [median(ups[0]!), median(downs[0]!)];
  const others = sides.slice(1);
  console.log(`10 services, ${N} runs each, alternated; medians (tsdock/other ratio in brackets)\n`);
  console.log(
    line(['', 'tsdock compose', ...(others.length ? others.map((s) => s.name) : ['docker compose'])]),
  );
  console.log(line(['---', '---', ...(others.length ? others.map(() => '---') : ['---'])]));
  ['up -d', 'down'].forEach((what, k) => {
    const cells = others.map((s, j) => {
      const m = median((k === 0 ? ups : downs)[j + 1]!);
      return `${m.toFixed(0)} ms (${(ours[k]! / m).toFixed(2)}×)`;
    });
    console.log(
      line([what, `${ours[k]!.toFixed(0)} ms`, ...(cells.length ? cells : ['no Docker engine here'])]),
    );
  });
  if (dockerUp) spawnSync('docker', ['rmi', IMAGE], { stdio: 'ignore' });
} finally {
  spawnSync(process.execPath, [...tsdock, 'compose', '-p', 'bench', '-f', file, 'down', '-t', '0'], {
    stdio: 'ignore',
    env,
  });
  spawnSync(process.execPath, [...tsdock, 'internal', 'network-reset'], { stdio: 'ignore', env });
  await d.stop();
  rmSync(work, { recursive: true, force: true });
}
