/**
 * Resource limits end to end: the flags reach the kernel's cgroup files with the values
 * src/runtime/cgroups/files.ts predicts (read both inside the container and on the host), and the
 * OOM killer's work is reported as Docker does. Runs on this machine's cgroup v1 hybrid layout;
 * on a v2 host it reads the unified files instead.
 */
import { existsSync, readFileSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';
import { cli, cliAsync, ok, repoRoot, target, testEnv, uniqueName } from '../harness/cli.js';
import { detectCgroupVersion, expectedCgroupFiles } from '../../src/runtime/cgroups/files.js';
import { linuxResources } from '../../src/runtime/spec/resources.js';
import { parseContainerOptions, type RunFlags } from '../../src/runtime/opts/container.js';

const NET = ['--network', 'none'];
const img = (): string => testEnv().image;
const version = detectCgroupVersion();

/** The host directory of a container's cgroup for one v1 controller (or the unified one). */
function hostCgroupDir(id: string, controller: string, parent = '/tsdock'): string {
  return version === 1 ? join('/sys/fs/cgroup', controller, parent, id) : join('/sys/fs/cgroup', parent, id);
}

function readHost(id: string, key: string, parent?: string): string | undefined {
  const [controller, file] = version === 1 ? key.split('/') : ['', key];
  const path = join(hostCgroupDir(id, controller!, parent), file!);
  return existsSync(path) ? readFileSync(path, 'utf8').trimEnd() : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface State {
  Pid: number;
  Status: string;
  ExitCode: number;
  OOMKilled: boolean;
}
const state = (ref: string): State => (JSON.parse(ok(['inspect', ref])) as { State: State }[])[0]!.State;

/** Doubles a shell variable until the memory cgroup's limit is hit and the OOM killer steps in. */
const HOG = ['sh', '-c', 'x=aaaaaaaaaaaaaaaa; while true; do x=$x$x; done'];

function allIds(): string[] {
  return ok(['ps', '-aq', '--no-trunc']).split('\n').filter(Boolean).sort();
}

describe('cgroups', function () {
  this.timeout(60_000);
  let names: string[] = [];
  const name = (prefix = 'cg'): string => {
    const n = uniqueName(`tsdock-it-${prefix}`);
    names.push(n);
    return n;
  };
  afterEach(() => {
    if (names.length) cli(['rm', '-f', ...names]);
    names = [];
  });

  describe('resource flags', function () {
    const flags = ['--memory', '256m', '--cpus', '0.5', '--pids-limit', '50', '--cpu-shares', '512'];
    const runFlags: RunFlags = { memory: '256m', cpus: '0.5', pidsLimit: '50', cpuShares: '512' };
    const expected = expectedCgroupFiles(
      linuxResources(parseContainerOptions(runFlags, {}, { cpus: 2, memTotal: 1 << 30 }).resources),
      version,
    );

    it('the module predicts the values Docker documents', function () {
      if (version === 1) {
        expect(expected).to.include({
          'memory/memory.limit_in_bytes': '268435456',
          'cpu/cpu.cfs_quota_us': '50000',
          'cpu/cpu.cfs_period_us': '100000',
          'pids/pids.max': '50',
          'cpu/cpu.shares': '512',
        });
      } else {
        expect(expected).to.include({
          'memory.max': '268435456',
          'cpu.max': '50000 100000',
          'pids.max': '50',
        });
      }
    });

    it('the kernel files on the host hold them while the container runs', function () {
      if (target === 'docker') this.skip();
      const id = ok(['run', '-d', ...NET, '--name', name(), ...flags, img(), 'sleep', '30']).trim();
      const seen: Record<string, string | undefined> = {};
      for (const key of Object.keys(expected)) seen[key] = readHost(id, key);
      const want = { ...expected };
      // Swap accounting is a boot option (swapaccount=1); without it the file does not exist.
      const swapKey = version === 1 ? 'memory/memory.memsw.limit_in_bytes' : 'memory.swap.max';
      if (seen[swapKey] === undefined) {
        delete want[swapKey];
        delete seen[swapKey];
      }
      expect(seen).to.deep.equal(want);
      if (version === 1) {
        expect(seen['memory/memory.limit_in_bytes']).to.equal('268435456');
        expect(seen['cpu/cpu.cfs_quota_us']).to.equal('50000');
        expect(seen['cpu/cpu.cfs_period_us']).to.equal('100000');
        expect(seen['pids/pids.max']).to.equal('50');
        expect(seen['cpu/cpu.shares']).to.equal('512');
      }
    });

    it('every other resource flag reaches the kernel (read from inside the container)', function () {
      if (version !== 1) this.skip(); // the paths below are v1's; v2's mapping is unit-tested
      const dev = '/dev/vda';
      let devNum: string;
      try {
        const st = statSync(dev);
        devNum = `${Math.floor(st.rdev / 256)}:${st.rdev % 256}`;
      } catch {
        this.skip();
      }
      const script = [
        'cd /sys/fs/cgroup',
        'cat memory/memory.soft_limit_in_bytes memory/memory.swappiness',
        'grep oom_kill_disable memory/memory.oom_control',
        'cat cpu/cpu.cfs_period_us cpu/cpu.cfs_quota_us cpuset/cpuset.cpus cpuset/cpuset.mems',
        'cat blkio/blkio.throttle.read_bps_device blkio/blkio.throttle.write_iops_device',
        'ulimit -n; ulimit -Hn',
        "df -k /dev/shm | awk 'NR==2 {print $2}'",
        'cat /proc/self/oom_score_adj',
      ].join('; ');
      const r = cli([
        'run',
        '--rm',
        ...NET,
        '--name',
        name(),
        ...[
          '--memory',
          '64m',
          '--memory-reservation',
          '32m',
          '--memory-swappiness',
          '10',
          '--oom-kill-disable',
        ],
        ...['--cpu-period', '50000', '--cpu-quota', '25000', '--cpuset-cpus', '0', '--cpuset-mems', '0'],
        ...['--device-read-bps', `${dev}:1mb`, '--device-write-iops', `${dev}:100`],
        ...['--ulimit', 'nofile=512:1024', '--shm-size', '32m', '--oom-score-adj', '500'],
        img(),
        'sh',
        '-c',
        script,
      ]);
      expect(r.stderr).to.equal('');
      expect(r.stdout.trimEnd().split('\n')).to.deep.equal([
        '33554432',
        '10',
        'oom_kill_disable 1',
        '50000',
        '25000',
        '0',
        '0',
        `${devNum!} 1048576`,
        `${devNum!} 100`,
        '512',
        '1024',
        '32768',
        '500',
      ]);
    });

    it('--cgroup-parent places the cgroup, --cgroupns private hides the host path', function () {
      if (target === 'docker' || version !== 1) this.skip();
      const parent = `/tsdock-it-parent-${process.pid}`;
      try {
        const id = ok([
          'run',
          '-d',
          ...NET,
          '--name',
          name(),
          '--cgroup-parent',
          parent,
          img(),
          'sleep',
          '30',
        ]).trim();
        expect(readHost(id, 'pids/pids.max', parent)).to.equal('max');
        expect(existsSync(`/sys/fs/cgroup/pids/tsdock/${id}`)).to.equal(false);
        const own = ok([
          'run',
          '--rm',
          ...NET,
          '--cgroupns',
          'private',
          img(),
          'grep',
          'pids',
          '/proc/self/cgroup',
        ]);
        expect(own.trim()).to.match(/^\d+:pids:\/$/);
        const shared = ok([
          'run',
          '--rm',
          ...NET,
          '--cgroupns',
          'host',
          img(),
          'grep',
          'pids',
          '/proc/self/cgroup',
        ]);
        expect(shared.trim()).to.match(/^\d+:pids:\/tsdock\/[0-9a-f]{64}$/);
      } finally {
        cli(['rm', '-f', ...names.splice(0)]);
        // runc removes the container's cgroup, not the parent it was asked to create (Docker leaves it too).
        for (const ctrl of readdirSync('/sys/fs/cgroup')) {
          try {
            rmdirSync(join('/sys/fs/cgroup', ctrl, parent));
          } catch {
            /* not created under this controller */
          }
        }
      }
    });

    it('the container sees the same values in its own /sys/fs/cgroup', function () {
      const keys = Object.keys(expected).filter((k) => !k.includes('memsw') && !k.includes('swap'));
      const paths = keys.map((k) => `/sys/fs/cgroup/${k}`);
      const script = paths.map((p) => `cat ${p}`).join('; ');
      const r = cli(['run', '--rm', ...NET, '--name', name(), ...flags, img(), 'sh', '-c', script]);
      expect(r.stderr).to.equal('');
      expect(r.code).to.equal(0);
      expect(r.stdout.trimEnd().split('\n')).to.deep.equal(keys.map((k) => expected[k]));
    });

    for (const [flag, value, message] of [
      ['--memory', '1k', 'Minimum memory limit allowed is 6MB'],
      ['--memory', '-1g', 'invalid argument "-1g" for "-m, --memory" flag: invalid size: \'-1g\''],
      ['--cpus', 'abc', 'invalid argument "abc" for "--cpus" flag: failed to parse abc as a rational number'],
    ] as const) {
      it(`${flag} ${value} exits 125 with one line and creates nothing`, function () {
        const before = allIds();
        const r = cli(['run', ...NET, '--name', name(), flag, value, img(), 'true']);
        expect(r.code).to.equal(125);
        expect(r.stderr.split('\n')[0]).to.include(message);
        expect(allIds()).to.deep.equal(before);
      });
    }
  });

  describe('OOM', function () {
    it('a foreground container killed by the OOM killer exits 137 and inspect shows OOMKilled', function () {
      const n = name('oom');
      const r = cli(['run', ...NET, '--name', n, '--memory', '200m', img(), ...HOG]);
      expect(r.code).to.equal(137);
      expect(state(n)).to.include({ Status: 'exited', ExitCode: 137, OOMKilled: true });
    });

    it('a detached one too, recorded with no client around', async function () {
      const n = name('oomd');
      ok(['run', '-d', ...NET, '--name', n, '--memory', '200m', img(), ...HOG]);
      const end = Date.now() + 30_000;
      while (state(n).Status === 'running' && Date.now() < end) await sleep(200);
      expect(state(n)).to.include({ Status: 'exited', ExitCode: 137, OOMKilled: true });
    });

    it('a container killed by a signal is not OOMKilled', function () {
      const n = name('nooom');
      ok(['run', '-d', ...NET, '--name', n, '--memory', '20m', img(), 'sleep', '30']);
      ok(['kill', n]);
      ok(['wait', n]);
      expect(state(n)).to.include({ ExitCode: 137, OOMKilled: false });
    });
  });

  describe('stats', function () {
    it('--no-stream: a row per container, `yes` under --cpus 0.25 at 25 % ± 5', function () {
      if (target === 'docker') this.skip();
      const busy = name('busy');
      const idle = name('idle');
      ok(['run', '-d', ...NET, '--name', busy, '--cpus', '0.25', img(), 'sh', '-c', 'yes > /dev/null']);
      ok(['run', '-d', ...NET, '--name', idle, '--memory', '64m', img(), 'sleep', '30']);
      const t0 = Date.now();
      const r = cli(['stats', '--no-stream', busy, idle]);
      expect(r.stderr).to.equal('');
      expect(r.code).to.equal(0);
      expect(Date.now() - t0).to.be.below(8000);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines[0]).to.match(
        /^CONTAINER ID +NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +NET I\/O +BLOCK I\/O +PIDS$/,
      );
      expect(lines).to.have.length(3);
      const cells = (l: string) => l.split(/ {2,}/);
      const [b, i] = [cells(lines[1]!), cells(lines[2]!)];
      expect(b[1]).to.equal(busy);
      expect(i[1]).to.equal(idle);
      const pct = (c: string) => Number(c.replace('%', ''));
      // The quota caps `yes` at 25 % of one CPU; it reaches it unless the host is saturated.
      expect(pct(b[2]!)).to.be.within(20, 30);
      expect(pct(i[2]!)).to.be.below(5);
      expect(i[3]).to.match(/^[\d.]+(B|KiB|MiB) \/ 64MiB$/);
      expect(i[5]).to.equal('0B / 0B');
      expect(i[7]).to.equal('1');
      expect(b[7]).to.equal('1');
    });

    it('--no-stream for twenty containers takes about as long as for one', function () {
      if (target === 'docker') this.skip();
      const many = Array.from({ length: 20 }, () => name('many'));
      for (const n of many) ok(['run', '-d', ...NET, '--name', n, img(), 'sleep', '30']);
      const time = (refs: string[]) => {
        const t0 = Date.now();
        const out = ok(['stats', '--no-stream', '--format', '{{.Name}}', ...refs]);
        return { ms: Date.now() - t0, names: out.trimEnd().split('\n') };
      };
      const one = time(many.slice(0, 1));
      const all = time(many);
      expect(all.names).to.deep.equal(many);
      // Sequential sampling would add a second per container.
      expect(all.ms).to.be.below(one.ms + 1500);
    });

    it('the host accounting agrees: cpuacct over 2 s is 25 % ± 5 of one CPU', async function () {
      if (target === 'docker' || version !== 1) this.skip();
      const n = name('acct');
      const id = ok([
        'run',
        '-d',
        ...NET,
        '--name',
        n,
        '--cpus',
        '0.25',
        img(),
        'sh',
        '-c',
        'yes > /dev/null',
      ]).trim();
      const usage = () => Number(readFileSync(join(hostCgroupDir(id, 'cpuacct'), 'cpuacct.usage'), 'utf8'));
      await sleep(300);
      const [u0, t0] = [usage(), process.hrtime.bigint()];
      await sleep(2000);
      const [u1, t1] = [usage(), process.hrtime.bigint()];
      const pct = ((u1 - u0) / Number(t1 - t0)) * 100;
      expect(pct).to.be.within(20, 30);
    });

    it('--format json and templates, -a shows stopped containers with zeros', function () {
      if (target === 'docker') this.skip();
      const n = name('fmt');
      const id = ok(['create', ...NET, '--name', n, img(), 'true']).trim();
      const r = cli(['stats', '--no-stream', '-a', '--no-trunc', '--format', 'json']);
      expect(r.code).to.equal(0);
      const rows = r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, string>);
      const mine = rows.find((x) => x.Name === n);
      expect(mine).to.deep.equal({
        BlockIO: '0B / 0B',
        CPUPerc: '0.00%',
        Container: id,
        ID: id,
        MemPerc: '0.00%',
        MemUsage: '0B / 0B',
        Name: n,
        NetIO: '0B / 0B',
        PIDs: '0',
      });
      expect(ok(['stats', '--no-stream', '--format', '{{.Name}}:{{.ID}}', n])).to.equal(
        `${n}:${id.slice(0, 12)}\n`,
      );
      // Without -a, stopped containers are not listed.
      expect(ok(['stats', '--no-stream', '--format', '{{.Name}}'])).not.to.include(n);
    });

    it('streams successive tables when stdout is not a terminal and exits cleanly on SIGINT', async function () {
      if (target === 'docker') this.skip();
      const n = name('stream');
      ok(['run', '-d', ...NET, '--name', n, img(), 'sleep', '30']);
      const { child, done } = cliAsync(['stats', '--format', '{{.Name}}', n]);
      await sleep(3500);
      child.kill('SIGINT');
      const r = await done;
      expect(r.code).to.equal(0);
      expect(r.stdout).not.to.include('\x1b[');
      expect(r.stdout.split('\n').filter((l) => l === n).length).to.be.at.least(2);
    });

    it('on a terminal, ink redraws the table in place and Ctrl-C restores the cursor', function () {
      if (target === 'docker') this.skip();
      const n = name('tty');
      ok(['run', '-d', ...NET, '--name', n, img(), 'sleep', '30']);
      const e = testEnv();
      const quote = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
      const tsdock = [
        process.execPath,
        join(repoRoot, 'bin', 'tsdock'),
        '--address',
        e.address,
        '--namespace',
        e.namespace,
        '--data-root',
        e.dataRoot,
      ]
        .map(quote)
        .join(' ');
      // script(1) gives the command a real pseudo-terminal; timeout delivers Ctrl-C (SIGINT) to the process it started.
      const shell = `stty cols 160 rows 40; timeout --preserve-status -s INT 3.5 ${tsdock} stats ${quote(n)}; echo EXIT=$?`;
      const r = spawnSync('script', ['-qfec', shell, '/dev/null'], { encoding: 'utf8', timeout: 20_000 });
      const out = r.stdout;
      expect(out).to.include('CONTAINER ID   NAME');
      expect(out).to.include(n);
      expect(out).not.to.include('\x1b[2J'); // updated in place, never a cleared screen
      expect(out.lastIndexOf('\x1b[?25h')).to.be.greaterThan(out.lastIndexOf(n)); // cursor shown again
      expect(out).to.match(/EXIT=(0|130)/);
    });

    it('an unknown container is an error', function () {
      const r = cli(['stats', '--no-stream', 'tsdock-no-such-container']);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.include('No such container: tsdock-no-such-container');
    });
  });

  describe('top', function () {
    it("lists the container's processes with ps -ef's columns, and ps options after the name", function () {
      const n = name('top');
      ok(['run', '-d', ...NET, '--name', n, img(), 'sh', '-c', 'sleep 31 & sleep 32; true']);
      const pid = state(n).Pid;
      const lines = ok(['top', n]).trimEnd().split('\n');
      expect(lines[0]!.split(/\s+/)).to.deep.equal([
        'UID',
        'PID',
        'PPID',
        'C',
        'STIME',
        'TTY',
        'TIME',
        'CMD',
      ]);
      const rows = lines.slice(1).map((l) => l.split(/ {2,}/));
      expect(rows.map((r) => r.at(-1)).sort()).to.deep.equal([
        'sh -c sleep 31 & sleep 32; true',
        'sleep 31',
        'sleep 32',
      ]);
      expect(rows.map((r) => Number(r[1]))).to.include(pid);
      const custom = ok(['top', n, '-o', 'pid,comm']).trimEnd().split('\n');
      expect(custom[0]!.split(/\s+/)).to.deep.equal(['PID', 'COMMAND']);
      expect(
        custom
          .slice(1)
          .map((l) => l.split(/\s+/)[1])
          .sort(),
      ).to.deep.equal(['sh', 'sleep', 'sleep']);
    });

    it('a stopped container is an error', function () {
      const n = name('topx');
      const id = ok(['create', ...NET, '--name', n, img(), 'true']).trim();
      const r = cli(['top', n]);
      expect(r.code).to.equal(1);
      // moby 20.10 capitalised "Container"
      expect(r.stderr.split('\n')[0].toLowerCase()).to.equal(
        `error response from daemon: container ${id} is not running`,
      );
    });
  });

  describe('update', function () {
    interface HostConfig {
      Memory: number;
      MemorySwap: number;
      NanoCpus: number;
      CpuShares: number;
      PidsLimit: number | null;
    }
    const hostConfig = (ref: string): HostConfig =>
      (JSON.parse(ok(['inspect', ref])) as { HostConfig: HostConfig }[])[0]!.HostConfig;

    it('changes the cgroup files of a running container live and inspect shows the new values', function () {
      if (target === 'docker') this.skip();
      const n = name('upd');
      const id = ok([
        'run',
        '-d',
        ...NET,
        '--name',
        n,
        '--memory',
        '256m',
        '--cpus',
        '0.5',
        img(),
        'sleep',
        '30',
      ]).trim();
      expect(
        ok(['update', '--memory', '128m', '--cpus', '1.5', '--cpu-shares', '256', '--pids-limit', '20', n]),
      ).to.equal(`${n}\n`);
      if (version === 1) {
        expect(readHost(id, 'memory/memory.limit_in_bytes')).to.equal('134217728');
        expect(readHost(id, 'cpu/cpu.cfs_quota_us')).to.equal('150000');
        expect(readHost(id, 'cpu/cpu.cfs_period_us')).to.equal('100000');
        expect(readHost(id, 'cpu/cpu.shares')).to.equal('256');
        expect(readHost(id, 'pids/pids.max')).to.equal('20');
      } else {
        expect(readHost(id, 'memory.max')).to.equal('134217728');
        expect(readHost(id, 'cpu.max')).to.equal('150000 100000');
        expect(readHost(id, 'pids.max')).to.equal('20');
      }
      expect(hostConfig(n)).to.include({
        Memory: 134217728,
        MemorySwap: 536870912,
        NanoCpus: 1500000000,
        CpuShares: 256,
        PidsLimit: 20,
      });
      ok(['update', '--pids-limit', '-1', '--cpus', '0', n]);
      expect(readHost(id, version === 1 ? 'pids/pids.max' : 'pids.max')).to.equal('max');
      if (version === 1) expect(readHost(id, 'cpu/cpu.cfs_quota_us')).to.equal('-1');
      expect(hostConfig(n)).to.include({ NanoCpus: 0, PidsLimit: null });
    });

    it('a stopped container keeps the new limits for its next start', function () {
      if (target === 'docker') this.skip();
      const n = name('upds');
      ok([
        'create',
        ...NET,
        '--name',
        n,
        '--memory',
        '256m',
        img(),
        'cat',
        '/sys/fs/cgroup/memory/memory.limit_in_bytes',
      ]);
      ok(['update', '--memory', '64m', n]);
      expect(hostConfig(n).Memory).to.equal(67108864);
      if (version === 1) expect(ok(['start', '-a', n]).trim()).to.equal('67108864');
    });

    it("bad values are refused (flag errors 125, the engine's checks 1), a memory above the swap limit too", function () {
      const n = name('updx');
      ok(['create', ...NET, '--name', n, '--memory', '64m', img(), 'true']);
      const syntax = cli(['update', '--memory', 'abc', n]);
      expect(syntax.code).to.equal(125);
      expect(syntax.stderr.split('\n')[0]).to.equal(
        `invalid argument "abc" for "-m, --memory" flag: invalid size: 'abc'`,
      );
      const bad = cli(['update', '--memory', '1k', n]);
      expect(bad.code).to.equal(1);
      expect(bad.stderr.split('\n')[0]).to.equal(
        'Error response from daemon: Minimum memory limit allowed is 6MB',
      );
      const conflict = cli(['update', '--memory', '256m', n]);
      expect(conflict.code).to.equal(1);
      expect(conflict.stderr).to.include('Memory limit should be smaller than already set memoryswap limit');
      expect(hostConfig(n).Memory).to.equal(67108864);
    });
  });
});
