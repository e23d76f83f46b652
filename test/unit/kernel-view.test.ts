import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConflictError, UsageError } from '../../src/runtime/errors.js';
import { parseContainerOptions, type RunFlags } from '../../src/runtime/opts/container.js';
import { buildSpec, serializeSpec, type SpecInput } from '../../src/runtime/spec/build.js';
import { linuxResources } from '../../src/runtime/spec/resources.js';
import {
  cgroupWrites,
  containerCgroupPath,
  expectedCgroupFiles,
  hostCgroupFile,
} from '../../src/runtime/cgroups/files.js';
import { bridgeSteps, plugSteps } from '../../src/runtime/network/links.js';
import { endpointRecord, vethOf, type SetupInput } from '../../src/runtime/network/endpoint.js';
import { Ipam, PreviewClaims } from '../../src/runtime/network/ipam.js';
import { networkOptions, previewNetwork } from '../../src/runtime/network/define.js';
import { parseCidr } from '../../src/runtime/network/addr.js';
import { base, type NetworkRecord } from '../../src/runtime/network/networks.js';
import {
  cgroupOf,
  mountsOf,
  namespacesOf,
  networkOf,
  preparedMount,
  rootfsOf,
  seccompProfile,
  securityOf,
  specDocument,
} from '../../src/runtime/container/kernel-view.js';
import {
  readableJson,
  renderKernelView,
  explainLayout,
  planLayout,
  type KernelView,
} from '../../src/runtime/format/kernel.js';
import { goJson } from '../../src/runtime/format/gofmt.js';
import { planMounts, specMounts } from '../../src/runtime/volumes/mounts.js';
import { planOnly } from '../../src/runtime/verbs/container/plan.js';
import type { RuntimeContext } from '../../src/runtime/context.js';

const host = { cpus: 8, memTotal: 8 * 1024 ** 3 };
const ID = 'abcdef0123456789'.repeat(4);

function spec(flags: RunFlags, over: Partial<SpecInput> = {}) {
  const opts = parseContainerOptions({ image: 'busybox', ...flags }, {}, host);
  return buildSpec({
    id: ID,
    opts,
    image: { config: { Cmd: ['sh'] } },
    user: { uid: 0, gid: 0, additionalGids: [] },
    hostname: 'h',
    cgroupsPath: containerCgroupPath(opts.cgroupParent, ID),
    cgroupVersion: 1,
    netnsPath: '/run/netns/tsdock0-abcdef012345',
    deviceNumbers: () => ({ major: 8, minor: 0 }),
    ...over,
  });
}

const ctx = { config: { bridge: 'tsdock0' } } as unknown as RuntimeContext;

/** A small dry run's view, for the layouts and --format. */
function kernelViewStub(): KernelView {
  return {
    DryRun: true,
    Container: { Id: ID, Name: 'n', Hostname: 'h', Image: 'busybox', ImageId: '' },
    Namespaces: [],
    Cgroup: {
      Version: 1,
      Path: '/tsdock/x',
      Dir: '/sys/fs/cgroup/<controller>/tsdock/x',
      Files: [],
      Devices: [],
    },
    Rootfs: null,
    Mounts: [],
    Security: securityOf(spec({}), [], false),
    Network: { Mode: 'none', Netns: 'new', Ports: [], Routes: [], Steps: [], Iptables: [] },
    Spec: {},
    Notes: [],
  };
}

function bridgeNet(): NetworkRecord {
  const n = base('bridge', 'bridge');
  n.IPAM.Config = [{ Subnet: '10.4.0.0/24', Gateway: '10.4.0.1' }];
  n.Options = { 'com.docker.network.bridge.name': 'tsdock0' };
  return n;
}

function setup(over: Partial<SetupInput> = {}): SetupInput {
  return {
    id: ID,
    name: 'web',
    containerDir: '/d',
    net: bridgeNet(),
    netns: 'tsdock0-abcdef012345',
    hostname: 'h',
    aliases: [],
    bindings: {},
    extraHosts: [],
    hostsPath: '/d/hosts',
    ...over,
  };
}

