/**
 * `compose up --dry-run` (docs/kernel.md): the plan of every container `up` would create, in start
 * order, with the cgroup values of the service's limits and the network steps on the networks up
 * would create first (subnet and gateway as the allocator or the file's ipam gives them, bridge,
 * MTU, internal); nothing created (containerd, the data root, netns, links, bridges, iptables,
 * networks and volumes as they were); then `up -d` makes containers whose cgroup files, addresses,
 * veths, routes and rules are what was planned. The ids a plan shows (container, network) are
 * generated for it and assigned anew at creation, and with them the names taken from them (veth,
 * bridge `br-<id>`, netns, rule comments): those are compared with the ids swapped.
 */
import { execFileSync } from 'node:child_process';
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
const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8' });

/** A /24 in 172.31.0.0/16 that no route of the host overlaps (the `back` network's ipam subnet). */
function unroutedSubnet(): string {
  const routes = sh('ip', ['-4', 'route', 'show', 'table', 'all']);
  for (let i = 0; i < 64; i++) {
    const n = Math.floor(Math.random() * 256);
    if (!routes.includes(`172.31.${n}.`)) return `172.31.${n}`;
  }
  throw new Error('no free 172.31.N.0/24');
}

interface NetInspect {
  Id: string;
  IPAM: { Config: { Subnet: string; Gateway: string }[] };
}
interface RealInspect {
  NetworkSettings: { Networks: Record<string, { IPAddress: string; IPPrefixLen: number }> };
  TsdockKernel: { HostVeth: string };
}
const netInspect = (name: string) => (JSON.parse(ok(['network', 'inspect', name])) as NetInspect[])[0]!;

