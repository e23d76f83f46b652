import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { oomCounterFile, parseOomKillCount, wasOomKilled } from '../../src/runtime/cgroups/oom.js';

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