describe('kernel view: cgroup files on the host', () => {
  const res = linuxResources(
    parseContainerOptions({ image: 'x', memory: '256m', cpus: '0.5' }, {}, host).resources,
  );

  it('the cgroup path: the parent (default /tsdock) joined with the id', () => {
    expect(containerCgroupPath(undefined, 'c1')).to.equal('/tsdock/c1');
    expect(containerCgroupPath('/ci/jobs/', 'c1')).to.equal('/ci/jobs/c1');
  });

  it('v1: one hierarchy per controller, the path under its root', () => {
    expect(hostCgroupFile('memory/memory.limit_in_bytes', '/tsdock/c1', 1)).to.equal(
      '/sys/fs/cgroup/memory/tsdock/c1/memory.limit_in_bytes',
    );
    const writes = cgroupWrites(res, '/tsdock/c1', 1);
    expect(writes).to.deep.include({
      key: 'cpu/cpu.cfs_quota_us',
      path: '/sys/fs/cgroup/cpu/tsdock/c1/cpu.cfs_quota_us',
      value: '50000',
    });
    expect(writes.map((w) => w.key)).to.deep.equal(Object.keys(expectedCgroupFiles(res, 1)));
  });

  it('v2: the unified directory', () => {
    expect(cgroupWrites(res, '/tsdock/c1', 2)).to.deep.include.members([
      { key: 'memory.max', path: '/sys/fs/cgroup/tsdock/c1/memory.max', value: '268435456' },
      { key: 'cpu.max', path: '/sys/fs/cgroup/tsdock/c1/cpu.max', value: '50000 100000' },
    ]);
  });

  it("cgroupOf reads the spec's path, resources and device rules; with a reader, what each file holds", () => {
    const s = spec({ memory: '256m' });
    const c = cgroupOf(s, 1, (p) => (p.endsWith('memory.limit_in_bytes') ? '268435456' : undefined));
    expect(c.Path).to.equal(`/tsdock/${ID}`);
    expect(c.Dir).to.equal(`/sys/fs/cgroup/<controller>/tsdock/${ID}`);
    expect(c.Files[0]).to.deep.equal({
      Key: 'memory/memory.limit_in_bytes',
      Path: `/sys/fs/cgroup/memory/tsdock/${ID}/memory.limit_in_bytes`,
      Value: '268435456',
      Read: '268435456',
    });
    expect(c.Devices[0]).to.equal('deny a *:* rwm');
    expect(c.Devices).to.include('allow c 1:3 rwm');
  });
});

describe('kernel view: namespaces', () => {
  it("new, the container's own netns file, another's, the host's", () => {
    const own = spec({});
    const ns = namespacesOf(own, { own: ['/run/netns/tsdock0-abcdef012345'] });
    expect(ns.map((n) => `${n.Type}:${n.Mode}`)).to.deep.equal([
      'mnt:new',
      'uts:new',
      'ipc:new',
      'pid:new',
      'net:new',
      'cgroup:host',
      'user:host',
      'time:host',
    ]);
    const joined = namespacesOf(spec({}, { netnsPath: '/proc/42/ns/net' }));
    expect(joined.find((n) => n.Type === 'net')).to.deep.equal({
      Type: 'net',
      Mode: 'joined',
      Path: '/proc/42/ns/net',
    });
    expect(
      namespacesOf(spec({ network: 'host' }, { netnsPath: undefined })).find((n) => n.Type === 'net')!.Mode,
    ).to.equal('host');
    expect(namespacesOf(spec({ cgroupns: 'private' })).find((n) => n.Type === 'cgroup')!.Mode).to.equal(
      'new',
    );
  });

  it("live ids: one equal to tsdock's own is the host's, whatever the spec says", () => {
    const ns = namespacesOf(spec({}), {
      live: { pid: 'pid:[2]', uts: 'uts:[1]' },
      host: { pid: 'pid:[1]', uts: 'uts:[1]' },
    });
    expect(ns.find((n) => n.Type === 'pid')).to.include({ Mode: 'new', Id: 'pid:[2]' });
    expect(ns.find((n) => n.Type === 'uts')).to.include({ Mode: 'host', Id: 'uts:[1]' });
  });
});

