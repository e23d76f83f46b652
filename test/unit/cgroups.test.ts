import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseContainerOptions, type RunFlags } from '../../src/runtime/opts/container.js';
import { linuxResources } from '../../src/runtime/spec/resources.js';
import {
  cpuSharesToWeight,
  detectCgroupVersion,
  expectedCgroupFiles,
  swapMaxV2,
} from '../../src/runtime/cgroups/files.js';

const res = (flags: RunFlags) =>
  linuxResources(
    parseContainerOptions({ image: 'x', ...flags }, {}, { cpus: 8, memTotal: 0 }).resources,
    () => ({
      major: 8,
      minor: 0,
    }),
  );

describe('cgroups: linuxResources (Docker daemon fill)', () => {
  it('--cpus 0.5 → quota 50000 / period 100000', () => {
    expect(res({ cpus: '0.5' }).cpu).to.deep.equal({ shares: 0, period: 100000, quota: 50000 });
    expect(res({ cpus: '1.5' }).cpu).to.include({ quota: 150000, period: 100000 });
  });
  it('explicit period/quota and cpuset pass through', () => {
    expect(res({ cpuPeriod: 50000, cpuQuota: 20000, cpusetCpus: '0,1', cpuShares: 512 }).cpu).to.deep.equal({
      shares: 512,
      cpus: '0,1',
      period: 50000,
      quota: 20000,
    });
  });
  it('memory: limit, swap = memory+swap, reservation, swappiness', () => {
    expect(res({ memory: '256m' }).memory).to.deep.equal({
      limit: 268435456,
      swap: 536870912,
      disableOOMKiller: false,
    });
    expect(res({ memory: '256m', memorySwap: '-1' }).memory).to.deep.equal({
      limit: 268435456,
      disableOOMKiller: false,
    });
    expect(
      res({ memory: '256m', memoryReservation: '128m', memorySwappiness: 0, oomKillDisable: true }).memory,
    ).to.deep.equal({
      limit: 268435456,
      reservation: 134217728,
      swap: 536870912,
      swappiness: 0,
      disableOOMKiller: true,
    });
  });
  it('pids only when limited', () => {
    expect(res({}).pids).to.equal(undefined);
    expect(res({ pidsLimit: 20 }).pids).to.deep.equal({ limit: 20 });
  });
});

describe('cgroups: expected kernel files', () => {
  it('v1: memory, cpu, pids, cpuset, blkio', () => {
    const f = expectedCgroupFiles(
      res({
        memory: '256m',
        cpus: '0.5',
        pidsLimit: 20,
        cpusetCpus: '0,1,2,4',
        blkioWeight: 300,
        deviceReadBps: ['/dev/sda:1mb'],
      }),
      1,
    );
    expect(f).to.deep.equal({
      'memory/memory.limit_in_bytes': '268435456',
      'memory/memory.memsw.limit_in_bytes': '536870912',
      'cpu/cpu.cfs_period_us': '100000',
      'cpu/cpu.cfs_quota_us': '50000',
      'cpuset/cpuset.cpus': '0-2,4',
      'pids/pids.max': '20',
      'blkio/blkio.weight': '300',
      'blkio/blkio.throttle.read_bps_device': '8:0 1048576',
    });
  });
  it('v1: shares, reservation, swappiness, oom_control', () => {
    const f = expectedCgroupFiles(
      res({
        memory: '100m',
        memoryReservation: '50m',
        memorySwappiness: 10,
        oomKillDisable: true,
        cpuShares: 512,
      }),
      1,
    );
    expect(f).to.include({
      'memory/memory.soft_limit_in_bytes': '52428800',
      'memory/memory.swappiness': '10',
      'memory/memory.oom_control': 'oom_kill_disable 1',
      'cpu/cpu.shares': '512',
    });
  });
  it('v2: memory.max, memory.swap.max, cpu.max, cpu.weight, pids.max, io.max', () => {
    const f = expectedCgroupFiles(
      res({ memory: '256m', cpus: '0.5', pidsLimit: 20, cpuShares: 512, deviceWriteIops: ['/dev/sda:100'] }),
      2,
    );
    expect(f).to.deep.equal({
      'memory.max': '268435456',
      'memory.swap.max': '268435456',
      'cpu.weight': '20',
      'cpu.max': '50000 100000',
      'pids.max': '20',
      'io.max': '8:0 rbps=max wbps=max riops=max wiops=100',
    });
  });
  it("runc's conversions", () => {
    expect(cpuSharesToWeight(1024)).to.equal(39);
    expect(cpuSharesToWeight(2)).to.equal(1);
    expect(cpuSharesToWeight(262144)).to.equal(10000);
    expect(swapMaxV2(-1, 100)).to.equal('max');
    expect(swapMaxV2(268435456, 268435456)).to.equal('0');
    expect(swapMaxV2(undefined, 100)).to.equal(undefined);
    expect(expectedCgroupFiles(res({ cpuPeriod: 50000 }), 2)['cpu.max']).to.equal('max 50000');
  });
  it('detectCgroupVersion looks for cgroup.controllers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdock-cg-'));
    expect(detectCgroupVersion(dir)).to.equal(1);
    writeFileSync(join(dir, 'cgroup.controllers'), 'cpu memory\n');
    try {
      expect(detectCgroupVersion(dir)).to.equal(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
