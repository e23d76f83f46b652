import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  cpuPercent,
  effectiveLimit,
  formatStats,
  memoryUsed,
  parseNetDev,
  parseSystemCpuNs,
  readCgroupSample,
} from '../../src/runtime/cgroups/stats.js';
import { filterPsOutput } from '../../src/runtime/verbs/container/top.js';
import { applyUpdate, parseUpdateFlags } from '../../src/runtime/verbs/container/update.js';
import { oomCounterFile, parseOomKillCount, wasOomKilled } from '../../src/runtime/cgroups/oom.js';
import { parseProcCgroup } from '../../src/runtime/cgroups/process.js';

describe('cgroups/process', () => {
  it("finds a process's cgroup in /proc/<pid>/cgroup: v1's memory hierarchy, v2's unified line", () => {
    const v1 = [
      '12:pids:/kubepods/pod1/abc',
      '4:cpu,cpuacct:/kubepods/pod1/abc',
      '3:memory:/kubepods/pod1/abc',
      '1:name=systemd:/system.slice/containerd.service',
      '0::/system.slice/containerd.service',
      '',
    ].join('\n');
    expect(parseProcCgroup(v1, 1)).to.equal('/kubepods/pod1/abc');
    // systemd's driver: the scope of the container under the pod's slice.
    const v2 = '0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-abc.scope\n';
    expect(parseProcCgroup(v2, 2)).to.equal('/kubepods.slice/kubepods-pod1.slice/cri-containerd-abc.scope');
    expect(parseProcCgroup(v2, 1)).to.equal(undefined);
    expect(parseProcCgroup('3:memory:/a:b\n', 1)).to.equal('/a:b');
    expect(parseProcCgroup('', 2)).to.equal(undefined);
  });
});

describe('cgroups/oom', () => {
  let root = '';
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'tsdock-oom-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('reads the oom_kill counter of v1 memory.oom_control and v2 memory.events', () => {
    expect(parseOomKillCount('oom_kill_disable 0\nunder_oom 0\noom_kill 2\n')).to.equal(2);
    expect(parseOomKillCount('low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n')).to.equal(1);
    // Kernels before 4.13 have no counter: not OOM-killed as far as anyone can tell.
    expect(parseOomKillCount('oom_kill_disable 0\nunder_oom 0\n')).to.equal(0);
  });

  it('finds the file in a v1 hierarchy', () => {
    const dir = join(root, 'memory', 'tsdock', 'abc');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n');
    expect(oomCounterFile('/tsdock/abc', 1, root)).to.equal(join(dir, 'memory.oom_control'));
    expect(wasOomKilled('/tsdock/abc', root)).to.equal(true);
  });

  it('finds the file in a v2 hierarchy', () => {
    writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
    const dir = join(root, 'tsdock', 'abc');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n');
    expect(wasOomKilled('/tsdock/abc', root)).to.equal(false);
    writeFileSync(join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 40\noom 1\noom_kill 1\n');
    expect(wasOomKilled('/tsdock/abc', root)).to.equal(true);
  });

  it('a cgroup that is gone was not OOM-killed', () => {
    expect(wasOomKilled('/tsdock/missing', root)).to.equal(false);
  });
});

