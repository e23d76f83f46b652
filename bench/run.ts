/**
 * `npm run bench`: side-by-side timings in one run, reported as medians and ratios (never a pass/fail).
 * Starts a private containerd, loads the busybox test image into it for tsdock and ctr alike, then
 * alternates the commands under comparison so both see the same machine state.
 *
 *   tsdock run --rm --network none IMG true   vs  ctr run --rm IMG id true        (goal ≤ 1.5×)
 *   tsdock run --rm IMG true (bridge)         vs  docker run --rm IMG true        (when a Docker engine answers)
 *   tsdock ps -a                              vs  node -e 0                       (goal ≤ 2.0×)
 *   bench/floor-list.ts (one Containers.List) vs  node -e 0                       (what ps cannot go below)
 *   tsdock inspect CONTAINER                  vs  node -e 0                       (goal ≤ 2.0×)
 *   tsdock --help, run --help, network        vs  tsdock version                  (goal ≤ 1.5×)
 *   tsdock ps -a with 100 containers
 *   peak RSS of a foreground `tsdock run`, and RSS per detached container (its tsdock-mon)
 */
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startContainerd } from '../test/harness/containerd.js';
import { buildBusyboxArchive } from '../test/harness/image.js';

const N = Number(process.env.BENCH_RUNS ?? 15);
const IMAGE = 'tsdock-test/busybox:latest';
const root = join(import.meta.dirname, '..');

// Every command runs without NODE_EXTRA_CA_CERTS. Some sandboxes set it, and Node then reads and
// parses the whole CA bundle at start-up (~60 ms here, before any script runs), which would add the
// same constant to tsdock and to `node -e 0` and hide what tsdock itself costs. A fresh Debian
// machine does not set it; tsdock reads the system's CAs itself when it talks TLS.
const env = { ...process.env };
const hadExtraCas = env.NODE_EXTRA_CA_CERTS !== undefined;
delete env.NODE_EXTRA_CA_CERTS;

/** Wall time, and CPU time (user + system) of the command and the children it waited for, in ms. */
interface Timing {
  wall: number;
  cpu: number;
}

/**
 * One run, timed by bash around the command: EPOCHREALTIME for the wall time, `times` for the CPU
 * time of the processes it waited for (getrusage, to the millisecond). CPU time is the steadier of
 * the two on a busy machine, where the wall time mostly measures the wait for a processor.
 */
