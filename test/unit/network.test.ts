import { expect } from 'chai';
import { UsageError } from '../../src/runtime/errors.js';
import {
  contains,
  formatCidr,
  hostRange,
  intToIp,
  ipToInt,
  macForIp,
  overlaps,
  parseCidr,
  parseProcRoutes,
} from '../../src/runtime/network/addr.js';
import { buildResolvConf, hostsFile } from '../../src/runtime/network/hosts.js';
import {
  chainsFor,
  jumpRules,
  layoutRules,
  networkRules,
  obsoleteNetworkRules,
  portRules,
  restoreText,
  savedRules,
  serviceChain,
  serviceJump,
  serviceRules,
  splitSpec,
} from '../../src/runtime/network/iptables.js';
import {
  networkPorts,
  parseExpose,
  parsePortSpec,
  parsePublish,
  portLines,
} from '../../src/runtime/network/ports.js';

const err = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected an error');
};

describe('-p parsing (nat.ParsePortSpec)', () => {
  it('every form', () => {
    expect(parsePortSpec('80')).to.deep.equal([{ port: '80/tcp', hostIp: '', hostPort: '' }]);
    expect(parsePortSpec('8080:80')).to.deep.equal([{ port: '80/tcp', hostIp: '', hostPort: '8080' }]);
    expect(parsePortSpec('127.0.0.1:8080:80')).to.deep.equal([
      { port: '80/tcp', hostIp: '127.0.0.1', hostPort: '8080' },
    ]);
    expect(parsePortSpec('127.0.0.1::80')).to.deep.equal([
      { port: '80/tcp', hostIp: '127.0.0.1', hostPort: '' },
    ]);
    expect(parsePortSpec('8080:80/udp')).to.deep.equal([{ port: '80/udp', hostIp: '', hostPort: '8080' }]);
    expect(parsePortSpec('[::1]:8080:80')).to.deep.equal([
      { port: '80/tcp', hostIp: '::1', hostPort: '8080' },
    ]);
    expect(parsePortSpec('8000-8001:80-81')).to.deep.equal([
      { port: '80/tcp', hostIp: '', hostPort: '8000' },
      { port: '81/tcp', hostIp: '', hostPort: '8001' },
    ]);
    // a single container port with a host range: any free one of the range
    expect(parsePortSpec('8000-8010:80')).to.deep.equal([
      { port: '80/tcp', hostIp: '', hostPort: '8000-8010' },
    ]);
    expect(parsePortSpec('published=8080,target=80,protocol=udp')).to.deep.equal([
      { port: '80/udp', hostIp: '', hostPort: '8080' },
    ]);
    expect(parsePortSpec('80/TCP')).to.deep.equal([{ port: '80/tcp', hostIp: '', hostPort: '' }]);
  });

  it("Docker's errors", () => {
    expect(err(() => parsePortSpec('70000:80'))).to.equal('invalid hostPort: 70000');
    expect(err(() => parsePortSpec('8080:abc'))).to.equal('invalid containerPort: abc');
    expect(err(() => parsePortSpec('8080:80/xyz'))).to.equal('invalid proto: xyz');
    expect(err(() => parsePortSpec('localhost:8080:80'))).to.equal('invalid IP address: localhost');
    expect(err(() => parsePortSpec('8080:'))).to.equal('no port specified: 8080:<empty>');
    expect(err(() => parsePortSpec('8000-8005:80-90'))).to.equal(
      'invalid ranges specified for container and host Ports: 80-90 and 8000-8005',
    );
    expect(err(() => parsePortSpec('90-80'))).to.equal('invalid containerPort: 90-80');
  });

  it('PortBindings keep HostIp/HostPort as typed, one key per container port', () => {
    expect(parsePublish(['8080:80', '127.0.0.1:9090:80', '53/udp'])).to.deep.equal({
      '80/tcp': [
        { HostIp: '', HostPort: '8080' },
        { HostIp: '127.0.0.1', HostPort: '9090' },
      ],
      '53/udp': [{ HostIp: '', HostPort: '' }],
    });
  });

  it('--expose', () => {
    expect(parseExpose(['80', '90-91/udp'])).to.deep.equal(['80/tcp', '90/udp', '91/udp']);
    expect(err(() => parseExpose(['1:2']))).to.equal('invalid port format for --expose: 1:2');
    expect(err(() => parseExpose(['x']))).to.match(/^invalid range format for --expose: x, error: /);
  });

  it('port output and NetworkSettings.Ports', () => {
    const ports = [
      { containerPort: 81, proto: 'tcp', hostIp: '127.0.0.1', hostPort: 9001 },
      { containerPort: 80, proto: 'tcp', hostIp: '', hostPort: 8080 },
    ];
    expect(portLines(ports)).to.deep.equal(['80/tcp -> 0.0.0.0:8080', '81/tcp -> 127.0.0.1:9001']);
    expect(portLines(ports, '81')).to.deep.equal(['127.0.0.1:9001']);
    expect(portLines(ports, '81/udp')).to.equal(null);
    expect(networkPorts(['80/tcp', '90/tcp'], ports)).to.deep.equal({
      '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }],
      '81/tcp': [{ HostIp: '127.0.0.1', HostPort: '9001' }],
      '90/tcp': null,
    });
  });
});

