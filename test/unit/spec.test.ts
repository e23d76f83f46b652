import { expect } from 'chai';
import { UsageError } from '../../src/runtime/errors.js';
import { parseContainerOptions, type RunFlags } from '../../src/runtime/opts/container.js';
import { buildSpec, processEnv, serializeSpec, type SpecInput } from '../../src/runtime/spec/build.js';
import { defaultCapabilities } from '../../src/runtime/opts/caps.js';

const host = { cpus: 8, memTotal: 8 * 1024 ** 3 };
const busybox = { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] };

function spec(flags: RunFlags, over: Partial<SpecInput> = {}, image: object = busybox) {
  const opts = parseContainerOptions({ image: 'busybox', ...flags }, {}, host);
  return buildSpec({
    id: 'c1',
    opts,
    image: { config: image },
    user: { uid: 0, gid: 0, additionalGids: [0, 10] },
    hostname: 'c1host',
    cgroupsPath: '/tsdock/c1',
    cgroupVersion: 1,
    netnsPath: '/run/netns/c1',
    deviceNumbers: () => ({ major: 8, minor: 0 }),
    ...over,
  });
}

describe('spec: command resolution (daemon merge)', () => {
  const image = { Entrypoint: ['/entry'], Cmd: ['default'] };
  it('image entrypoint + image cmd', () => {
    expect(spec({}, {}, image).process.args).to.deep.equal(['/entry', 'default']);
  });
  it('user args replace the image cmd, keep the entrypoint', () => {
    expect(spec({ args: ['a', 'b'] }, {}, image).process.args).to.deep.equal(['/entry', 'a', 'b']);
  });
  it('--entrypoint replaces the entrypoint and drops the image cmd', () => {
    expect(spec({ entrypoint: '/bin/echo' }, {}, image).process.args).to.deep.equal(['/bin/echo']);
    expect(spec({ entrypoint: '/bin/echo', args: ['hi'] }, {}, image).process.args).to.deep.equal([
      '/bin/echo',
      'hi',
    ]);
  });
  it('--entrypoint "" resets and does not inherit Cmd', () => {
    expect(spec({ entrypoint: '', args: ['ls'] }, {}, image).process.args).to.deep.equal(['ls']);
    expect(() => spec({ entrypoint: '' }, {}, image)).to.throw(UsageError, 'no command specified');
  });
  it('an image with nothing to run and no args', () => {
    expect(() => spec({}, {}, { Env: [] })).to.throw(UsageError, 'no command specified');
  });
  it('--init wraps the command with docker-init', () => {
    const s = spec({ init: true }, { initBinary: '/usr/bin/tini' });
    expect(s.process.args).to.deep.equal(['/sbin/docker-init', '--', 'sh']);
    expect(s.mounts.at(-1)).to.deep.equal({
      destination: '/sbin/docker-init',
      type: 'bind',
      source: '/usr/bin/tini',
      options: ['bind', 'ro'],
    });
  });
});

describe('spec: environment and cwd', () => {
  it('PATH default, HOSTNAME, TERM with a tty, image then user values', () => {
    expect(processEnv([], 'h', false)).to.deep.equal([
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'HOSTNAME=h',
    ]);
    const s = spec(
      { env: ['FOO=bar', 'PATH=/x'], tty: true },
      {},
      { Env: ['PATH=/img', 'IMG=1'], Cmd: ['sh'] },
    );
    expect(s.process.env).to.deep.equal(['PATH=/x', 'HOSTNAME=c1host', 'TERM=xterm', 'FOO=bar', 'IMG=1']);
    expect(s.process.terminal).to.equal(true);
  });
  it('a bare KEY removes the image value', () => {
    const s = spec({ env: ['IMG'] }, {}, { Env: ['IMG=1', 'KEEP=1'], Cmd: ['sh'] });
    expect(s.process.env).to.deep.equal([
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'HOSTNAME=c1host',
      'KEEP=1',
    ]);
  });
  it('cwd: --workdir, else image WorkingDir, else /', () => {
    expect(spec({}).process.cwd).to.equal('/');
    expect(spec({}, {}, { Cmd: ['sh'], WorkingDir: '/srv' }).process.cwd).to.equal('/srv');
    expect(spec({ workdir: '/app' }, {}, { Cmd: ['sh'], WorkingDir: '/srv' }).process.cwd).to.equal('/app');
  });
});