describe('kernel view: the union filesystem', () => {
  it('prepared on layers: index=off where the kernel has it, work, upper, lower top first', () => {
    const m = preparedMount(
      '/root/ovl',
      ['/root/ovl/snapshots/3/fs', '/root/ovl/snapshots/1/fs'],
      '<new>',
      true,
    );
    expect(m).to.deep.equal({
      type: 'overlay',
      source: 'overlay',
      options: [
        'index=off',
        'workdir=/root/ovl/snapshots/<new>/work',
        'upperdir=/root/ovl/snapshots/<new>/fs',
        'lowerdir=/root/ovl/snapshots/3/fs:/root/ovl/snapshots/1/fs',
      ],
    });
    const r = rootfsOf({
      key: ID,
      parent: 'sha256:b',
      chain: ['sha256:b', 'sha256:a'],
      mount: m,
      readOnly: false,
    });
    expect(r).to.deep.include({
      Type: 'overlay',
      LowerDir: ['/root/ovl/snapshots/3/fs', '/root/ovl/snapshots/1/fs'],
      UpperDir: '/root/ovl/snapshots/<new>/fs',
      WorkDir: '/root/ovl/snapshots/<new>/work',
    });
    expect(r.Chain).to.deep.equal([
      { Name: 'sha256:b', Dir: '/root/ovl/snapshots/3/fs' },
      { Name: 'sha256:a', Dir: '/root/ovl/snapshots/1/fs' },
    ]);
  });

  it('no layers: a bind mount of the new snapshot', () => {
    const r = rootfsOf({
      key: ID,
      parent: '',
      chain: [],
      mount: preparedMount('/r', [], '7', false),
      readOnly: true,
    });
    expect(r).to.deep.include({ Type: 'bind', UpperDir: '/r/snapshots/7/fs', LowerDir: [], ReadOnly: true });
  });
});

describe('kernel view: mounts', () => {
  it("the container's own mounts say what they are; a dry run's new volumes and copy-ups are marked", () => {
    const points = planMounts(
      {
        binds: ['/srv/www:/www:ro', 'data:/data'],
        volumes: ['/anon'],
        mounts: [],
        tmpfs: ['/t'],
        volumesFrom: [],
      },
      () => true,
    ).map((m) =>
      m.Type === 'volume'
        ? { ...m, Name: m.Name || 'f'.repeat(64), Source: `/vols/${m.Name || 'f'.repeat(64)}/_data` }
        : m,
    );
    const s = spec(
      { tmpfs: ['/t'] },
      {
        mounts: specMounts(points),
        etcFiles: { hosts: '/d/hosts', resolvConf: '/d/resolv.conf', hostname: '/d/hostname' },
      },
    );
    const all = mountsOf(s, { points, tmpfs: ['/t'], made: ['f'.repeat(64)], copyUp: ['/anon'] });
    const at = (d: string) => all.find((m) => m.Destination === d)!;
    expect(at('/proc')).to.not.have.property('Origin');
    expect(at('/etc/hosts')).to.not.have.property('Origin');
    expect(at('/www')).to.deep.equal({
      Destination: '/www',
      Type: 'bind',
      Source: '/srv/www',
      Options: ['rbind', 'ro', 'rprivate'],
      Origin: 'bind',
    });
    expect(at('/data')).to.deep.include({ Origin: 'volume', Volume: 'data', Source: '/vols/data/_data' });
    expect(at('/data')).to.not.have.property('NewVolume');
    expect(at('/anon')).to.deep.include({
      Origin: 'volume',
      Volume: 'f'.repeat(64),
      NewVolume: true,
      CopyUp: true,
    });
    expect(at('/t')).to.deep.include({ Origin: 'tmpfs', Type: 'tmpfs' });
    // The spec's mounts, all of them, in the spec's order.
    expect(all.map((m) => m.Destination)).to.deep.equal(s.mounts.map((m) => m.destination));

    const view = { ...kernelViewStub(), Mounts: all };
    const text = planLayout(view);
    expect(text).to.include(
      `/vols/${'f'.repeat(64)}/_data  (volume ${'f'.repeat(64)} (made by create, filled from`,
    );
    expect(text).to.match(/\n {2}\/www +bind +rbind,ro,rprivate +\/srv\/www {2}\(bind\)\n/);
    const own = explainLayout(view).split('\nVolumes, binds and tmpfs\n')[1]!.split('\n\n')[0]!;
    expect(own.split('\n').map((l) => l.trim().split(/ +/)[0])).to.deep.equal([
      '/t',
      '/www',
      '/data',
      '/anon',
    ]);
    expect(explainLayout({ ...view, Mounts: mountsOf(s) })).to.include(
      'Volumes, binds and tmpfs\n  none: only the defaults',
    );
  });
});