function timed(cmd: string, args: string[]): Timing {
  const script = 's=$EPOCHREALTIME; "$@" >/dev/null || exit; e=$EPOCHREALTIME; echo "$s $e"; times';
  const r = spawnSync('bash', ['-c', script, 'bench', cmd, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    env,
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  const [clock = '', , children = ''] = r.stdout.trim().split('\n');
  const [s = 0, e = 0] = clock.split(' ').map(Number);
  const seconds = (t: string) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t);
    return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  };
  const [user = '', sys = ''] = children.split(' ');
  return { wall: (e - s) * 1000, cpu: (seconds(user) + seconds(sys)) * 1000 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Runs a and b alternately N times; returns the medians of each. */
function compare(a: () => Timing, b: () => Timing): [Timing, Timing] {
  const ta: Timing[] = [];
  const tb: Timing[] = [];
  a();
  b(); // warm caches for both
  for (let i = 0; i < N; i++) {
    ta.push(a());
    tb.push(b());
  }
  const med = (ts: Timing[]): Timing => ({
    wall: median(ts.map((t) => t.wall)),
    cpu: median(ts.map((t) => t.cpu)),
  });
  return [med(ta), med(tb)];
}

function peakRss(cmd: string, args: string[]): number {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { encoding: 'utf8', env });
  return Number(r.stderr.trim().split('\n').pop());
}

const rows: string[][] = [];
const report = (what: string, ours: Timing, theirs: Timing | undefined, against: string, goal: string) =>
  rows.push([
    what,
    against,
    ...(['wall', 'cpu'] as const).flatMap((k) => [
      `${ours[k].toFixed(0)} ms`,
      theirs === undefined ? '—' : `${theirs[k].toFixed(0)} ms`,
      theirs === undefined ? '—' : `${(ours[k] / theirs[k]).toFixed(2)}×`,
    ]),
    goal,
  ]);

/**
 * A bench/floor*.ts program bundled and run the way bin/tsdock runs tsdock (one script compiled with
 * a V8 code cache, written by its first run): `node runner script ARGS…`.
 */
async function bundleFloor(work: string, name: string): Promise<{ runner: string; script: string }> {
  const { build } = await import('esbuild');
  const script = join(work, `${name}.js`);
  await build({
    entryPoints: [join(root, 'bench', `${name}.ts`)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    minify: true,
    outfile: script,
    banner: { js: '(function (exports, require, module, __filename, __dirname) {' },
    footer: { js: '\n})' },
    // tsdock's modules read import.meta.url (to require lazily); a script has only __filename.
    define: { 'import.meta.url': '__filename' },
    external: ['@grpc/proto-loader'],
    logLevel: 'warning',
  });
  const runner = join(work, 'run-floor.cjs');
  writeFileSync(
    runner,
    `const { readFileSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { Script } = require('node:vm');
const file = process.argv[2];
process.argv.splice(2, 1);
let cachedData;
try { cachedData = readFileSync(file + '.cache'); } catch {}
const script = new Script(readFileSync(file, 'latin1'), { filename: file, cachedData });
const exit = process.exit;
process.exit = (code) => {
  if (cachedData === undefined || script.cachedDataRejected) writeFileSync(file + '.cache', script.createCachedData());
  exit(code);
};
const mod = { exports: {} };
script.runInThisContext().call(mod.exports, mod.exports, createRequire(file), mod, file, require('node:path').dirname(file));
`,
  );
  return { runner, script };
}

/**
 * bench/floor.ts, with the spec of a container tsdock created (its /etc bind mounts stay valid until
 * done()).
 */
async function buildFloor(
  work: string,
  tsdock: string[],
  address: string,
  namespace: string,
): Promise<{ runner: string; script: string; args: string[]; done: () => void }> {
  const { ContainerdClient } = await import('../src/runtime/containerd/client.js');
  const { chainId } = await import('../src/runtime/images/oci.js');
  const { runner, script } = await bundleFloor(work, 'floor');
  const id = execFileSync(process.execPath, [...tsdock, 'create', '--network', 'none', IMAGE, 'true'], {
    encoding: 'utf8',
    env,
  }).trim();
  const client = new ContainerdClient(address, namespace);
  const [container, image] = await Promise.all([
    client.containers.get(id),
    client.images.get(`docker.io/${IMAGE}`),
  ]);
  client.close();
  const inspect = JSON.parse(
    execFileSync(process.execPath, [...tsdock, 'image', 'inspect', IMAGE], { encoding: 'utf8', env }),
  ) as { RootFS: { Layers: string[] } }[];
  const specFile = join(work, 'floor-spec.json');
  writeFileSync(specFile, JSON.stringify(container.spec));
  return {
    runner,
    script,
    args: [address, namespace, image.name, chainId(inspect[0]!.RootFS.Layers)!, specFile],
    done: () => execFileSync(process.execPath, [...tsdock, 'rm', id], { stdio: 'ignore', env }),
  };
}

const d = await startContainerd();
const work = mkdtempSync('/tmp/tsdock-bench-');
// A bridge of the benchmark's own (next free /24), removed at the end with its rules.
writeFileSync(
  join(work, 'config.json'),
  JSON.stringify({ bridge: `tsdb${Math.floor(Math.random() * 0x10000).toString(16)}` }),
);
process.env.TSDOCK_CONFIG = join(work, 'config.json');
env.TSDOCK_CONFIG = process.env.TSDOCK_CONFIG;
// Code caches of this run's own, made by the first (warm-up) run of each command, as on a machine
// where tsdock has run before; the machine's cache directory is left alone.
env.XDG_CACHE_HOME = process.env.XDG_CACHE_HOME = join(work, 'cache');
mkdirSync(env.XDG_CACHE_HOME);
let reset = (): void => undefined;
try {
  const ns = 'bench';
  const tsdock = [
    // As bin/tsdock's `#!/usr/bin/env -S node --` runs it.
    '--',
    join(root, 'bin', 'tsdock'),
    '--address',
    d.address,
    '--namespace',
    ns,
    '--data-root',
    join(work, 'data'),
  ];
  // The benchmark's own bridge, its rules and chains go at the end (they outlive the data root).
  reset = () => {
    const r = spawnSync(process.execPath, [...tsdock, 'internal', 'network-reset'], {
      encoding: 'utf8',
      env,
    });
    if (r.status !== 0) console.error(`network reset failed: ${r.stderr.trim()}`);
  };
  const ctr = ['--address', d.address, '--namespace', ns];
  const archive = join(work, 'busybox.tar');
  await buildBusyboxArchive(archive, { name: IMAGE });
  execFileSync(process.execPath, [...tsdock, 'load', '-i', archive], { stdio: 'ignore', env });

  let i = 0;
  const [runT, runC] = compare(
    () => timed(process.execPath, [...tsdock, 'run', '--rm', '--network', 'none', IMAGE, 'true']),
    () => timed('ctr', [...ctr, 'run', '--rm', `docker.io/${IMAGE}`, `bench-${process.pid}-${i++}`, 'true']),
  );
  report('run --rm IMG true (network none)', runT, runC, 'ctr run --rm', '≤ 1.5×');

  // The floor (bench/floor.ts): the same containerd calls from a bare Node program, against ctr.
  const floor = await buildFloor(work, tsdock, d.address, ns);
  let f = 0;
  const [floorT, floorC] = compare(
    () => timed(process.execPath, [floor.runner, floor.script, ...floor.args]),
    () =>
      timed('ctr', [
        ...ctr,
        'run',
        '--rm',
        `docker.io/${IMAGE}`,
        `bench-floor-${process.pid}-${f++}`,
        'true',
      ]),
  );
  report('floor: bare Node, same RPCs', floorT, floorC, 'ctr run --rm', '—');
  floor.done();

  const dockerUp = spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0;
  if (dockerUp) {
    spawnSync('docker', ['load', '-i', archive], { stdio: 'ignore' });
    // Both on their default network: a bridge, a veth pair and a namespace per container.
    const [a, b] = compare(
      () => timed(process.execPath, [...tsdock, 'run', '--rm', IMAGE, 'true']),
      () => timed('docker', ['run', '--rm', IMAGE, 'true']),
    );
    report('run --rm IMG true', a, b, 'docker run --rm', '≤ 0.6×');
  } else {
    report('run --rm IMG true', runT, undefined, 'docker run --rm', 'no Docker engine here');
  }

  const [psT, nodeT] = compare(
    () => timed(process.execPath, [...tsdock, 'ps', '-a']),
    () => timed(process.execPath, ['-e', '0']),
  );
  report('ps -a (empty)', psT, nodeT, 'node -e 0', '≤ 2.0×');

  // Help is rendered from the manifest, without loading commands or oclif.
  for (const args of [['--help'], ['run', '--help'], ['network']]) {
    const [helpT, versionT] = compare(
      () => timed(process.execPath, [...tsdock, ...args]),
      () => timed(process.execPath, [...tsdock, 'version']),
    );
    report(args.join(' '), helpT, versionT, 'tsdock version', '≤ 1.5×');
  }

  // The floor under ps (bench/floor-list.ts): Node, grpc-js and one Containers.List, nothing of tsdock's.
  const list = await bundleFloor(work, 'floor-list');
  const [listT, nodeL] = compare(
    () => timed(process.execPath, [list.runner, list.script, d.address, ns]),
    () => timed(process.execPath, ['-e', '0']),
  );
  report('floor: bare Node, Containers.List', listT, nodeL, 'node -e 0', '—');

  const running = execFileSync(
    process.execPath,
    [...tsdock, 'run', '-d', '--network', 'none', IMAGE, 'sleep', '600'],
    { encoding: 'utf8', env },
  ).trim();
  const [inspectT, nodeI] = compare(
    () => timed(process.execPath, [...tsdock, 'inspect', running]),
    () => timed(process.execPath, ['-e', '0']),
  );
  report('inspect (a running container)', inspectT, nodeI, 'node -e 0', '≤ 2.0×');
  execFileSync(process.execPath, [...tsdock, 'rm', '-f', running], { stdio: 'ignore', env });

  for (let k = 0; k < 100; k++) {
    execFileSync(process.execPath, [...tsdock, 'create', '--network', 'none', IMAGE, 'true'], {
      stdio: 'ignore',
      env,
    });
  }
  const [ps100, node100] = compare(
    () => timed(process.execPath, [...tsdock, 'ps', '-a']),
    () => timed(process.execPath, ['-e', '0']),
  );
  report('ps -a (100 containers)', ps100, node100, 'node -e 0', '—');
  const ids = execFileSync(process.execPath, [...tsdock, 'ps', '-aq'], { encoding: 'utf8', env })
    .trim()
    .split('\n');
  execFileSync(process.execPath, [...tsdock, 'rm', '-f', ...ids], { stdio: 'ignore', env });

  const rssRun = peakRss(process.execPath, [...tsdock, 'run', '--rm', '--network', 'none', IMAGE, 'true']);
  const id = execFileSync(
    process.execPath,
    [...tsdock, 'run', '-d', '--network', 'none', IMAGE, 'sleep', '60'],
    { encoding: 'utf8', env },
  ).trim();
  const state = JSON.parse(readFileSync(join(work, 'data', ns, 'containers', id, 'state.json'), 'utf8')) as {
    monitorPid: number;
  };
  const monRss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${state.monitorPid}/status`, 'utf8'))![1]);
  execFileSync(process.execPath, [...tsdock, 'rm', '-f', id], { stdio: 'ignore', env });

  const widths = [34, 14, 9, 9, 7, 9, 9, 7, 22];
  const line = (cells: string[]) => cells.map((c, k) => c.padEnd(widths[k]!)).join(' ');
  console.log(line(['benchmark', 'reference', 'wall', 'ref', 'ratio', 'cpu', 'ref', 'ratio', 'goal']));
  for (const r of rows) console.log(line(r));
  console.log(`peak RSS of a foreground tsdock run: ${(rssRun / 1024).toFixed(1)} MiB`);
  console.log(
    `per detached container: tsdock-mon ${(monRss / 1024).toFixed(1)} MiB RSS (plus containerd's shim, as for ctr)`,
  );
  console.log(
    `medians of ${N} alternating runs each` +
      (hadExtraCas
        ? ' (NODE_EXTRA_CA_CERTS was set here and is left out of every run, see bench/run.ts)'
        : ''),
  );
} finally {
  reset();
  await d.stop();
  rmSync(work, { recursive: true, force: true });
}