describe('IPv4 arithmetic', () => {
  it('addresses, subnets, ranges, MACs', () => {
    expect(intToIp(ipToInt('10.4.0.7'))).to.equal('10.4.0.7');
    expect(formatCidr(parseCidr('10.4.0.1/24'))).to.equal('10.4.0.0/24');
    const s = parseCidr('10.4.0.0/24');
    expect(contains(s, ipToInt('10.4.0.255'))).to.equal(true);
    expect(contains(s, ipToInt('10.4.1.0'))).to.equal(false);
    expect(overlaps(s, parseCidr('10.0.0.0/8'))).to.equal(true);
    expect(overlaps(s, parseCidr('10.4.1.0/24'))).to.equal(false);
    const r = hostRange(parseCidr('10.4.0.0/30'));
    expect([intToIp(r.first), intToIp(r.last)]).to.deep.equal(['10.4.0.1', '10.4.0.2']);
    expect(macForIp('172.17.0.2')).to.equal('02:42:ac:11:00:02');
    expect(() => parseCidr('10.4.0.0')).to.throw('invalid CIDR address: 10.4.0.0');
  });

  it('/proc/net/route', () => {
    const text =
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n' +
      'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n' +
      'docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n';
    expect(parseProcRoutes(text).map(formatCidr)).to.deep.equal(['172.17.0.0/16']);
  });
});

describe('hosts and resolv.conf', () => {
  it("moby's hosts layout: defaults, --add-host, own address, then the network's members", () => {
    const text = hostsFile({
      hostname: 'web',
      ip: '10.4.0.2',
      extraHosts: ['db:10.0.0.5'],
      peers: [{ ip: '10.4.0.3', names: ['api', 'alias'] }],
    });
    const lines = text.trim().split('\n');
    expect(lines[0]).to.equal('127.0.0.1\tlocalhost');
    expect(lines.slice(6)).to.deep.equal([
      '10.0.0.5\tdb',
      '10.4.0.2\tweb',
      '# tsdock: other containers of the network',
      '10.4.0.3\tapi alias',
    ]);
  });

  it('host resolvers minus loopback; --dns/--dns-search/--dns-option replace them', () => {
    const host = 'search corp\nnameserver 127.0.0.53\nnameserver 10.0.0.1\noptions edns0\n';
    expect(buildResolvConf(host, { dns: [], dnsSearch: [], dnsOptions: [] })).to.equal(
      'search corp\nnameserver 10.0.0.1\noptions edns0\n',
    );
    expect(buildResolvConf(host, { dns: ['1.1.1.1'], dnsSearch: [], dnsOptions: ['ndots:2'] })).to.equal(
      'nameserver 1.1.1.1\nsearch corp\noptions ndots:2\n',
    );
    expect(buildResolvConf('nameserver 127.0.0.1\n', { dns: [], dnsSearch: [], dnsOptions: [] })).to.equal(
      'nameserver 8.8.8.8\nnameserver 8.8.4.4\n',
    );
  });
});