describe('kernel view: network', () => {
  it('the veth steps plugContainer runs, for a new, a fresh and an existing namespace', () => {
    const v = {
      netns: 'ns1',
      hostIf: 'vethabc',
      bridge: 'tsdock0',
      mac: '02:42:0a:04:00:02',
      ip: '10.4.0.2',
      prefix: 24,
      gateway: '10.4.0.1',
      alias: 'tsdock:abc',
      ifName: 'eth0',
    };
    expect(plugSteps({ ...v, newNetns: true })).to.deep.equal({
      host: [
        'netns add ns1',
        'link add name vethabc type veth peer name eth0 netns ns1 address 02:42:0a:04:00:02',
        'link set vethabc alias tsdock:abc',
        'link set vethabc master tsdock0 up',
        'link set vethabc type bridge_slave hairpin on',
      ],
      inNetns: [
        'link set lo up',
        'addr add 10.4.0.2/24 dev eth0',
        'link set eth0 up',
        'route add default via 10.4.0.1',
      ],
    });
    expect(plugSteps({ ...v, newNetns: false, freshNetns: true }).host[0]).to.match(/^link add/);
    const further = plugSteps({ ...v, gateway: undefined, ifName: 'eth1', newNetns: false });
    expect(further.inNetns).to.deep.equal(['addr add 10.4.0.2/24 dev eth1', 'link set eth1 up']);
  });

  it('the endpoint record and veth input: names from the id, DNAT rules from portRules', () => {
    const ports = [{ containerPort: 80, proto: 'tcp', hostIp: '', hostPort: 8080 }];
    const ep = endpointRecord(ctx, setup(), { endpointId: 'e1', ip: '10.4.0.2', ports });
    expect(ep).to.deep.include({
      hostIf: 'vethabcdef01234',
      mac: '02:42:0a:04:00:02',
      ifName: 'eth0',
      prefix: 24,
    });
    expect(ep.rules.map((r) => r.spec)).to.deep.equal([
      'TSDOCK-NAT -p tcp -m tcp --dport 8080 -m comment --comment "tsdock:abcdef012345" -j DNAT --to-destination 10.4.0.2:80',
    ]);
    const v = vethOf(ep);
    expect(v).to.deep.include({
      newNetns: false,
      freshNetns: true,
      gateway: '10.4.0.1',
      alias: 'tsdock:abcdef012345',
    });

    const n = networkOf('bridge', spec({}), { endpoint: ep, veth: v, preview: true });
    expect(n).to.deep.include({
      Netns: '/run/netns/tsdock0-abcdef012345',
      Bridge: 'tsdock0',
      HostVeth: 'vethabcdef01234',
      IPAddress: '10.4.0.2/24',
      Preview: true,
    });
    expect(n.Routes).to.deep.equal([
      'default via 10.4.0.1 dev eth0',
      '10.4.0.0/24 dev eth0 proto kernel scope link src 10.4.0.2',
    ]);
    expect(n.Steps[0]).to.equal('ip netns add tsdock0-abcdef012345');
    expect(n.Steps.at(-1)).to.equal('ip -n tsdock0-abcdef012345 route add default via 10.4.0.1');
    expect(n.Iptables).to.deep.equal([`-t nat -A ${ep.rules[0]!.spec}`]);

    const internal = bridgeNet();
    internal.Internal = true;
    const ep2 = endpointRecord(ctx, setup({ net: internal }), {
      endpointId: 'e2',
      ip: '10.4.0.3',
      ports: [],
    });
    expect(vethOf(ep2).gateway).to.equal(undefined);
  });

  it('host and none: no endpoint, the namespace from the spec', () => {
    expect(networkOf('host', spec({ network: 'host' }, { netnsPath: undefined })).Netns).to.equal('');
    expect(networkOf('none', spec({ network: 'none' }, { netnsPath: undefined })).Netns).to.match(
      /^new, made by runc/,
    );
  });
});

