/**
 * Resource limits end to end: the flags reach the kernel's cgroup files with the values
 * src/runtime/cgroups/files.ts predicts (read both inside the container and on the host), and the
 * OOM killer's work is reported as Docker does. Runs on this machine's cgroup v1 hybrid layout;
 * on a v2 host it reads the unified files instead.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { cli, ok, target, testEnv, uniqueName } from '../harness/cli.js';
import { detectCgroupVersion, expectedCgroupFiles } from '../../src/runtime/cgroups/files.js';
import { linuxResources } from '../../src/runtime/cgroups/resources.js';
import { parseContainerOptions, type RunFlags } from '../../src/runtime/opts/container.js';

const NET = ['--network', 'none'];
const img = (): string => testEnv().image;
const version = detectCgroupVersion();

/** The host directory of a container's cgroup for one v1 controller (or the unified one). */
function hostCgroupDir(id: string, controller: string): string {
  return version === 1
    ? join('/sys/fs/cgroup', controller, 'tsdock', id)
    : join('/sys/fs/cgroup', 'tsdock', id);
}

function readHost(id: string, key: string): string | undefined {
  const [controller, file] = version === 1 ? key.split('/') : ['', key];
  const path = join(hostCgroupDir(id, controller!), file!);
  return existsSync(path) ? readFileSync(path, 'utf8').trimEnd() : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface State {
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
      const r = cli(['run', ...NET, '--name', n, '--memory', '20m', img(), ...HOG]);
      expect(r.code).to.equal(137);
      expect(state(n)).to.include({ Status: 'exited', ExitCode: 137, OOMKilled: true });
    });

    it('a detached one too, recorded with no client around', async function () {
      const n = name('oomd');
      ok(['run', '-d', ...NET, '--name', n, '--memory', '20m', img(), ...HOG]);
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
});
