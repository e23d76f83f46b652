/**
 * `compose up --dry-run` (docs/kernel.md): the plan of every container `up` would create, in start
 * order, with the cgroup values of the service's limits; nothing created (containerd, the data
 * root, netns, links, iptables, networks and volumes as they were); then `up -d` makes containers
 * whose cgroup files read what was planned.
 */
import { existsSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import { ok, target } from '../harness/cli.js';
import { img, Project } from '../harness/compose.js';
import { freePort } from '../harness/net.js';
import type { KernelView } from '../../src/runtime/format/kernel.js';
import { world } from './world.js';

const list = (what: 'volume' | 'network'): string[] =>
  ok([what, 'ls', '-q', ...(what === 'network' ? ['--no-trunc'] : [])])
    .split('\n')
    .filter(Boolean)
    .sort();
const file = (p: KernelView, re: RegExp) => p.Cgroup.Files.find((f) => re.test(f.Key));

describe('compose up --dry-run', function () {
  this.timeout(120_000);
  if (target !== 'tsdock') return;
  const p = new Project();
  let port = 0;
  before(async function () {
    port = await freePort();
    // The default networks' records, which any first network command writes, are there before.
    ok(['network', 'ls']);
    p.write({
      'compose.yaml': `
services:
  web:
    image: ${img()}
    init: true
    command: sleep 300
    depends_on: [db]
    ports: ["127.0.0.1:${port}:80"]
    cpus: 0.5
    mem_limit: 64m
  db:
    image: ${img()}
    init: true
    command: sleep 300
    cpus: 0.25
    mem_limit: 32m
    volumes: [data:/data]
volumes:
  data: {}
`,
    });
  });
  after(function () {
    p.run(['down', '-t', '0', '-v']);
    p.cleanup();
  });

  let plans: KernelView[] = [];
  it('prints both plans in start order, with the limits as cgroup values, and creates nothing', async function () {
    const [volumes, networks] = [list('volume'), list('network')];
    const before = await world();

    const r = p.run(['--dry-run', 'up', '-d', '--format', 'json']);
    expect(r.code, r.stderr).to.equal(0);
    plans = JSON.parse(r.stdout) as KernelView[];
    expect(plans.map((v) => v.Container.Name)).to.deep.equal([`${p.name}-db-1`, `${p.name}-web-1`]);
    expect(r.stderr).to.include(`Network ${p.name}_default  Would be created`);
    expect(r.stderr).to.include(`Volume "${p.name}_data"  Would be created`);
    const [db, web] = plans as [KernelView, KernelView];
    expect(file(db, /memory\.(limit_in_bytes|max)$/)?.Value).to.equal('33554432');
    expect(file(web, /memory\.(limit_in_bytes|max)$/)?.Value).to.equal('67108864');
    expect(file(db, /cpu\.(cfs_quota_us|max)$/)?.Value).to.match(/^25000\b/);
    expect(file(web, /cpu\.(cfs_quota_us|max)$/)?.Value).to.match(/^50000\b/);
    const data = db.Mounts.find((m) => m.Destination === '/data');
    expect(data?.Volume).to.equal(`${p.name}_data`);
    expect(data?.NewVolume).to.equal(true);
    expect(web.Notes.join('\n')).to.include(`127.0.0.1:${port}:80`);

    // The human layout: both plans, db first.
    const text = p.ok(['up', '--dry-run', '-d']);
    const [iDb, iWeb] = [text.indexOf(`${p.name}-db-1`), text.indexOf(`${p.name}-web-1`)];
    expect(iDb).to.be.greaterThan(-1);
    expect(iWeb).to.be.greaterThan(iDb);

    expect(await world()).to.deep.equal(before);
    expect(list('volume')).to.deep.equal(volumes);
    expect(list('network')).to.deep.equal(networks);
    expect(p.containers().size).to.equal(0);
    for (const v of plans) for (const f of v.Cgroup.Files) expect(existsSync(f.Path), f.Path).to.equal(false);
  });

  it('up -d then makes containers whose cgroup files read the planned values', function () {
    expect(plans).to.have.length(2);
    const r = p.run(['up', '-d']);
    expect(r.code, r.stderr).to.equal(0);
    const ids = p.containers();
    for (const plan of plans) {
      const id = ids.get(plan.Container.Name);
      expect(id, plan.Container.Name).to.be.a('string');
      for (const f of plan.Cgroup.Files) {
        const path = f.Path.split(plan.Container.Id).join(id!);
        // Swap accounting is a boot option (swapaccount=1); without it the file does not exist.
        if (/memsw|swap/.test(f.Key) && !existsSync(path)) continue;
        expect(readFileSync(path, 'utf8').trimEnd(), `${plan.Container.Name} ${f.Key}`).to.equal(f.Value);
      }
    }
  });

  it('is refused for other compose commands', function () {
    const r = p.run(['--dry-run', 'down']);
    expect(r.code).to.equal(125);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
  });
});