describe('kernel view: previews reserve nothing', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'tsdock-ipam-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const net = { id: 'n1', name: 'bridge', subnet: parseCidr('10.4.0.0/24'), gateway: '10.4.0.1' };
  const owner = { id: 'c1', pid: process.pid };

  it('the address allocateIp gives next, without a lease or even its directory', async () => {
    const ipam = new Ipam(root);
    expect(await ipam.previewIp(net)).to.equal('10.4.0.2');
    expect(existsSync(join(root, 'leases'))).to.equal(false);
    expect(await ipam.allocateIp(net, owner)).to.equal('10.4.0.2');
    expect(await ipam.previewIp(net)).to.equal('10.4.0.3');
    expect(readdirSync(ipam.leaseDir('n1'))).to.deep.equal(['10.4.0.2']);
  });

  it('the same errors: a taken or foreign address', async () => {
    const ipam = new Ipam(root);
    await ipam.allocateIp(net, owner, '10.4.0.9');
    const fail = async (p: Promise<unknown>) =>
      p.then(
        () => expect.fail('expected an error'),
        (e: Error) => e,
      );
    const taken = await fail(ipam.previewIp(net, '10.4.0.9'));
    expect(taken).to.be.instanceOf(ConflictError);
    expect(taken.message).to.equal('Error response from daemon: Address already in use');
    expect((await fail(ipam.previewIp(net, '10.9.0.9'))).message).to.include('no configured subnet');
  });

  it('ports: a held one fails as allocatePorts does; one port twice in a request too; nothing is written', async () => {
    const ipam = new Ipam(root);
    mkdirSync(ipam.portDir, { recursive: true });
    writeFileSync(ipam.portFile({ proto: 'tcp', hostPort: 40123 }), JSON.stringify(owner));
    const msg = (e: unknown) => (e as Error).message;
    const held = await ipam.previewPorts({ '80/tcp': [{ HostIp: '', HostPort: '40123' }] }).catch(msg);
    expect(held).to.equal('Bind for 0.0.0.0:40123 failed: port is already allocated');
    const twice = await ipam
      .previewPorts({
        '80/tcp': [{ HostIp: '', HostPort: '40124' }],
        '81/tcp': [{ HostIp: '', HostPort: '40124' }],
      })
      .catch(msg);
    expect(twice).to.equal('Bind for 0.0.0.0:40124 failed: port is already allocated');
    const free = await ipam.previewPorts({ '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '40125' }] });
    expect(free).to.deep.equal([{ containerPort: 80, proto: 'tcp', hostIp: '127.0.0.1', hostPort: 40125 }]);
    expect(readdirSync(ipam.portDir)).to.deep.equal(['tcp-40123']);
  });
});

describe('kernel view: one dry run plans on what its earlier plans took', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'tsdock-draft-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const net = { id: 'n1', name: 'p_default', subnet: parseCidr('10.5.0.0/24'), gateway: '10.5.0.1' };

  it('addresses and ports: shared claims give the next ones, as allocations one after the other would', async () => {
    const ipam = new Ipam(root);
    const claims = new PreviewClaims();
    expect(await ipam.previewIp(net, undefined, claims)).to.equal('10.5.0.2');
    expect(await ipam.previewIp(net, undefined, claims)).to.equal('10.5.0.3');
    await ipam.previewIp(net, '10.5.0.3', claims).then(
      () => expect.fail('expected an error'),
      (e: Error) => expect(e.message).to.equal('Error response from daemon: Address already in use'),
    );
    const p = { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '40131' }] };
    await ipam.previewPorts(p, claims);
    const again = await ipam.previewPorts(p, claims).catch((e: Error) => e.message);
    expect(again).to.equal('Bind for 127.0.0.1:40131 failed: port is already allocated');
    // Without the draft each preview stands alone.
    expect(await ipam.previewIp(net)).to.equal('10.5.0.2');
    expect(readdirSync(root)).to.deep.equal([]);
  });

  it("networks: network create's choices, the planned ones counted as existing, nothing written", async () => {
    const c = {
      config: { bridge: 'tsdock0' },
      globals: { dataRoot: root },
      stdio: { stderr: process.stderr },
    } as unknown as RuntimeContext;
    const o = networkOptions;
    const planned: NetworkRecord[] = [];
    const a = await previewNetwork(c, o('a'), planned);
    planned.push(a);
    const b = await previewNetwork(c, o('b'), planned);
    planned.push(b);
    const [sa, sb] = [a, b].map((n) => parseCidr(n.IPAM.Config[0]!.Subnet));
    expect(sb!.base).to.be.greaterThan(sa!.base);
    expect(b.IPAM.Config[0]!.Gateway).to.equal(b.IPAM.Config[0]!.Subnet.replace(/\.0\/24$/, '.1'));
    const given = await previewNetwork(
      c,
      o('c', { subnet: ['172.31.9.0/24'], gateway: ['172.31.9.254'], internal: true }),
      planned,
    );
    expect(given.IPAM.Config).to.deep.equal([{ Subnet: '172.31.9.0/24', Gateway: '172.31.9.254' }]);
    expect(given.Internal).to.equal(true);
    const fail = (p: Promise<unknown>) =>
      p.then(
        () => 'no error',
        (e: Error) => e.message,
      );
    expect(await fail(previewNetwork(c, o('a'), planned))).to.equal(
      'Error response from daemon: network with name a already exists',
    );
    expect(await fail(previewNetwork(c, o('d', { subnet: [a.IPAM.Config[0]!.Subnet] }), planned))).to.equal(
      'Error response from daemon: Pool overlaps with other one on this address space',
    );
    expect(
      await fail(previewNetwork(c, o('e', { options: ['com.docker.network.driver.mtu=x'] }), [])),
    ).to.match(/failed to parse com.docker.network.driver.mtu value: x/);
    expect(readdirSync(root)).to.deep.equal([]);
  });

  it("the bridge's steps, as createBridge runs them", () => {
    expect(bridgeSteps({ bridge: 'br-1', gateway: '10.5.0.1', prefix: 24, mtu: 1400 })).to.deep.equal({
      ip: ['link add name br-1 mtu 1400 type bridge', 'addr add 10.5.0.1/24 dev br-1', 'link set br-1 up'],
      sysctls: [
        ['net/ipv4/conf/br-1/route_localnet', '1'],
        ['net/ipv4/ip_forward', '1'],
      ],
    });
  });
});

