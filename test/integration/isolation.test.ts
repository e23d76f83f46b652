/**
 * Network isolation as Docker's, on the real kernel: containers of different networks cannot reach
 * each other, an --internal network is reachable from no other network and has no way out, the LAN
 * (a namespace the test creates, routing through this host) reaches published ports only, a port
 * published on 127.0.0.1 is the host's alone, and the host's loopback services are out of reach of
 * a container that sends packets to 127.0.0.1 over its bridge (route_localnet on the bridge).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { cli, cliAsync, ok, target, testEnv, uniqueName } from '../harness/cli.js';
import { curl, freePort, freeSubnet24, RemoteHost } from '../harness/net.js';
import { RUN_BRIDGE, RUN_SUBNET } from './_setup.test.js';

const img = (): string => testEnv().image;
const httpd = ['httpd', '-f', '-p', '80', '-h', '/etc'];
const GW = RUN_SUBNET.replace(/\.0\/24$/, '.1');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Box {
  id: string;
  name: string;
  ip: string;
  netns: string;
}

function inspectBox(name: string): Box {
  const [c] = JSON.parse(ok(['inspect', name])) as {
    Id: string;
    NetworkSettings: { SandboxKey: string; Networks: Record<string, { IPAddress: string }> };
  }[];
  const ip = Object.values(c!.NetworkSettings.Networks)[0]!.IPAddress;
  return { id: c!.Id, name, ip, netns: c!.NetworkSettings.SandboxKey.split('/').pop()! };
}

/** wget from inside a container, all checks at once; true where the page came back. */
async function fetchAll(checks: [from: string, url: string][]): Promise<boolean[]> {
  // busybox 1.35's `wget -T` crashes (SIGSEGV); timeout(1) bounds a dropped connection instead.
  const runs = checks.map(
    ([from, url]) => cliAsync(['exec', from, 'timeout', '2', 'wget', '-qO-', url]).done,
  );
  return (await Promise.all(runs)).map((r) => r.code === 0 && r.stdout.length > 0);
}