describe('spec: defaults like Docker', () => {
  const s = spec({});
  it('root, user, hostname', () => {
    expect(s.root).to.deep.equal({ path: 'rootfs', readonly: false });
    expect(s.process.user).to.deep.equal({ uid: 0, gid: 0, additionalGids: [0, 10] });
    expect(s.hostname).to.equal('c1host');
    expect(s.linux.cgroupsPath).to.equal('/tsdock/c1');
  });
  it('namespaces: mount, network (joined), uts, pid, ipc; no cgroup ns on v1', () => {
    expect(s.linux.namespaces).to.deep.equal([
      { type: 'mount' },
      { type: 'network', path: '/run/netns/c1' },
      { type: 'uts' },
      { type: 'pid' },
      { type: 'ipc' },
    ]);
  });
  it('network host shares the host stack; cgroupns private / v2 adds a cgroup namespace', () => {
    const h = spec({ network: 'host' }, { netnsPath: undefined, cgroupVersion: 2 });
    expect(h.linux.namespaces.map((n) => n.type)).to.deep.equal(['mount', 'uts', 'pid', 'ipc', 'cgroup']);
    expect(h.linux.sysctl).to.equal(undefined);
    expect(spec({ cgroupns: 'private' }).linux.namespaces.at(-1)).to.deep.equal({ type: 'cgroup' });
    expect(spec({}, { netnsPath: undefined }).linux.namespaces[1]).to.deep.equal({ type: 'network' });
  });
  it('mounts: proc, dev, devpts, sys, cgroup, mqueue, shm sized by --shm-size', () => {
    expect(s.mounts.map((m) => [m.destination, m.type])).to.deep.equal([
      ['/proc', 'proc'],
      ['/dev', 'tmpfs'],
      ['/dev/pts', 'devpts'],
      ['/sys', 'sysfs'],
      ['/sys/fs/cgroup', 'cgroup'],
      ['/dev/mqueue', 'mqueue'],
      ['/dev/shm', 'tmpfs'],
    ]);
    expect(s.mounts.find((m) => m.destination === '/sys')?.options).to.include('ro');
    expect(s.mounts.find((m) => m.destination === '/dev/shm')?.options).to.include('size=67108864');
    expect(spec({ shmSize: '128m' }).mounts.find((m) => m.destination === '/dev/shm')?.options).to.include(
      'size=134217728',
    );
  });
  it('etc files are bind-mounted, read-only with --read-only', () => {
    const e = spec(
      { readOnly: true },
      { etcFiles: { hosts: '/s/hosts', resolvConf: '/s/resolv.conf', hostname: '/s/hostname' } },
    );
    expect(e.root.readonly).to.equal(true);
    expect(e.mounts.filter((m) => m.type === 'bind')).to.deep.equal([
      {
        destination: '/etc/hostname',
        type: 'bind',
        source: '/s/hostname',
        options: ['rbind', 'rprivate', 'ro'],
      },
      { destination: '/etc/hosts', type: 'bind', source: '/s/hosts', options: ['rbind', 'rprivate', 'ro'] },
      {
        destination: '/etc/resolv.conf',
        type: 'bind',
        source: '/s/resolv.conf',
        options: ['rbind', 'rprivate', 'ro'],
      },
    ]);
  });
  it('volumes and binds go after the defaults, parents first, writable under --read-only', () => {
    const s = spec(
      { readOnly: true, volume: ['/h:/c/deep:ro', 'v:/c'], tmpfs: ['/c/deep/t'] },
      {
        etcFiles: { hosts: '/s/hosts', resolvConf: '/s/resolv.conf' },
        mounts: {
          binds: [
            { destination: '/c/deep', type: 'bind', source: '/h', options: ['rbind', 'ro', 'rprivate'] },
            { destination: '/c', type: 'bind', source: '/vols/v/_data', options: ['rbind'] },
            { destination: '/etc/hosts', type: 'bind', source: '/mine', options: ['rbind', 'rprivate'] },
          ],
          tmpfs: { '/m': 'size=1m' },
          rootfsPropagation: 'rslave',
        },
      },
    );
    const own = s.mounts.slice(s.mounts.findIndex((m) => m.destination === '/dev/shm') + 1);
    expect(own.map((m) => [m.destination, m.source])).to.deep.equal([
      ['/m', 'tmpfs'],
      ['/c', '/vols/v/_data'],
      ['/c/deep', '/h'],
      ['/etc/hosts', '/mine'],
      ['/c/deep/t', 'tmpfs'],
      ['/etc/resolv.conf', '/s/resolv.conf'],
    ]);
    // --read-only: the root and the defaults read-only, the user's mounts as they asked.
    expect(own.find((m) => m.destination === '/c')!.options).to.deep.equal(['rbind']);
    expect(own.find((m) => m.destination === '/etc/hosts')!.options).to.deep.equal(['rbind', 'rprivate']);
    expect(s.linux.rootfsPropagation).to.equal('rslave');
  });
  it('a user mount over /dev takes the place of every default under /dev', () => {
    const s = spec(
      {},
      {
        mounts: {
          binds: [{ destination: '/dev', type: 'bind', source: '/dev', options: ['rbind'] }],
          tmpfs: {},
        },
      },
    );
    expect(s.mounts.filter((m) => m.destination.startsWith('/dev')).map((m) => m.destination)).to.deep.equal([
      '/dev',
    ]);
  });
  it('--tmpfs mounts merge options over noexec,nosuid,nodev', () => {
    const t = spec({ tmpfs: ['/run:exec,size=1m'] }).mounts.find((m) => m.destination === '/run');
    expect(t).to.deep.equal({
      destination: '/run',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'nodev', 'rprivate', 'exec', 'size=1m'],
    });
  });
  it("Docker's default capabilities for root; bounding only for other users", () => {
    expect(s.process.capabilities).to.deep.equal({
      bounding: defaultCapabilities,
      effective: defaultCapabilities,
      permitted: defaultCapabilities,
    });
    expect(spec({}, { user: { uid: 1000, gid: 1000 } }).process.capabilities).to.deep.equal({
      bounding: defaultCapabilities,
    });
    const c = spec({ capAdd: ['NET_ADMIN'], capDrop: ['chown'] }).process.capabilities!.bounding!;
    expect(c).to.include('CAP_NET_ADMIN').and.not.include('CAP_CHOWN');
    expect(spec({ capDrop: ['ALL'], capAdd: ['kill'] }).process.capabilities!.bounding).to.deep.equal([
      'CAP_KILL',
    ]);
  });
  it('rlimits: NOFILE 1024 unless --ulimit says otherwise; unlimited serialises as RLIM_INFINITY', () => {
    expect(s.process.rlimits).to.deep.equal([{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }]);
    const u = spec({ ulimit: ['nofile=2048:4096', 'core=-1'] });
    expect(u.process.rlimits).to.deep.equal([
      { type: 'RLIMIT_NOFILE', hard: 4096, soft: 2048 },
      { type: 'RLIMIT_CORE', hard: -1, soft: -1 },
    ]);
    expect(serializeSpec(u)).to.contain(
      '{"type":"RLIMIT_CORE","hard":18446744073709551615,"soft":18446744073709551615}',
    );
  });
  it('masked and read-only paths, device rules, sysctls', () => {
    expect(s.linux.maskedPaths).to.include('/proc/kcore').and.include('/sys/firmware');
    expect(s.linux.readonlyPaths).to.deep.equal([
      '/proc/bus',
      '/proc/fs',
      '/proc/irq',
      '/proc/sys',
      '/proc/sysrq-trigger',
    ]);
    expect(s.linux.resources.devices?.[0]).to.deep.equal({ allow: false, access: 'rwm' });
    expect(s.linux.resources.devices?.slice(1, 3)).to.deep.equal([
      { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
      { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
    ]);
    expect(s.linux.sysctl).to.deep.equal({
      'net.ipv4.ping_group_range': '0 2147483647',
      'net.ipv4.ip_unprivileged_port_start': '0',
    });
    expect(s.process.oomScoreAdj).to.equal(0);
    expect(s.process.noNewPrivileges).to.equal(false);
  });
  it('privileged: every capability, no masked paths, all devices, rw /sys and cgroup', () => {
    const p = spec({ privileged: true }, { lastCap: 40 });
    expect(p.process.capabilities?.bounding).to.have.length(41);
    expect(p.linux.maskedPaths).to.equal(undefined);
    expect(p.linux.readonlyPaths).to.equal(undefined);
    expect(p.linux.resources.devices).to.deep.equal([{ allow: true, access: 'rwm' }]);
    expect(p.mounts.find((m) => m.destination === '/sys')?.options).to.not.include('ro');
    expect(p.mounts.find((m) => m.destination === '/sys/fs/cgroup')?.options).to.not.include('ro');
  });
});

describe('spec: linux.resources from the options', () => {
  it('--cpus 0.5 --memory 256m --pids-limit 10', () => {
    const r = spec({ cpus: '0.5', memory: '256m', pidsLimit: 10 }).linux.resources;
    expect(r.cpu).to.deep.equal({ shares: 0, period: 100000, quota: 50000 });
    expect(r.memory).to.deep.equal({ limit: 268435456, swap: 536870912, disableOOMKiller: false });
    expect(r.pids).to.deep.equal({ limit: 10 });
    expect(r.blockIO).to.deep.equal({ weight: 0 });
  });
  it('throttles carry device numbers', () => {
    const r = spec({ deviceReadBps: ['/dev/sda:1mb'] }).linux.resources;
    expect(r.blockIO?.throttleReadBpsDevice).to.deep.equal([{ major: 8, minor: 0, rate: 1048576 }]);
  });
});

describe('spec/config: command given beside the options', () => {
  it('SpecInput.command and configOf extras stand in for RunFlags.image/args', async () => {
    const { configOf } = await import('../../src/runtime/opts/inspect-shapes.js');
    const opts = parseContainerOptions({}, {}, host);
    const s = buildSpec({
      id: 'c2',
      opts,
      image: { config: { Entrypoint: ['/e'] } },
      command: ['x'],
      user: { uid: 0, gid: 0 },
      hostname: 'h',
      cgroupsPath: '/t/c2',
      cgroupVersion: 1,
    });
    expect(s.process.args).to.deep.equal(['/e', 'x']);
    const c = configOf(opts, { Entrypoint: ['/e'] }, { hostname: 'h', image: 'img:1', cmd: ['x'] });
    expect([c.Hostname, c.Image, c.Cmd, c.Entrypoint]).to.deep.equal(['h', 'img:1', ['x'], ['/e']]);
  });
});