describe('cgroups/stats', () => {
  let root = '';
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'tsdock-stats-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const put = (rel: string, text: string) => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  };

  it('reads a v1 layout (controllers side by side)', () => {
    const c = 'tsdock/abc';
    put(`cpuacct/${c}/cpuacct.usage`, '123456789\n');
    put(`memory/${c}/memory.usage_in_bytes`, '10485760\n');
    put(`memory/${c}/memory.limit_in_bytes`, '268435456\n');
    put(
      `memory/${c}/memory.stat`,
      'cache 4096\nrss 8192\ninactive_file 100\ntotal_cache 4096\ntotal_inactive_file 2097152\n',
    );
    put(`pids/${c}/pids.current`, '3\n');
    put(
      `blkio/${c}/blkio.throttle.io_service_bytes_recursive`,
      '8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:0 Async 0\n8:0 Total 12288\n8:16 Read 1000\nTotal 13288\n',
    );
    expect(readCgroupSample('/tsdock/abc', 1, root)).to.deep.equal({
      cpuNs: 123456789,
      memUsage: 10485760,
      memInactiveFile: 2097152,
      memLimit: 268435456,
      pids: 3,
      blkRead: 5096,
      blkWrite: 8192,
    });
  });

  it('v1 unlimited memory reads as PAGE_COUNTER_MAX and means no limit', () => {
    put('memory/x/memory.limit_in_bytes', '9223372036854771712\n');
    expect(readCgroupSample('/x', 1, root).memLimit).to.equal(Infinity);
  });

  it('reads a v2 layout (one unified directory)', () => {
    const c = 'tsdock/abc';
    put(`${c}/cpu.stat`, 'usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n');
    put(`${c}/memory.current`, '5242880\n');
    put(`${c}/memory.max`, 'max\n');
    put(`${c}/memory.stat`, 'anon 4096\nfile 8192\nactive_file 0\ninactive_file 1048576\n');
    put(`${c}/pids.current`, '2\n');
    put(
      `${c}/io.stat`,
      '8:0 rbytes=4096 wbytes=512 rios=1 wios=1 dbytes=0 dios=0\n8:16 rbytes=4 wbytes=0 rios=1 wios=0\n',
    );
    expect(readCgroupSample('/tsdock/abc', 2, root)).to.deep.equal({
      cpuNs: 2500000,
      memUsage: 5242880,
      memInactiveFile: 1048576,
      memLimit: Infinity,
      pids: 2,
      blkRead: 4100,
      blkWrite: 512,
    });
  });

  it('counts the host CPU time as the daemon does (first seven fields of the cpu line)', () => {
    const stat = 'cpu  100 0 50 800 10 0 40 5 0 0\ncpu0 50 0 25 400 5 0 20 0 0 0\n';
    expect(parseSystemCpuNs(stat)).to.equal(1000 * 1e7);
  });

  it('net I/O leaves loopback out', () => {
    const dev =
      'Inter-|   Receive                                                |  Transmit\n' +
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n' +
      '    lo:    1000      10    0    0    0     0          0         0     1000      10    0    0    0     0       0          0\n' +
      '  eth0:    2048       5    0    0    0     0          0         0      512       4    0    0    0     0       0          0\n';
    expect(parseNetDev(dev)).to.deep.equal({ rx: 2048, tx: 512 });
  });

  it("Docker's math and strings", () => {
    expect(cpuPercent({ cpuNs: 0, systemNs: 0 }, { cpuNs: 250e6, systemNs: 2e9 }, 2)).to.equal(25);
    expect(cpuPercent({ cpuNs: 5, systemNs: 5 }, { cpuNs: 5, systemNs: 9 }, 2)).to.equal(0);
    expect(memoryUsed({ memUsage: 10, memInactiveFile: 4 })).to.equal(6);
    expect(memoryUsed({ memUsage: 10, memInactiveFile: 40 })).to.equal(10);
    expect(effectiveLimit(Infinity, 2048)).to.equal(2048);
    expect(effectiveLimit(4096, 2048)).to.equal(2048);
    expect(effectiveLimit(1024, 2048)).to.equal(1024);
    expect(
      formatStats({
        cpuPercent: 25.004,
        memUsed: 1.5 * 2 ** 20,
        memLimit: 256 * 2 ** 20,
        netRx: 1536,
        netTx: 0,
        blkRead: 4096,
        blkWrite: 1e6,
        pids: 3,
      }),
    ).to.deep.equal({
      CPUPerc: '25.00%',
      MemUsage: '1.5MiB / 256MiB',
      MemPerc: '0.59%',
      NetIO: '1.54kB / 0B',
      BlockIO: '4.1kB / 1MB',
      PIDs: '3',
    });
  });
});

describe('container/top: ps output filtered to the container', () => {
  const ps =
    'UID        PID  PPID  C STIME TTY          TIME CMD\n' +
    'root         1     0  0 01:57 ?        00:00:25 /sbin/init\n' +
    'root       420   400  0 03:41 ?        00:00:00 sh -c sleep 31 & sleep 32; true\n' +
    'root       421   420  0 03:41 ?        00:00:00 sleep 31\n';

  it('keeps the pids asked for, with the command and its spaces as the last column', () => {
    expect(filterPsOutput(ps, [420, 421])).to.deep.equal({
      titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'],
      processes: [
        ['root', '420', '400', '0', '03:41', '?', '00:00:00', 'sh -c sleep 31 & sleep 32; true'],
        ['root', '421', '420', '0', '03:41', '?', '00:00:00', 'sleep 31'],
      ],
    });
  });

  it('ps output without a PID column is an error', () => {
    expect(() => filterPsOutput('COMMAND\nsh\n', [1])).to.throw("Couldn't find PID field in ps output");
  });
});

describe('container/update', () => {
  const hc = {
    Memory: 268435456,
    MemorySwap: 536870912,
    NanoCpus: 5e8,
    CpuShares: 0,
    CpuPeriod: 0,
    PidsLimit: 50,
  };

  it('parses the flags as run does, without doubling the swap', () => {
    expect(parseUpdateFlags({ memory: '128m', cpus: '1.5', pidsLimit: '-1' })).to.deep.equal({
      Memory: 134217728,
      NanoCpus: 1.5e9,
      PidsLimit: null,
    });
    expect(() => parseUpdateFlags({ memory: '1k' })).to.throw('Minimum memory limit allowed is 6MB');
  });

  it('merges into HostConfig and gives runc only what changes', () => {
    expect(applyUpdate(hc, { Memory: 134217728, NanoCpus: 1.5e9 })).to.deep.equal({
      hostConfig: { ...hc, Memory: 134217728, NanoCpus: 1.5e9 },
      resources: { memory: { limit: 134217728, swap: 536870912 }, cpu: { period: 100000, quota: 150000 } },
    });
    expect(applyUpdate(hc, { NanoCpus: 0, PidsLimit: null }).resources).to.deep.equal({
      cpu: { period: 100000, quota: -1 },
      pids: { limit: -1 },
    });
  });

  it('refuses a memory limit above the swap limit unless the swap changes too', () => {
    expect(() => applyUpdate(hc, { Memory: 1 << 30 })).to.throw('Memory limit should be smaller');
    expect(applyUpdate(hc, { Memory: 1 << 30, MemorySwap: -1 }).resources.memory).to.deep.equal({
      limit: 1 << 30,
      swap: -1,
    });
  });
});