describe('compose up --dry-run', function () {
  this.timeout(120_000);
  if (target !== 'tsdock') return;
  const p = new Project();
  let port = 0;
  let back = '';
  before(async function () {
    port = await freePort();
    back = unroutedSubnet();
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
    depends_on: [cache]
    cpus: 0.25
    mem_limit: 32m
    volumes: [data:/data]
  cache:
    image: ${img()}
    init: true
    command: sleep 300
    networks: [back]
volumes:
  data: {}
networks:
  back:
    internal: true
    driver_opts:
      com.docker.network.driver.mtu: "1400"
    ipam:
      config:
        - subnet: ${back}.0/24
          gateway: ${back}.254
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
    expect(plans.map((v) => v.Container.Name)).to.deep.equal([
      `${p.name}-cache-1`,
      `${p.name}-db-1`,
      `${p.name}-web-1`,
    ]);
    expect(r.stderr).to.include(`Network ${p.name}_default  Would be created`);
    expect(r.stderr).to.include(
      `Network ${p.name}_back  Would be created (subnet ${back}.0/24, gateway ${back}.254)`,
    );
    expect(r.stderr).to.include(`Volume "${p.name}_data"  Would be created`);
    const [cache, db, web] = plans as [KernelView, KernelView, KernelView];
    expect(file(db, /memory\.(limit_in_bytes|max)$/)?.Value).to.equal('33554432');
    expect(file(web, /memory\.(limit_in_bytes|max)$/)?.Value).to.equal('67108864');
    expect(file(db, /cpu\.(cfs_quota_us|max)$/)?.Value).to.match(/^25000\b/);
    expect(file(web, /cpu\.(cfs_quota_us|max)$/)?.Value).to.match(/^50000\b/);
    const data = db.Mounts.find((m) => m.Destination === '/data');
    expect(data?.Volume).to.equal(`${p.name}_data`);
    expect(data?.NewVolume).to.equal(true);

    // The networks, planned as up would create them: ids generated for the plan, bridges named after them.
    for (const v of plans) {
      expect(v.Network.NewNetwork, v.Container.Name).to.equal(true);
      expect(v.Network.Preview).to.equal(true);
      expect(v.Network.Bridge).to.equal(`br-${v.Network.NetworkId!.slice(0, 12)}`);
    }
    expect(db.Network.NetworkId).to.equal(web.Network.NetworkId);
    // web waits for db: their addresses cannot come out swapped.
    for (const v of plans) expect(v.Notes.join('\n')).to.not.include('starts at the same time');
    // The file's ipam: its subnet, its gateway on the bridge; the first free address is .1.
    expect(cache.Network.Subnet).to.equal(`${back}.0/24`);
    expect(cache.Network.IPAddress).to.equal(`${back}.1/24`);
    expect(cache.Network.NetworkGateway).to.equal(`${back}.254`);
    expect(cache.Network.Internal).to.equal(true);
    expect(cache.Network.Mtu).to.equal(1400);
    expect(cache.Network.Routes).to.deep.equal([
      `${back}.0/24 dev eth0 proto kernel scope link src ${back}.1`,
    ]);
    expect(cache.Network.BridgeSteps).to.include.members([
      `ip link add name ${cache.Network.Bridge} mtu 1400 type bridge`,
      `ip addr add ${back}.254/24 dev ${cache.Network.Bridge}`,
    ]);
    expect(cache.Network.Steps.join('\n')).to.include(' mtu 1400 type veth peer name eth0 mtu 1400 ');
    // The default network from the free pool; addresses in start order, db before web.
    const gw = db.Network.Gateway!;
    const base = gw.replace(/\.1$/, '');
    expect(db.Network.Subnet).to.equal(`${base}.0/24`);
    expect(db.Network.IPAddress).to.equal(`${base}.2/24`);
    expect(web.Network.IPAddress).to.equal(`${base}.3/24`);
    expect(web.Network.Ports).to.deep.equal([
      { HostIp: '127.0.0.1', HostPort: port, ContainerPort: 80, Proto: 'tcp' },
    ]);
    expect(web.Network.Iptables).to.have.length(1);
    // Each bridge is made once, by the first container on it, after its network's rules.
    expect(db.Network.BridgeRules).to.have.length.greaterThan(0);
    expect(web.Network.BridgeRules ?? []).to.deep.equal([]);
    expect(cache.Network.BridgeRules!.join('\n')).to.not.include('MASQUERADE');
    expect(db.Network.BridgeRules!.join('\n')).to.include(`-s ${base}.0/24 ! -o ${db.Network.Bridge}`);

    // The human layout: both plans, db first.
    const text = p.ok(['up', '--dry-run', '-d']);
    const [iDb, iWeb] = [text.indexOf(`${p.name}-db-1`), text.indexOf(`${p.name}-web-1`)];
    expect(iDb).to.be.greaterThan(-1);
    expect(iWeb).to.be.greaterThan(iDb);

    expect(await world()).to.deep.equal(before);
    expect(list('volume')).to.deep.equal(volumes);
    expect(list('network')).to.deep.equal(networks);
    expect(p.containers().size).to.equal(0);
    for (const v of plans) {
      for (const f of v.Cgroup.Files) expect(existsSync(f.Path), f.Path).to.equal(false);
      expect(existsSync(`/sys/class/net/${v.Network.Bridge!}`), v.Network.Bridge).to.equal(false);
      expect(existsSync(`/sys/class/net/${v.Network.HostVeth!}`), v.Network.HostVeth).to.equal(false);
    }
  });

  it('up -d then makes containers whose cgroup files read the planned values', function () {
    expect(plans).to.have.length(3);
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

  it('and the networks, addresses, veths, routes and rules planned', function () {
    expect(plans).to.have.length(3);
    const ids = p.containers();
    const nets = new Map<string, NetInspect>();
    for (const plan of plans) {
      const n = plan.Network;
      const id = ids.get(plan.Container.Name)!;
      expect(id, plan.Container.Name).to.be.a('string');
      let net = nets.get(n.Mode);
      if (!net) nets.set(n.Mode, (net = netInspect(n.Mode)));
      const bridge = `br-${net.Id.slice(0, 12)}`;
      const ours = (s: string) =>
        s
          .split(plan.Container.Id.slice(0, 12))
          .join(id.slice(0, 12))
          .split(`veth${plan.Container.Id.slice(0, 11)}`)
          .join(`veth${id.slice(0, 11)}`)
          .split(n.Bridge!)
          .join(bridge);
      const real = (JSON.parse(ok(['inspect', id])) as RealInspect[])[0]!;
      const at = real.NetworkSettings.Networks[n.Mode]!;

      // The network as created: the planned subnet and (on the bridge) gateway.
      expect(net.IPAM.Config[0]!.Subnet, n.Mode).to.equal(n.Subnet);
      const gateway = net.IPAM.Config[0]!.Gateway;
      expect(gateway).to.equal(n.NetworkGateway);
      expect(n.Gateway).to.equal(n.Internal ? '' : gateway);
      const addr = sh('ip', ['-o', '-4', 'addr', 'show', 'dev', bridge]);
      expect(addr).to.include(`inet ${gateway}/24 `);
      const link = sh('ip', ['-o', 'link', 'show', 'dev', bridge]);
      expect(link).to.include(` mtu ${n.Mtu ?? 1500} `);
      if (n.BridgeSteps) {
        expect(n.BridgeSteps.map(ours)).to.include.members([
          `ip link add name ${bridge}${n.Mtu ? ` mtu ${n.Mtu}` : ''} type bridge`,
          `ip addr add ${gateway}/24 dev ${bridge}`,
        ]);
      }

      // The container: its address, its veth on that bridge, its routes inside its namespace.
      expect(`${at.IPAddress}/${at.IPPrefixLen}`, plan.Container.Name).to.equal(n.IPAddress);
      expect(real.TsdockKernel.HostVeth).to.equal(ours(n.HostVeth!));
      const veth = sh('ip', ['-o', 'link', 'show', 'dev', real.TsdockKernel.HostVeth]);
      expect(veth).to.include(`master ${bridge} `);
      expect(veth).to.include(` mtu ${n.Mtu ?? 1500} `);
      const netns = ours(n.Netns).replace(/^\/run\/netns\//, '');
      const routes = sh('ip', ['-n', netns, 'route', 'show'])
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      expect(routes, plan.Container.Name).to.deep.equal(n.Routes);

      // The rules: the network's (isolation, masquerade) and the port's DNAT, as iptables-save has them.
      for (const r of [...(n.BridgeRules ?? []), ...n.Iptables]) {
        const [, table, rule] = /^-t (\S+) (.*)$/.exec(ours(r))!;
        const saved = sh('iptables-save', ['-t', table!]).split('\n');
        expect(saved, rule).to.include(rule);
      }
    }
    expect(plans[2]!.Network.Iptables[0]).to.include(
      `--to-destination ${plans[2]!.Network.IPAddress!.split('/')[0]}:80`,
    );
  });

  it('is refused for other compose commands', function () {
    const r = p.run(['--dry-run', 'down']);
    expect(r.code).to.equal(125);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
  });
});