async function until(fn: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('network isolation', function () {
  this.timeout(180_000);
  const nets: string[] = [];
  const boxes: string[] = [];
  let remote: RemoteHost;
  let a1: Box, a2: Box, b1: Box, i1: Box, i2: Box, d1: Box, d2: Box;
  let open = 0;
  let local = 0;

  const network = (internal: boolean): string => {
    const name = uniqueName('tsdock-iso');
    ok(['network', 'create', ...(internal ? ['--internal'] : []), '--subnet', freeSubnet24(), name]);
    nets.push(name);
    return name;
  };
  const box = (net: string, extra: string[] = []): Box => {
    const name = uniqueName('tsdock-iso');
    ok(['run', '-d', '--name', name, '--network', net, ...extra, img(), ...httpd]);
    boxes.push(name);
    return inspectBox(name);
  };

  before(async function () {
    if (target !== 'tsdock') this.skip();
    remote = new RemoteHost(Math.floor(Math.random() * 0xffff).toString(16));
    // The LAN host routes the containers' subnet through this host, as a neighbour on a LAN may.
    execFileSync('ip', ['-n', remote.ns, 'route', 'add', RUN_SUBNET, 'via', remote.hostIp]);
    const netA = network(false);
    const netB = network(false);
    const netI = network(true);
    open = await freePort();
    local = await freePort();
    [a1, a2, b1, i1, i2] = [box(netA), box(netA), box(netB), box(netI), box(netI)];
    d1 = box('bridge', ['-p', `${open}:80`, '-p', `127.0.0.1:${local}:80`]);
    d2 = box('bridge');
    await until(() => curl(`http://127.0.0.1:${local}/hostname`) !== null, 10_000, 'published port');
  });

  after(function () {
    if (boxes.length) cli(['rm', '-f', ...boxes]);
    if (nets.length) cli(['network', 'rm', ...nets]);
    remote?.remove();
  });

  it('members of one network reach each other; other networks cannot reach them', async function () {
    const [same, aToB, bToA, defToA, aToDef, internalSame] = await fetchAll([
      [a2.name, `http://${a1.ip}/hostname`],
      [a2.name, `http://${b1.ip}/hostname`],
      [b1.name, `http://${a1.ip}/hostname`],
      [d2.name, `http://${a1.ip}/hostname`],
      [a2.name, `http://${d1.ip}/hostname`],
      [i2.name, `http://${i1.ip}/hostname`],
    ]);
    expect({ same, internalSame }).to.deep.equal({ same: true, internalSame: true });
    expect({ aToB, bToA, defToA, aToDef }).to.deep.equal({
      aToB: false,
      bToA: false,
      defToA: false,
      aToDef: false,
    });
  });

  it('an --internal network is reachable from no other network and has no way out', async function () {
    const port = await freePort();
    const server = spawn(
      'ip',
      ['netns', 'exec', remote.ns, 'busybox', 'httpd', '-f', '-p', `${remote.ip}:${port}`, '-h', '/etc'],
      { stdio: 'ignore' },
    );
    try {
      await sleep(300);
      const [defToI, aToI, iToDef, iToLan, lanControl] = await fetchAll([
        [d2.name, `http://${i1.ip}/hostname`],
        [a2.name, `http://${i1.ip}/hostname`],
        [i1.name, `http://${d1.ip}/hostname`],
        [i1.name, `http://${remote.ip}:${port}/hostname`],
        [d2.name, `http://${remote.ip}:${port}/hostname`],
      ]);
      expect(lanControl, 'a default-bridge container reaches the LAN host').to.equal(true);
      expect({ defToI, aToI, iToDef, iToLan }).to.deep.equal({
        defToI: false,
        aToI: false,
        iToDef: false,
        iToLan: false,
      });
    } finally {
      server.kill();
    }
  });

  it('the LAN reaches published ports only: not container addresses, not 127.0.0.1-published ports', function () {
    const get = (url: string) => remote.run(['curl', '-sS', '-m', '2', url]);
    expect(get(`http://${remote.hostIp}:${open}/hostname`).stdout.trim()).to.equal(d1.id.slice(0, 12));
    // Routed straight to a container (published or not): dropped, as only DNAT'd traffic may enter.
    expect(get(`http://${d1.ip}/hostname`).code).to.not.equal(0);
    expect(get(`http://${a1.ip}/hostname`).code).to.not.equal(0);
    expect(get(`http://${remote.hostIp}:${local}/hostname`).code).to.not.equal(0);
    // A LAN host that sends to 127.0.0.1 through this host (its own route_localnet on) gets nowhere.
    remote.run(['sysctl', '-qw', 'net.ipv4.conf.eth0.route_localnet=1']);
    execFileSync('ip', ['-n', remote.ns, '-batch', '-'], {
      input: `addr flush dev lo\nroute add 127.0.0.0/8 via ${remote.hostIp} dev eth0\n`,
    });
    expect(get(`http://127.0.0.1:${local}/hostname`).code).to.not.equal(0);
  });

  it('a 127.0.0.1-published port is not reachable from other containers', async function () {
    const [viaGateway, viaPublished] = await fetchAll([
      [d2.name, `http://${GW}:${local}/hostname`],
      [a2.name, `http://${GW}:${open}/hostname`],
    ]);
    expect(viaGateway).to.equal(false);
    // Docker's isolation: another network does not reach a published port through the host either.
    expect(viaPublished).to.equal(false);
    expect(
      (await fetchAll([[d2.name, `http://${GW}:${open}/hostname`]]))[0],
      'own network, hairpin',
    ).to.equal(true);
  });

  describe('host loopback services', function () {
    let dir = '';
    let server: ChildProcess | undefined;
    let port = 0;
    let attacker: Box;
    const rawChain = `TSDOCK-${RUN_BRIDGE}-RAW`;

    before(async function () {
      dir = mkdtempSync(join(tmpdir(), 'tsdock-lo-'));
      writeFileSync(join(dir, 'secret'), 'host-only\n');
      port = await freePort();
      server = spawn('busybox', ['httpd', '-f', '-p', `127.0.0.1:${port}`, '-h', dir], { stdio: 'ignore' });
      await until(() => curl(`http://127.0.0.1:${port}/secret`) !== null, 5_000, 'host loopback server');
      attacker = box('bridge');
      // What a container with raw sockets can send: packets to 127.0.0.1 on its eth0, to the
      // gateway's MAC. Played here by rerouting its namespace (the test is root on the host).
      const ns = ['ip', 'netns', 'exec', attacker.netns];
      execFileSync(ns[0]!, [...ns.slice(1), 'sysctl', '-qw', 'net.ipv4.conf.eth0.route_localnet=1']);
      execFileSync('ip', ['-n', attacker.netns, '-batch', '-'], {
        input: `addr flush dev lo\nlink set lo down\nroute add 127.0.0.0/8 via ${GW} dev eth0\n`,
      });
    });
    after(function () {
      server?.kill();
      rmSync(dir, { recursive: true, force: true });
    });

    it('a container sending to 127.0.0.1 over its bridge is dropped (the attack works without the guard)', async function () {
      const url = `http://127.0.0.1:${port}/secret`;
      expect((await fetchAll([[attacker.name, url]]))[0]).to.equal(false);
      // Control: without tsdock's raw-table guard the same packets reach the host's loopback service.
      const saved = execFileSync('iptables', ['-t', 'raw', '-S', rawChain], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.startsWith('-A '));
      expect(saved.length).to.be.greaterThan(0);
      execFileSync('iptables', ['--wait', '-t', 'raw', '-F', rawChain]);
      try {
        expect((await fetchAll([[attacker.name, url]]))[0], 'control without the guard').to.equal(true);
      } finally {
        execFileSync('iptables-restore', ['--noflush', '--wait'], {
          input: `*raw\n${saved.join('\n')}\nCOMMIT\n`,
        });
      }
      expect((await fetchAll([[attacker.name, url]]))[0]).to.equal(false);
    });
  });
});
