/**
 * Networking on the real kernel: the suite's own bridge (RUN_BRIDGE, a subnet free on this host),
 * real namespaces and iptables, HTTP from 127.0.0.1 and from a second namespace the test creates
 * to act as another host. Every container, network and namespace made here is removed here; the
 * suite's after() checks the kernel for anything left with this run's names.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import { cli, cliAsync, ok, target, testEnv, uniqueName, type Result } from '../harness/cli.js';
import { curl, freePort, freeSubnet24, RemoteHost } from '../harness/net.js';
import { buildBusyboxArchive, buildRootfsTarball } from '../harness/image.js';
import { networkLeftovers, RUN_BRIDGE, RUN_SUBNET } from './_setup.test.js';

const img = (): string => testEnv().image;
const P = `${target}: `;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const httpd = ['httpd', '-f', '-p', '80', '-h', '/etc'];
const GW = RUN_SUBNET.replace(/\.0\/24$/, '.1');

async function until<T>(fn: () => T | undefined | null | false, ms = 10_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function inspect(ref: string): {
  Id: string;
  Config: { Hostname: string };
  NetworkSettings: {
    IPAddress: string;
    Gateway: string;
    MacAddress: string;
    IPPrefixLen: number;
    SandboxKey: string;
    Ports: Record<string, { HostIp: string; HostPort: string }[] | null>;
    Networks: Record<string, { IPAddress: string; Gateway: string; NetworkID: string; MacAddress: string }>;
  };
  HostConfig: { PortBindings: Record<string, { HostIp: string; HostPort: string }[]>; NetworkMode: string };
} {
  return JSON.parse(ok(['inspect', ref]))[0];
}

const dataDir = (sub: string) => join(testEnv().dataRoot, 'network', sub);
function filesIn(sub: string): string[] {
  const dir = dataDir(sub);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);
}
function dnatRules(): string[] {
  return execFileSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.startsWith(`-A TSDOCK-${RUN_BRIDGE}-NAT `));
}

describe('network: -p parsing (Docker wording, exit 125)', function () {
  const cases: [string, string][] = [
    ['70000:80', 'invalid hostPort: 70000'],
    ['8080:abc', 'invalid containerPort: abc'],
    ['8080:80/xyz', 'invalid proto: xyz'],
    ['localhost:8080:80', 'invalid IP address: localhost'],
    ['8080:', 'no port specified: 8080:<empty>'],
    ['8000-8010:80-85', 'invalid ranges specified for container and host Ports: 80-85 and 8000-8010'],
  ];
  for (const [spec, message] of cases) {
    it(`-p ${spec}`, function () {
      const r = cli(['run', '--rm', '-p', spec, img(), 'true']);
      expect(r.code).to.equal(125);
      expect(r.stderr.split('\n')[0]).to.equal(`${P}${message}`);
    });
  }
  it('--expose with a host part', function () {
    const r = cli(['run', '--rm', '--expose', '1:2', img(), 'true']);
    expect(r.code).to.equal(125);
    expect(r.stderr.split('\n')[0]).to.equal(`${P}invalid port format for --expose: 1:2`);
  });
});

describe('network: default bridge', function () {
  this.timeout(120_000);
  before(function () {
    if (target !== 'tsdock') this.skip();
  });
  const made: string[] = [];
  afterEach(function () {
    if (made.length) cli(['rm', '-f', ...made.splice(0)]);
  });

  it('eth0 with an address of the subnet, default route via the gateway, /etc/hosts, resolv.conf', function () {
    const out = ok([
      'run',
      '--rm',
      '--hostname',
      'box1',
      '--add-host',
      'db.example:10.1.2.3',
      '--dns',
      '10.0.0.53',
      '--dns-search',
      'example.com',
      '--dns-option',
      'ndots:2',
      '--mac-address',
      '02:42:aa:bb:cc:dd',
      img(),
      'sh',
      '-c',
      'ip -o -4 addr show eth0; ip route; ip link show eth0; ip link show lo; cat /etc/hosts /etc/resolv.conf; hostname',
    ]);
    const prefix = RUN_SUBNET.replace(/\.0\/24$/, '.');
    const ip = new RegExp(`inet (${prefix.replace(/\./g, '\\.')}\\d+)/24`).exec(out)?.[1];
    expect(ip, out).to.be.a('string');
    expect(out).to.include(`default via ${GW} dev eth0`);
    expect(out).to.include('link/ether 02:42:aa:bb:cc:dd');
    expect(out).to.match(/lo: <LOOPBACK,UP/);
    expect(out).to.include(`${ip}\tbox1`);
    expect(out).to.include('10.1.2.3\tdb.example');
    expect(out).to.include('nameserver 10.0.0.53\nsearch example.com\noptions ndots:2\n');
    expect(out.trim().split('\n').at(-1)).to.equal('box1');
  });

  it('bad --add-host, --dns, --mac-address and --ip on the default bridge are refused', function () {
    const r1 = cli(['run', '--rm', '--add-host', 'nohost', img(), 'true']);
    expect(r1.code).to.equal(125);
    expect(r1.stderr).to.include('bad format for add-host: "nohost"');
    const r2 = cli(['run', '--rm', '--dns', 'x.y', img(), 'true']);
    expect(r2.code).to.equal(125);
    expect(r2.stderr).to.include('IP address is not correctly formatted: x.y');
    const r3 = cli(['run', '--rm', '--mac-address', 'zz', img(), 'true']);
    expect(r3.code).to.equal(125);
    expect(r3.stderr).to.include('zz is not a valid mac address');
    const r4 = cli(['run', '--rm', '--ip', GW.replace(/\.1$/, '.9'), img(), 'true']);
    expect(r4.code).to.equal(125);
    expect(r4.stderr).to.include('user specified IP address is supported on user defined networks only');
  });

  it('containers on the bridge reach each other by address; names do not resolve (as Docker)', async function () {
    const name = uniqueName('peer');
    made.push(ok(['run', '-d', '--name', name, img(), ...httpd]).trim());
    const ip = inspect(name).NetworkSettings.IPAddress;
    await until(() => curlFromContainer(`http://${ip}/hostname`) !== null, 10_000, 'httpd');
    const r = cli(['run', '--rm', img(), 'wget', '-qO-', `http://${name}/hostname`]);
    expect(r.code).to.not.equal(0);
  });

  function curlFromContainer(url: string): string | null {
    const r = cli(['run', '--rm', img(), 'wget', '-qO-', url]);
    return r.code === 0 ? r.stdout : null;
  }

  it('done-when: run -d -p PORT:80 --memory 256m serves HTTP on 127.0.0.1:PORT; port, ps and inspect as Docker', async function () {
    const port = await freePort();
    const name = uniqueName('web');
    const id = ok([
      'run',
      '-d',
      '--name',
      name,
      '-p',
      `${port}:80`,
      '--memory',
      '256m',
      img(),
      ...httpd,
    ]).trim();
    made.push(id);
    const body = await until(() => curl(`http://127.0.0.1:${port}/hostname`), 10_000, 'HTTP on 127.0.0.1');
    expect(body.trim()).to.equal(id.slice(0, 12));
    expect(ok(['port', name])).to.equal(`80/tcp -> 0.0.0.0:${port}\n`);
    expect(ok(['port', name, '80'])).to.equal(`0.0.0.0:${port}\n`);
    expect(ok(['port', name, '80/tcp'])).to.equal(`0.0.0.0:${port}\n`);
    const miss = cli(['port', name, '81']);
    expect(miss.code).to.equal(1);
    expect(miss.stderr.trim()).to.equal(`Error: No public port '81' published for ${name}`);
    expect(ok(['ps', '--filter', `name=${name}`, '--format', '{{.Ports}}'])).to.equal(
      `0.0.0.0:${port}->80/tcp\n`,
    );
    const ins = inspect(name);
    expect(ins.HostConfig.PortBindings).to.deep.equal({ '80/tcp': [{ HostIp: '', HostPort: String(port) }] });
    expect(ins.NetworkSettings.Ports).to.deep.equal({
      '80/tcp': [{ HostIp: '0.0.0.0', HostPort: String(port) }],
    });
    expect(ins.NetworkSettings.Gateway).to.equal(GW);
    expect(ins.NetworkSettings.IPPrefixLen).to.equal(24);
    expect(ins.NetworkSettings.MacAddress).to.match(/^02:42:/);
    expect(ins.NetworkSettings.SandboxKey).to.equal(`/run/netns/${RUN_BRIDGE}-${id.slice(0, 12)}`);
    expect(ins.NetworkSettings.Networks.bridge!.IPAddress).to.equal(ins.NetworkSettings.IPAddress);
    expect(ins.NetworkSettings.Networks.bridge!.NetworkID).to.match(/^[0-9a-f]{64}$/);
  });

  it('every -p form: ranges, udp, 127.0.0.1::80 (random port), -P with --expose, [::1] parsed', async function () {
    const base = await freePort();
    const name = uniqueName('forms');
    made.push(
      ok([
        'run',
        '-d',
        '--name',
        name,
        '-p',
        `${base}-${base + 1}:80-81`,
        '-p',
        `${base + 2}:53/udp`,
        '-p',
        '127.0.0.1::82',
        '-p',
        `[::1]:${base + 3}:83`,
        '--expose',
        '84',
        '-P',
        img(),
        ...httpd,
      ]).trim(),
    );
    const lines = ok(['port', name]).trim().split('\n');
    expect(lines).to.include(`80/tcp -> 0.0.0.0:${base}`);
    expect(lines).to.include(`81/tcp -> 0.0.0.0:${base + 1}`);
    expect(lines).to.include(`53/udp -> 0.0.0.0:${base + 2}`);
    expect(lines).to.include(`83/tcp -> [::1]:${base + 3}`);
    const [lo, hi] = execFileSync('cat', ['/proc/sys/net/ipv4/ip_local_port_range'], { encoding: 'utf8' })
      .trim()
      .split(/\s+/)
      .map(Number);
    const random = (re: RegExp) => Number(lines.map((l) => re.exec(l)?.[1]).find(Boolean));
    const p82 = random(/^82\/tcp -> 127\.0\.0\.1:(\d+)$/);
    const p84 = random(/^84\/tcp -> 0\.0\.0\.0:(\d+)$/);
    for (const p of [p82, p84]) expect(p).to.be.within(lo!, hi!);
    expect(ins(name).HostConfig.PortBindings['82/tcp']).to.deep.equal([
      { HostIp: '127.0.0.1', HostPort: '' },
    ]);
    await until(() => curl(`http://127.0.0.1:${base}/hostname`), 10_000, 'range-mapped port');
  });
  const ins = inspect;

  it('host port already allocated (other container, host process): Docker error, 125, nothing left', async function () {
    const port = await freePort();
    const first = uniqueName('own');
    made.push(ok(['run', '-d', '--name', first, '-p', `${port}:80`, img(), ...httpd]).trim());
    const leases = filesIn('leases').length;
    const rules = dnatRules().length;
    const second = uniqueName('loser');
    const r = cli(['run', '-d', '--name', second, '-p', `${port}:80`, img(), ...httpd]);
    made.push(second);
    expect(r.code).to.equal(125);
    expect(r.stderr).to.match(
      new RegExp(
        `driver failed programming external connectivity on endpoint ${second} \\([0-9a-f]{64}\\): Bind for 0\\.0\\.0\\.0:${port} failed: port is already allocated`,
      ),
    );
    expect(filesIn('leases').length).to.equal(leases);
    expect(dnatRules().length).to.equal(rules);
    expect(filesIn('endpoints').some((f) => f.startsWith(ins(second).Id))).to.equal(false);

    const busy = await freePort();
    const srv: Server = createServer();
    await new Promise<void>((res) => srv.listen(busy, '127.0.0.1', () => res()));
    try {
      const h = cli(['run', '--rm', '-p', `${busy}:80`, img(), 'true']);
      expect(h.code).to.equal(125);
      expect(h.stderr).to.include(`Bind for 0.0.0.0:${busy} failed: port is already allocated`);
    } finally {
      srv.close();
    }
    expect(filesIn('leases').length).to.equal(leases);
  });

  it('published ports are freed when the container exits, is stopped or killed (no rm needed)', async function () {
    const port = await freePort();
    const a = uniqueName('exits');
    made.push(a);
    ok(['run', '--name', a, '-p', `${port}:80`, img(), 'true']);
    const b = uniqueName('stops');
    made.push(ok(['run', '-d', '--name', b, '-p', `${port}:80`, img(), ...httpd]).trim());
    ok(['stop', '-t', '1', b]);
    expect(dnatRules().some((l) => l.includes(`--dport ${port} `))).to.equal(false);
    const c = uniqueName('killed');
    made.push(ok(['run', '-d', '--name', c, '-p', `${port}:80`, img(), ...httpd]).trim());
    ok(['kill', c]);
    const d = uniqueName('after');
    await until(
      () => {
        const r = cli(['run', '-d', '--name', d, '-p', `${port}:80`, img(), ...httpd]);
        if (r.code !== 0) cli(['rm', '-f', d]);
        return r.code === 0;
      },
      10_000,
      'port freed after kill',
    );
    made.push(d);
    await until(() => curl(`http://127.0.0.1:${port}/hostname`), 10_000, 'new owner serving');
    // The port is d's now: starting b again fails as Docker's does, and leaves nothing behind.
    const again = cli(['start', b]);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.include(`Bind for 0.0.0.0:${port} failed: port is already allocated`);
    expect(dnatRules().filter((l) => l.includes(`--dport ${port} `))).to.have.length(1);
  });

  it('restart keeps working: start after stop sets the network up again', async function () {
    const port = await freePort();
    const name = uniqueName('restart');
    made.push(ok(['run', '-d', '--name', name, '-p', `${port}:80`, img(), ...httpd]).trim());
    ok(['restart', '-t', '1', name]);
    await until(() => curl(`http://127.0.0.1:${port}/hostname`), 10_000, 'served after restart');
    expect(dnatRules().filter((l) => l.includes(`--dport ${port} `))).to.have.length(1);
  });
});

describe('network: seen from another host and from the containers (FORWARD policy DROP coexistence)', function () {
  this.timeout(120_000);
  let remote: RemoteHost;
  const made: string[] = [];
  before(function () {
    if (target !== 'tsdock') this.skip();
    remote = new RemoteHost(Math.floor(Math.random() * 0xffff).toString(16));
  });
  after(function () {
    if (made.length) cli(['rm', '-f', ...made]);
    remote?.remove();
  });

  it('0.0.0.0 port reachable from the other host; 127.0.0.1-bound port only from loopback', async function () {
    const open = await freePort();
    const local = await freePort();
    const name = uniqueName('exposed');
    const id = ok([
      'run',
      '-d',
      '--name',
      name,
      '-p',
      `${open}:80`,
      '-p',
      `127.0.0.1:${local}:80`,
      img(),
      ...httpd,
    ]).trim();
    made.push(id);
    await until(() => curl(`http://127.0.0.1:${local}/hostname`), 10_000, 'loopback-bound port');
    const fromRemote = remote.run(['curl', '-sS', '-m', '3', `http://${remote.hostIp}:${open}/hostname`]);
    expect(fromRemote.code, fromRemote.stderr).to.equal(0);
    expect(fromRemote.stdout.trim()).to.equal(id.slice(0, 12));
    const blocked = remote.run(['curl', '-sS', '-m', '3', `http://${remote.hostIp}:${local}/hostname`]);
    expect(blocked.code).to.not.equal(0);
  });

  it('container → other host goes out masqueraded as the host (the other host has no route back)', async function () {
    const port = await freePort();
    const pid = execFileSync(
      'ip',
      [
        'netns',
        'exec',
        remote.ns,
        'sh',
        '-c',
        `busybox httpd -f -p ${remote.ip}:${port} -h /etc >/dev/null 2>&1 & echo $!`,
      ],
      { encoding: 'utf8' },
    ).trim();
    try {
      await sleep(200);
      const r = cli(['run', '--rm', img(), 'wget', '-qO-', `http://${remote.ip}:${port}/hostname`]);
      expect(r.code, r.stderr).to.equal(0);
    } finally {
      execFileSync('ip', ['netns', 'exec', remote.ns, 'kill', pid]);
    }
  });

  it('hairpin: a container reaches a published port through the host address', async function () {
    const port = await freePort();
    const name = uniqueName('hairpin');
    const id = ok(['run', '-d', '--name', name, '-p', `${port}:80`, img(), ...httpd]).trim();
    made.push(id);
    await until(() => curl(`http://127.0.0.1:${port}/hostname`), 10_000, 'httpd');
    const other = cli(['run', '--rm', img(), 'wget', '-qO-', `http://${remote.hostIp}:${port}/hostname`]);
    expect(other.stdout.trim(), other.stderr).to.equal(id.slice(0, 12));
    const viaGw = cli(['run', '--rm', img(), 'wget', '-qO-', `http://${GW}:${port}/hostname`]);
    expect(viaGw.stdout.trim(), viaGw.stderr).to.equal(id.slice(0, 12));
    const self = ok(['exec', name, 'wget', '-qO-', `http://${GW}:${port}/hostname`]);
    expect(self.trim()).to.equal(id.slice(0, 12));
  });

  it("tsdock's FORWARD accepts come before any drop, so dockerd's policy DROP does not matter", function () {
    // Checked after the traffic tests above, while this run's jump exists (it goes when the run resets).
    // dockerd puts DOCKER-USER and DOCKER-ISOLATION-STAGE-1 back on top whenever it makes a network;
    // both return what is not docker's own bridges' traffic, so they may come first. What must not
    // come first is a rule that drops.
    const rules = execFileSync('iptables', ['-S', 'FORWARD'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.startsWith('-A FORWARD'));
    const ours = rules.indexOf(`-A FORWARD -j TSDOCK-${RUN_BRIDGE}-FWD`);
    expect(ours, rules.join('\n')).to.be.at.least(0);
    const drops = rules.findIndex((l) => /-j (DROP|REJECT)\b/.test(l));
    if (drops >= 0) expect(ours, rules.join('\n')).to.be.below(drops);
  });
});

describe('network: modes host, none, container:NAME', function () {
  this.timeout(60_000);
  before(function () {
    if (target !== 'tsdock') this.skip();
  });
  it('none has loopback only; host sees the host interfaces; container:NAME shares the address', function () {
    const none = ok(['run', '--rm', '--network', 'none', img(), 'ip', '-o', 'link']);
    expect(none.trim().split('\n')).to.have.length(1);
    const host = ok(['run', '--rm', '--network', 'host', img(), 'ip', '-o', 'link']);
    expect(host).to.include(RUN_BRIDGE);
    const name = uniqueName('owner');
    ok(['run', '-d', '--name', name, img(), 'sleep', '30']);
    try {
      const ip = inspect(name).NetworkSettings.IPAddress;
      const joined = ok([
        'run',
        '--rm',
        '--network',
        `container:${name}`,
        img(),
        'ip',
        '-o',
        '-4',
        'addr',
        'show',
        'eth0',
      ]);
      expect(joined).to.include(`inet ${ip}/24`);
      const bad = cli(['run', '--rm', '--network', `container:${name}`, '-p', '80', img(), 'true']);
      expect(bad.code).to.equal(125);
      expect(bad.stderr).to.include(
        'conflicting options: port publishing and the container type network mode',
      );
    } finally {
      ok(['rm', '-f', name]);
    }
  });
});

describe('network: user-defined networks', function () {
  this.timeout(120_000);
  before(function () {
    if (target !== 'tsdock') this.skip();
  });
  const nets: string[] = [];
  const made: string[] = [];
  after(function () {
    if (made.length) cli(['rm', '-f', ...made]);
    if (nets.length) cli(['network', 'rm', ...nets]);
  });

  it('create/ls/inspect/rm with --subnet, --gateway, --ip-range, --label, -o bridge name', function () {
    const subnet = freeSubnet24();
    const gw = subnet.replace(/\.0\/24$/, '.254');
    const range = subnet.replace(/\.0\/24$/, '.64/26');
    const name = uniqueName('net');
    const brName = `tsdtb${Math.floor(Math.random() * 0xfffff).toString(16)}`;
    const id = ok([
      'network',
      'create',
      '--subnet',
      subnet,
      '--gateway',
      gw,
      '--ip-range',
      range,
      '--label',
      'team=net',
      '-o',
      `com.docker.network.bridge.name=${brName}`,
      name,
    ]).trim();
    nets.push(name);
    expect(id).to.match(/^[0-9a-f]{64}$/);
    expect(existsSync(`/sys/class/net/${brName}`)).to.equal(true);
    const ls = ok(['network', 'ls']);
    expect(ls.split('\n')[0]).to.match(/^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE$/);
    for (const n of ['bridge', 'host', 'none', name]) expect(ls).to.match(new RegExp(`\\s${n}\\s`));
    expect(ok(['network', 'ls', '-q', '--filter', `name=${name}`])).to.equal(`${id.slice(0, 12)}\n`);
    expect(ok(['network', 'ls', '--filter', 'label=team=net', '--format', '{{.Name}} {{.Driver}}'])).to.equal(
      `${name} bridge\n`,
    );
    const c = uniqueName('member');
    made.push(ok(['run', '-d', '--name', c, '--network', name, img(), 'sleep', '60']).trim());
    const [n] = JSON.parse(ok(['network', 'inspect', name]));
    expect(n.IPAM.Config).to.deep.equal([{ Subnet: subnet, Gateway: gw, IPRange: range }]);
    expect(n.Labels).to.deep.equal({ team: 'net' });
    const member = Object.values(n.Containers)[0] as { Name: string; IPv4Address: string };
    expect(member.Name).to.equal(c);
    const last = Number(member.IPv4Address.split('/')[0]!.split('.')[3]);
    expect(last).to.be.within(65, 126);
    const busy = cli(['network', 'rm', name]);
    expect(busy.code).to.equal(1);
    expect(busy.stderr).to.include('has active endpoints');
    ok(['rm', '-f', made.pop()!]);
    expect(ok(['network', 'rm', name])).to.equal(`${name}\n`);
    nets.pop();
    expect(existsSync(`/sys/class/net/${brName}`)).to.equal(false);
    expect(cli(['network', 'rm', 'bridge']).stderr).to.include(
      'bridge is a pre-defined network and cannot be removed',
    );
    const missing = cli(['network', 'inspect', 'nosuchnet']);
    expect(missing.code).to.equal(1);
    expect(missing.stdout).to.equal('[]\n');
  });

  it('-o com.docker.network.driver.mtu: the bridge, both veth ends and eth0 take it; "a b" is a name', function () {
    const name = `${uniqueName('mtu')} spaced`;
    const id = ok(['network', 'create', '-o', 'com.docker.network.driver.mtu=1400', name]).trim();
    nets.push(name);
    const bridge = `br-${id.slice(0, 12)}`;
    const mtu = (dev: string) => readFileSync(`/sys/class/net/${dev}/mtu`, 'utf8').trim();
    expect(mtu(bridge)).to.equal('1400');
    const c = uniqueName('mtu-member');
    const cid = ok(['run', '-d', '--name', c, '--network', name, img(), 'sleep', '60']).trim();
    made.push(cid);
    expect(ok(['exec', c, 'cat', '/sys/class/net/eth0/mtu']).trim()).to.equal('1400');
    const hostEnd = execFileSync('ip', ['-o', 'link', 'show', 'master', bridge], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(': ')[1]!.split('@')[0]!);
    expect(hostEnd).to.have.length(1);
    expect(mtu(hostEnd[0]!)).to.equal('1400');
    const [n] = JSON.parse(ok(['network', 'inspect', name]));
    expect(n.Options).to.deep.equal({ 'com.docker.network.driver.mtu': '1400' });
    ok(['rm', '-f', made.pop()!]);
    ok(['network', 'rm', name]);
    nets.pop();
    expect(existsSync(`/sys/class/net/${bridge}`)).to.equal(false);
  });

  it('members resolve each other by name, --network-alias and hostname; --ip; full subnet error', async function () {
    const subnet = freeSubnet24();
    const name = uniqueName('dns');
    ok(['network', 'create', '--subnet', subnet, name]);
    nets.push(name);
    const a = uniqueName('a');
    const fixed = subnet.replace(/\.0\/24$/, '.77');
    made.push(
      ok([
        'run',
        '-d',
        '--name',
        a,
        '--network',
        name,
        '--network-alias',
        'alpha',
        '--hostname',
        'ahost',
        '--ip',
        fixed,
        img(),
        ...httpd,
      ]).trim(),
    );
    expect(inspect(a).NetworkSettings.Networks[name]!.IPAddress).to.equal(fixed);
    for (const host of [a, 'alpha', 'ahost']) {
      const r = cli(['run', '--rm', '--network', name, img(), 'wget', '-qO-', `http://${host}/hostname`]);
      expect(r.stdout.trim(), `${host}: ${r.stderr}`).to.equal('ahost');
    }
    const dup = cli(['run', '--rm', '--network', name, '--ip', fixed, img(), 'true']);
    expect(dup.code).to.equal(125);
    expect(dup.stderr).to.include('Address already in use');

    const tiny = uniqueName('tiny');
    ok(['network', 'create', '--subnet', freeSubnet24().replace(/\.0\/24$/, '.0/30'), tiny]);
    nets.push(tiny);
    const t1 = uniqueName('t1');
    made.push(ok(['run', '-d', '--name', t1, '--network', tiny, img(), 'sleep', '60']).trim());
    const full = cli(['run', '--rm', '--network', tiny, img(), 'true']);
    expect(full.code).to.equal(125);
    expect(full.stderr).to.include("no available IPv4 addresses on this network's address pools");
  });

  it('--internal: members talk to each other but not outside', function () {
    const name = uniqueName('internal');
    ok(['network', 'create', '--internal', '--subnet', freeSubnet24(), name]);
    nets.push(name);
    const a = uniqueName('ia');
    made.push(ok(['run', '-d', '--name', a, '--network', name, img(), ...httpd]).trim());
    const r = cli([
      'run',
      '--rm',
      '--network',
      name,
      img(),
      'sh',
      '-c',
      `wget -qO- http://${a}/hostname; ip route`,
    ]);
    expect(r.stdout).to.include(inspect(a).Config.Hostname);
    expect(r.stdout).to.not.include('default');
    const out = cli(['run', '--rm', '--network', name, img(), 'wget', '-qO-', `http://${GW}:1/`]);
    expect(out.code).to.not.equal(0);
  });

  it('network prune and system prune -f remove unused networks and stopped containers', function () {
    const n = uniqueName('prunable');
    ok(['network', 'create', '--subnet', freeSubnet24(), n]);
    const stopped = uniqueName('stopped');
    const id = ok(['create', '--name', stopped, img(), 'true']).trim();
    const out = ok(['system', 'prune', '-f']);
    expect(out).to.include(`Deleted Containers:\n${id}\n`);
    expect(out).to.include('Deleted Networks:\n');
    expect(out).to.include(n);
    expect(cli(['network', 'inspect', n]).code).to.equal(1);
    const m = uniqueName('prunable2');
    ok(['network', 'create', '--subnet', freeSubnet24(), m]);
    expect(ok(['network', 'prune', '-f'])).to.include(m);
    const declined = cli(['network', 'prune'], { input: 'n\n' });
    expect(declined.code).to.equal(0);
    expect(declined.stdout).to.include('Are you sure you want to continue? [y/N]');
  });

  it('system prune -a --filter label: its warning, then the stopped containers, networks and unused images it names, with the space measured', async () => {
    const label = `tsdock.sysprune=${process.pid}`;
    const declined = cli(['system', 'prune', '-a', '--filter', `label=${label}`], { input: 'n\n' });
    expect(declined.code).to.equal(0);
    expect(declined.stdout).to.equal(
      'WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n' +
        '  - all images without at least one container associated to them\n  - all build cache\n\n' +
        `  Items to be pruned will be filtered with:\n  - label=${label}\n\nAre you sure you want to continue? [y/N] `,
    );
    const work = mkdtempSync(join(tmpdir(), 'tsdock-sysprune-'));
    const made: string[] = [];
    try {
      // An image with the label and a layer of its own (so that its removal frees measurable space),
      // one without the label, and one with the label that a running container uses.
      const own = join(work, 'own.tar');
      await buildRootfsTarball(own, { extraFiles: { '/prune': `${process.pid}\n`.repeat(50_000) } });
      const doomed = ok(['import', '--change', `LABEL ${label}`, own]).trim();
      const doomedSize = Number(ok(['image', 'inspect', '-f', '{{.Size}}', doomed]).trim());
      const tarball = join(work, 'shared.tar');
      await buildRootfsTarball(tarball);
      const kept = ok(['import', tarball]).trim();
      const usedName = `${uniqueName('tsdock-it/used')}:x`;
      const used = ok(['import', '--change', `LABEL ${label}`, tarball, usedName]).trim();
      made.push(kept, usedName);
      const user = uniqueName('user');
      // (It inherits the image's label, so only running keeps it from the prune.)
      ok(['run', '-d', '--name', user, '--network', 'none', usedName, 'sleep', '600']);
      const stopped = ok(['create', '--label', label, '--network', 'none', img(), 'true']).trim();
      const other = uniqueName('unlabelled');
      ok(['create', '--name', other, '--network', 'none', img(), 'true']);
      const net = uniqueName('labelled');
      ok(['network', 'create', '--label', label, '--subnet', freeSubnet24(), net]);
      const keptNet = uniqueName('unlabelled');
      ok(['network', 'create', '--subnet', freeSubnet24(), keptNet]);

      const out = ok(['system', 'prune', '-f', '-a', '--filter', `label=${label}`]);
      expect(out).to.include(`Deleted Containers:\n${stopped}\n\n`);
      expect(out).to.include(`Deleted Networks:\n${net}\n\n`);
      expect(out).to.include(`Deleted Images:\ndeleted: ${doomed}\n\n`);
      const total = /Total reclaimed space: (\d+(?:\.\d+)?)(B|kB|MB)\n$/.exec(out);
      expect(total, out).to.not.equal(null);
      // The labelled image's own layer, unpacked and as a blob, and its other blobs; nothing else.
      const bytes = Number(total![1]) * { B: 1, kB: 1e3, MB: 1e6 }[total![2] as 'B' | 'kB' | 'MB'];
      expect(bytes).to.be.within(doomedSize * 1.5, doomedSize * 2.5);
      expect(cli(['image', 'inspect', doomed]).code).to.equal(1);
      expect(ok(['image', 'inspect', '-f', '{{.Id}}', kept]).trim()).to.equal(kept);
      expect(ok(['image', 'inspect', '-f', '{{.Id}}', usedName]).trim()).to.equal(used);
      expect(cli(['inspect', stopped]).code).to.equal(1);
      expect(cli(['inspect', other]).code).to.equal(0);
      expect(cli(['network', 'inspect', net]).code).to.equal(1);
      ok(['rm', '-f', user, other]);
      ok(['network', 'rm', keptNet]);
    } finally {
      for (const m of made) cli(['rmi', '-f', m]);
      rmSync(work, { recursive: true, force: true });
    }
  });
});

describe('network: parallel runs and crashes', function () {
  this.timeout(600_000);
  before(function () {
    if (target !== 'tsdock') this.skip();
  });

  it('50 parallel run -d get 50 distinct addresses', async function () {
    const names = Array.from({ length: 50 }, () => uniqueName('par'));
    const results = await Promise.all(
      names.map((n) => cliAsync(['run', '-d', '--name', n, img(), 'sleep', '60']).done),
    );
    try {
      for (const r of results) expect(r.code, r.stderr).to.equal(0);
      const ips = names.map((n) => inspect(n).NetworkSettings.IPAddress);
      expect(new Set(ips).size).to.equal(50);
    } finally {
      ok(['rm', '-f', ...names]);
    }
    expect(filesIn('leases')).to.deep.equal([]);
  });

  it('20 parallel runs publishing the same host port: exactly one wins', async function () {
    const port = await freePort();
    const names = Array.from({ length: 20 }, () => uniqueName('race'));
    const results: Result[] = await Promise.all(
      names.map((n) => cliAsync(['run', '-d', '--name', n, '-p', `${port}:80`, img(), ...httpd]).done),
    );
    try {
      expect(results.filter((r) => r.code === 0)).to.have.length(1);
      for (const r of results.filter((x) => x.code !== 0)) {
        expect(r.code).to.equal(125);
        expect(r.stderr).to.include('port is already allocated');
      }
      await until(() => curl(`http://127.0.0.1:${port}/hostname`), 10_000, 'the winner serving');
    } finally {
      cli(['rm', '-f', ...names]);
    }
    expect(dnatRules().filter((l) => l.includes(`--dport ${port} `))).to.deep.equal([]);
  });

  it('tsdock SIGKILLed mid-run: after rm -f of everything, nothing of the network is left', async function () {
    const delays = [30, 80, 150, 250, 400, 600, 900];
    for (const d of delays) {
      const port = await freePort();
      const { child, done } = cliAsync(['run', '-d', '-p', `${port}:80`, img(), ...httpd]);
      await sleep(d);
      child.kill('SIGKILL');
      await done;
    }
    // The next commands reconcile lazily; rm -f everything, then one command that allocates.
    const all = ok(['ps', '-aq']).trim();
    if (all) cli(['rm', '-f', ...all.split('\n')]);
    ok(['run', '--rm', img(), 'true']);
    expect(filesIn('endpoints')).to.deep.equal([]);
    expect(filesIn('leases')).to.deep.equal([]);
    expect(filesIn('ports')).to.deep.equal([]);
    expect(dnatRules()).to.deep.equal([]);
    expect(networkLeftovers().filter((l) => !l.startsWith('iptables'))).to.deep.equal([]);
    const jumps = execFileSync('iptables-save', [], { encoding: 'utf8' })
      .split('\n')
      .filter(
        (l) => /^-A (PREROUTING|OUTPUT|POSTROUTING|FORWARD) .*-j TSDOCK-/.test(l) && l.includes(RUN_BRIDGE),
      );
    // nat PREROUTING, OUTPUT, POSTROUTING; filter FORWARD; raw PREROUTING (the loopback guard): once each.
    expect(jumps).to.have.length(5);
  });
});

describe('network: -P publishes the image EXPOSE', function () {
  this.timeout(60_000);
  const image = 'tsdock-test/exposed:latest';
  before(async function () {
    if (target !== 'tsdock') this.skip();
    const dir = mkdtempSync(join(tmpdir(), 'tsdock-expose-'));
    try {
      await buildBusyboxArchive(join(dir, 'img.tar'), {
        name: image,
        extraFiles: { 'www/index.html': 'exposed\n' },
        config: { ExposedPorts: { '80/tcp': {} }, Cmd: ['httpd', '-f', '-p', '80', '-h', '/www'] },
      });
      ok(['load', '-i', join(dir, 'img.tar')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  after(function () {
    if (target === 'tsdock') cli(['rmi', image]);
  });

  it('a random host port for 80/tcp serves; without -P the port is only listed as exposed', async function () {
    const name = uniqueName('pub-all');
    ok(['run', '-d', '--name', name, '-P', image]);
    try {
      const line = ok(['port', name]).trim();
      const m = /^80\/tcp -> 0\.0\.0\.0:(\d+)$/.exec(line);
      expect(m, line).to.not.equal(null);
      const body = await until(() => curl(`http://127.0.0.1:${m![1]}/`), 10_000, 'HTTP on the random port');
      expect(body).to.equal('exposed\n');
    } finally {
      ok(['rm', '-f', name]);
    }
    const plain = uniqueName('exposed-only');
    ok(['run', '-d', '--name', plain, image]);
    try {
      expect(ok(['ps', '--filter', `name=${plain}`, '--format', '{{.Ports}}'])).to.equal('80/tcp\n');
      expect(ok(['port', plain])).to.equal('');
      expect(JSON.parse(ok(['inspect', '--format', '{{json .NetworkSettings.Ports}}', plain]))).to.deep.equal(
        {
          '80/tcp': null,
        },
      );
    } finally {
      ok(['rm', '-f', plain]);
    }
  });
});

describe('network: connect and disconnect', function () {
  this.timeout(120_000);
  before(function () {
    if (target !== 'tsdock') this.skip();
  });

  it('a running container joins a second network (eth1, resolvable there by alias), keeps it across restart, leaves it', async function () {
    const a = uniqueName('neta');
    const b = uniqueName('netb');
    ok(['network', 'create', '--subnet', freeSubnet24(), a]);
    ok(['network', 'create', '--subnet', freeSubnet24(), b]);
    const web = uniqueName('web');
    const peer = uniqueName('peer');
    try {
      ok(['run', '-d', '--name', web, '--network', a, img(), ...httpd]);
      ok(['run', '-d', '--name', peer, '--network', b, img(), 'sleep', '60']);
      const before = cli(['run', '--rm', '--network', b, img(), 'wget', '-qO-', `http://${web}/hostname`]);
      expect(before.code).to.not.equal(0);
      ok(['network', 'connect', '--alias', 'site', b, web]);
      const dup = cli(['network', 'connect', b, web]);
      expect(dup.code).to.equal(1);
      expect(dup.stderr).to.include(`endpoint with name ${web} already exists in network ${b}`);
      const hostname = inspect(web).Config.Hostname;
      for (const host of [web, 'site']) {
        const r = cli(['run', '--rm', '--network', b, img(), 'wget', '-qO-', `http://${host}/hostname`]);
        expect(r.stdout.trim(), `${host}: ${r.stderr}`).to.equal(hostname);
      }
      expect(ok(['ps', '--filter', `name=${web}`, '--format', '{{.Networks}}'])).to.equal(`${a},${b}\n`);
      expect(Object.keys(inspect(web).NetworkSettings.Networks)).to.deep.equal([a, b]);
      ok(['restart', '-t', '1', web]);
      const ifs = ok(['exec', web, 'ip', '-o', '-4', 'addr']);
      expect(ifs).to.match(/eth0 .*inet /);
      expect(ifs).to.match(/eth1 .*inet /);
      expect(ok(['network', 'disconnect', b, web])).to.equal('');
      expect(ok(['exec', web, 'ip', '-o', 'link'])).to.not.include('eth1');
      const gone = cli(['network', 'disconnect', b, web]);
      expect(gone.code).to.equal(1);
      expect(gone.stderr).to.include(`is not connected to network ${b}`);
    } finally {
      cli(['rm', '-f', web, peer]);
      cli(['network', 'rm', a, b]);
    }
  });
});