describe('kernel view: security and the spec', () => {
  it('seccomp: default, custom (seccomp=FILE), unconfined (none in the spec)', () => {
    const s = spec({});
    expect(seccompProfile(s, [])).to.equal('default');
    expect(seccompProfile(s, ['seccomp=builtin'])).to.equal('default');
    expect(seccompProfile(s, ['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}'])).to.equal('custom');
    expect(seccompProfile(spec({ securityOpt: ['seccomp=unconfined'] }), ['seccomp=unconfined'])).to.equal(
      'unconfined',
    );
    const sec = securityOf(s, [], false);
    expect(sec.Capabilities.Bounding).to.include('CAP_CHOWN');
    expect(sec.MaskedPaths).to.include('/proc/kcore');
    expect(sec.Seccomp.DefaultAction).to.equal('SCMP_ACT_ERRNO');
  });

  it('the spec document: the JSON containerd stores, RLIM_INFINITY exact', () => {
    const s = spec({ ulimit: ['core=-1'] });
    expect(goJson(specDocument(s))).to.equal(serializeSpec(s));
    const readable = readableJson(specDocument(s));
    expect(readable).to.include('18446744073709551615');
    expect(JSON.parse(readable.replace(/18446744073709551615/g, '-1'))).to.deep.equal(
      JSON.parse(JSON.stringify(s)),
    );
  });

  it('--format: json is one document, a template reads its fields; --format needs --dry-run', () => {
    const view = kernelViewStub();
    expect(JSON.parse(renderKernelView(view, 'json', planLayout))).to.deep.include({
      DryRun: true,
      Rootfs: null,
    });
    expect(renderKernelView(view, '{{.Cgroup.Path}} {{.Container.Name}}', planLayout)).to.equal(
      '/tsdock/x n\n',
    );
    expect(renderKernelView(view, undefined, planLayout)).to.match(/^Dry run: nothing was created/);
    expect(() => planOnly({ format: 'json' })).to.throw(UsageError, '--format needs --dry-run');
    expect(planOnly({ dryRun: true, format: 'json' })).to.equal(true);
    expect(planOnly({})).to.equal(false);
  });
});