describe('iptables rules', () => {
  it('own chains per instance, jumped to once; FORWARD jump inserted first', () => {
    const c = chainsFor('tsdock0');
    expect(c).to.deep.equal({
      nat: 'TSDOCK-NAT',
      post: 'TSDOCK-POST',
      fwd: 'TSDOCK-FWD',
      iso1: 'TSDOCK-ISO1',
      iso2: 'TSDOCK-ISO2',
      out: 'TSDOCK-OUT',
      raw: 'TSDOCK-RAW',
    });
    expect(chainsFor('tsdt1234').nat).to.equal('TSDOCK-tsdt1234-NAT');
    // The longest bridge name (15) still gives chain names iptables accepts (28 characters).
    expect(Object.values(chainsFor('abcdefghijklmno')).every((n) => n.length <= 28)).to.equal(true);
    const text = restoreText(jumpRules(c), '-A', [{ table: 'filter', chain: c.fwd }]);
    expect(text).to.include('*filter\n:TSDOCK-FWD - [0:0]\n-I FORWARD 1 -j TSDOCK-FWD\nCOMMIT\n');
    expect(text).to.include('*raw\n-I PREROUTING 1 -j TSDOCK-RAW\nCOMMIT\n');
    expect(text).to.include('-A OUTPUT -m addrtype --dst-type LOCAL -j TSDOCK-NAT\n');
    expect(restoreText(jumpRules(c), '-D')).to.include('-D FORWARD -j TSDOCK-FWD\n');
  });

  it('isolation first in FWD; each bridge decides its own traffic; the loopback guard', () => {
    const c = chainsFor('tsdock0');
    expect(restoreText(layoutRules(c), '-A')).to.equal(
      '*filter\n' +
        '-I TSDOCK-FWD 1 -j TSDOCK-ISO1\n' +
        '-A TSDOCK-OUT -o docker0 -j RETURN\n' +
        '-A TSDOCK-OUT -o br-+ -j RETURN\n' +
        '-A TSDOCK-OUT -j ACCEPT\n' +
        'COMMIT\n',
    );
    const tag = '-m comment --comment "tsdock:net:br0"';
    const rules = networkRules(c, { bridge: 'br0', subnet: '10.4.0.0/24', internal: false });
    const of = (chain: string) => rules.filter((r) => r.spec.startsWith(`${chain} `)).map((r) => r.spec);
    expect(of(c.iso1)).to.deep.equal([`TSDOCK-ISO1 -i br0 ! -o br0 ${tag} -j TSDOCK-ISO2`]);
    expect(of(c.iso2)).to.deep.equal([`TSDOCK-ISO2 -o br0 ${tag} -j DROP`]);
    expect(of(c.fwd)).to.deep.equal([
      `TSDOCK-FWD -o br0 -m conntrack --ctstate RELATED,ESTABLISHED ${tag} -j ACCEPT`,
      `TSDOCK-FWD -o br0 -m conntrack --ctstate DNAT ${tag} -j ACCEPT`,
      `TSDOCK-FWD -i br0 -o br0 ${tag} -j ACCEPT`,
      `TSDOCK-FWD -o br0 ${tag} -j DROP`,
      `TSDOCK-FWD -i br0 ${tag} -j TSDOCK-OUT`,
    ]);
    expect(of(c.raw)).to.deep.equal([
      `TSDOCK-RAW -d 127.0.0.0/8 -i br0 ${tag} -j DROP`,
      `TSDOCK-RAW -s 127.0.0.0/8 -i br0 ${tag} -j DROP`,
    ]);
    expect(rules.filter((r) => r.table === 'raw').map((r) => r.spec)).to.deep.equal(of(c.raw));
    expect(obsoleteNetworkRules(c, { bridge: 'br0', subnet: '', internal: false })).to.deep.equal([
      { table: 'filter', spec: `TSDOCK-FWD -i br0 ${tag} -j ACCEPT` },
    ]);
  });

  it('an internal network: cut off both ways in ISO1, no NAT, members to each other', () => {
    const c = chainsFor('tsdock0');
    const tag = '-m comment --comment "tsdock:net:br1"';
    const rules = networkRules(c, { bridge: 'br1', subnet: '10.5.0.0/24', internal: true });
    expect(rules.some((r) => r.table === 'nat')).to.equal(false);
    expect(rules.filter((r) => r.table === 'filter').map((r) => r.spec)).to.deep.equal([
      `TSDOCK-ISO1 -i br1 ! -o br1 ${tag} -j DROP`,
      `TSDOCK-ISO1 ! -i br1 -o br1 ${tag} -j DROP`,
      `TSDOCK-ISO2 -o br1 ${tag} -j DROP`,
      `TSDOCK-FWD -i br1 -o br1 ${tag} -j ACCEPT`,
    ]);
  });

  it('DNAT rules in iptables-save form, recognised in a dump', () => {
    const c = chainsFor('tsdock0');
    const rules = portRules(c, 'abcdef0123456789', '10.4.0.2', [
      { containerPort: 80, proto: 'tcp', hostIp: '127.0.0.1', hostPort: 8080 },
      { containerPort: 53, proto: 'udp', hostIp: '', hostPort: 5353 },
      { containerPort: 81, proto: 'tcp', hostIp: '::1', hostPort: 8081 },
    ]);
    expect(rules.map((r) => r.spec)).to.deep.equal([
      'TSDOCK-NAT -d 127.0.0.1/32 -p tcp -m tcp --dport 8080 -m comment --comment "tsdock:abcdef012345" -j DNAT --to-destination 10.4.0.2:80',
      'TSDOCK-NAT -p udp -m udp --dport 5353 -m comment --comment "tsdock:abcdef012345" -j DNAT --to-destination 10.4.0.2:53',
    ]);
    const dump = `*nat\n:TSDOCK-NAT - [0:0]\n-A ${rules[0]!.spec}\nCOMMIT\n`;
    const saved = savedRules(dump);
    expect(saved.chains.has('nat TSDOCK-NAT')).to.equal(true);
    expect(saved.rules.has(`nat ${rules[0]!.spec}`)).to.equal(true);
    expect(splitSpec(rules[0]!.spec)).to.include('tsdock:abcdef012345');
  });

  it("a Service port: a jump on the host port into its own chain, kube-proxy's random split there", () => {
    const c = chainsFor('tsdt1234');
    const chain = serviceChain(c, 'abcdef0123456789abcdef');
    // iptables' limit is 28 characters; the instance's prefix keeps a run's chains recognisable.
    expect(chain).to.equal('TSDOCK-tsdt1234-Sabcdef01234');
    expect(chain.length).to.equal(28);
    expect(serviceChain(chainsFor('tsdock0'), 'ab'.repeat(16))).to.equal(`TSDOCK-S${'ab'.repeat(10)}`);
    expect(serviceChain(chainsFor('abcdefghijklmno'), 'abcdef').length).to.be.at.most(28);
    expect(
      serviceJump(c, 'web', { proto: 'tcp', hostPort: 8080, hostIp: '', containerPort: 0 }, chain).spec,
    ).to.equal(
      `TSDOCK-tsdt1234-NAT -p tcp -m tcp --dport 8080 -m comment --comment "tsdock:svc:web" -j ${chain}`,
    );
    const three = ['10.1.0.2', '10.1.0.3', '10.1.0.4'].map((ip) => ({ ip, port: 80 }));
    expect(serviceRules(chain, 'web', 'tcp', three).map((r) => r.spec)).to.deep.equal([
      `${chain} -p tcp -m comment --comment "tsdock:svc:web" -m statistic --mode random --probability 0.3333333333 -j DNAT --to-destination 10.1.0.2:80`,
      `${chain} -p tcp -m comment --comment "tsdock:svc:web" -m statistic --mode random --probability 0.5000000000 -j DNAT --to-destination 10.1.0.3:80`,
      `${chain} -p tcp -m comment --comment "tsdock:svc:web" -j DNAT --to-destination 10.1.0.4:80`,
    ]);
    expect(serviceRules(chain, 'web', 'udp', [])).to.deep.equal([]);
    // Declared in the same restore: created, or emptied under --noflush, then filled.
    expect(
      restoreText(serviceRules(chain, 'web', 'udp', [{ ip: '10.1.0.9', port: 53 }]), '-A', [
        { table: 'nat', chain },
      ]),
    ).to.equal(
      `*nat\n:${chain} - [0:0]\n-A ${chain} -p udp -m comment --comment "tsdock:svc:web" -j DNAT --to-destination 10.1.0.9:53\nCOMMIT\n`,
    );
  });
});
