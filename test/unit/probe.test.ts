import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeCgroup } from '../../src/runtime/cgroups/probe.js';

describe('cgroup probe (ps without containerd)', () => {
  let root = '';
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'probe-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const v1 = (procs: string, freezer: string) => {
    const d = join(root, 'freezer', 'tsdock', 'c1');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'cgroup.procs'), procs);
    writeFileSync(join(d, 'freezer.state'), freezer);
  };
  const v2 = (procs: string, events: string) => {
    const d = join(root, 'tsdock', 'c1');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'cgroup.procs'), procs);
    writeFileSync(join(d, 'cgroup.events'), events);
  };

  it('v1: members and THAWED → running; FROZEN → paused; no members → stopped', () => {
    v1('123\n456\n', 'THAWED\n');
    expect(probeCgroup('/tsdock/c1', 1, root)).to.equal('running');
    v1('123\n', 'FROZEN\n');
    expect(probeCgroup('/tsdock/c1', 1, root)).to.equal('paused');
    v1('', 'THAWED\n');
    expect(probeCgroup('/tsdock/c1', 1, root)).to.equal('stopped');
  });
  it('v2: cgroup.events says frozen', () => {
    v2('77\n', 'populated 1\nfrozen 0\n');
    expect(probeCgroup('/tsdock/c1', 2, root)).to.equal('running');
    v2('77\n', 'populated 1\nfrozen 1\n');
    expect(probeCgroup('/tsdock/c1', 2, root)).to.equal('paused');
  });
  it('no cgroup: gone (the caller asks containerd)', () => {
    expect(probeCgroup('/tsdock/none', 1, root)).to.equal('gone');
    expect(probeCgroup('/tsdock/none', 2, root)).to.equal('gone');
  });
});
