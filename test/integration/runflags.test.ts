/**
 * The run flags that reach other containers and the host: legacy links (names and environment on
 * the default bridge, an alias on a user network), shared PID/IPC/UTS namespaces, devices, sysctls,
 * and stop/restart's --timeout and --signal. Each checks the effect inside the container.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { cli, ok, target, testEnv, uniqueName } from '../harness/cli.js';
import { buildBusyboxArchive } from '../harness/image.js';

const NET = ['--network', 'none'];
const img = (): string => testEnv().image;

describe('run flags: links, namespaces, devices, sysctls', function () {
  this.timeout(60_000);
  const made: string[] = [];
  const name = (p: string) => {
    const n = uniqueName(`tsdock-it-${p}`);
    made.push(n);
    return n;
  };
  afterEach(() => {
    if (made.length) cli(['rm', '-f', ...made.splice(0)]);
  });

  describe('--link', () => {
    const image = 'tsdock-test/linked:latest';
    let work = '';
    before(async function () {
      this.timeout(60_000);
      work = mkdtempSync(join(tmpdir(), 'tsdock-link-'));
      await buildBusyboxArchive(join(work, 'img.tar'), {
        name: image,
        config: { ExposedPorts: { '6379/tcp': {} }, Cmd: ['sleep', '60'] },
      });
      ok(['load', '-i', join(work, 'img.tar')]);
    });
    after(() => {
      cli(['rmi', image]);
      rmSync(work, { recursive: true, force: true });
    });

    it('on the default bridge: /etc/hosts names and Docker’s variables, HostConfig.Links', () => {
      const r2 = name('r2');
      const lk = name('lk');
      ok(['run', '-d', '--name', r2, '-e', 'FOO=bar', image]);
      const ip = ok(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', r2]).trim();
      const short = ok(['inspect', '-f', '{{.Id}}', r2]).trim().slice(0, 12);
      const out = ok([
        'run',
        '--name',
        lk,
        '--link',
        `${r2}:db`,
        img(),
        'sh',
        '-c',
        'env | grep ^DB_ | sort; echo ---; grep -w db /etc/hosts; ping -c1 -W2 db >/dev/null && echo reached',
      ]);
      const [env, rest] = out.split('---\n');
      expect(env!.trim().split('\n')).to.deep.equal([
        'DB_ENV_FOO=bar',
        `DB_NAME=/${lk}/db`,
        `DB_PORT=tcp://${ip}:6379`,
        `DB_PORT_6379_TCP=tcp://${ip}:6379`,
        `DB_PORT_6379_TCP_ADDR=${ip}`,
        'DB_PORT_6379_TCP_PORT=6379',
        'DB_PORT_6379_TCP_PROTO=tcp',
      ]);
      expect(rest).to.equal(`${ip}\tdb ${short} ${r2}\nreached\n`);
      expect(JSON.parse(ok(['inspect', '-f', '{{json .HostConfig.Links}}', lk]))).to.deep.equal([
        `/${r2}:/${lk}/db`,
      ]);
    });

    it('a missing target is Docker’s error, exit 125, and nothing is created', () => {
      const lk = name('lkmiss');
      const r = cli(['run', '--name', lk, '--link', 'tsdock-no-such-container:db', img(), 'true']);
      expect(r.code).to.equal(125);
      expect(r.stderr).to.contain(
        'could not get container for tsdock-no-such-container: No such container: tsdock-no-such-container',
      );
      expect(cli(['inspect', lk]).code).to.equal(1);
    });

    it('a created container gets the link when it starts, and not while the target is stopped', () => {
      const r2 = name('r2s');
      const lk = name('lks');
      ok(['run', '-d', '--name', r2, image]);
      ok(['create', '--name', lk, '--link', `${r2}:db`, img(), 'sh', '-c', 'echo $DB_NAME']);
      ok(['stop', '-t', '0', r2]);
      const r = cli(['start', '-a', lk]);
      expect(r.code).to.not.equal(0);
      expect(r.stderr).to.contain(`Cannot link to a non running container: /${r2} AS /${lk}/db`);
      ok(['start', r2]);
      expect(ok(['start', '-a', lk])).to.equal(`/${lk}/db\n`);
    });

    it('on a user network: an alias of the target for this container only', () => {
      const net = uniqueName('tsdock-it-lnet');
      ok(['network', 'create', net]);
      try {
        const t = name('lt');
        ok(['run', '-d', '--network', net, '--name', t, img(), 'sleep', '60']);
        const out = ok([
          'run',
          '--rm',
          '--network',
          net,
          '--link',
          `${t}:thealias`,
          img(),
          'sh',
          '-c',
          'ping -c1 -W2 thealias >/dev/null && echo reached; env | grep -c ^THEALIAS_ || true',
        ]);
        expect(out).to.equal('reached\n0\n');
        // Nobody else knows the alias.
        const other = cli(['run', '--rm', '--network', net, img(), 'ping', '-c1', '-W1', 'thealias']);
        expect(other.code).to.not.equal(0);
      } finally {
        cli(['rm', '-f', ...made.splice(0)]);
        cli(['network', 'rm', net]);
      }
    });

    it('refuses links with the host’s network', () => {
      const r = cli(['run', '--rm', '--network', 'host', '--link', 'x:y', img(), 'true']);
      expect(r.code).to.equal(125);
      expect(r.stderr).to.contain("conflicting options: host type networking can't be used with links");
    });
  });

  describe('namespaces', () => {
    it('--pid host sees the host’s processes; --pid container:X sees X’s', () => {
      // This test's own process is one of the host's.
      expect(
        ok(['run', '--rm', ...NET, '--pid', 'host', img(), 'test', '-d', `/proc/${process.pid}`]),
      ).to.equal('');
      expect(cli(['run', '--rm', ...NET, img(), 'test', '-d', `/proc/${process.pid}`]).code).to.equal(1);
      const x = name('px');
      ok(['run', '-d', ...NET, '--name', x, img(), 'sleep', '60']);
      const ps = ok(['run', '--rm', ...NET, '--pid', `container:${x}`, img(), 'ps', '-o', 'pid,args']);
      expect(ps).to.match(/^\s*1 sleep 60$/m);
      expect(ok(['inspect', '-f', '{{.HostConfig.PidMode}}', x]).trim()).to.equal('');
      const c = name('pc');
      ok(['create', ...NET, '--name', c, '--pid', `container:${x}`, img(), 'true']);
      // As the daemon keeps it: the target's id, not the name it was given by.
      const xid = ok(['inspect', '-f', '{{.Id}}', x]).trim();
      expect(ok(['inspect', '-f', '{{.HostConfig.PidMode}}', c]).trim()).to.equal(`container:${xid}`);
      const missing = cli(['create', ...NET, '--pid', 'container:tsdock-no-such-container', img(), 'true']);
      expect(missing.code).to.equal(1);
      expect(missing.stderr).to.contain('No such container: tsdock-no-such-container');
    });

    it('--pid container:X of a stopped X fails as Docker’s does', () => {
      const x = name('pstopped');
      ok(['create', ...NET, '--name', x, img(), 'sleep', '60']);
      const r = cli(['run', '--rm', ...NET, '--pid', `container:${x}`, img(), 'true']);
      expect(r.code).to.equal(125);
      expect(r.stderr).to.match(/is not running/);
    });

    it('--ipc container:X shares X’s IPC namespace and its /dev/shm', () => {
      const x = name('ipcx');
      ok([
        'run',
        '-d',
        ...NET,
        '--name',
        x,
        '--ipc',
        'shareable',
        img(),
        'sh',
        '-c',
        'echo shared > /dev/shm/f; exec sleep 60',
      ]);
      const own = ok(['exec', x, 'readlink', '/proc/self/ns/ipc']).trim();
      const joined = ok([
        'run',
        '--rm',
        ...NET,
        '--ipc',
        `container:${x}`,
        img(),
        'sh',
        '-c',
        'readlink /proc/self/ns/ipc; cat /dev/shm/f',
      ]);
      expect(joined).to.equal(`${own}\nshared\n`);
      const apart = ok(['run', '--rm', ...NET, img(), 'readlink', '/proc/self/ns/ipc']).trim();
      expect(apart).to.not.equal(own);
      expect(ok(['inspect', '-f', '{{.HostConfig.IpcMode}}', x]).trim()).to.equal('shareable');
      // A private donor cannot be joined.
      const p = name('ipcp');
      ok(['run', '-d', ...NET, '--name', p, img(), 'sleep', '60']);
      const r = cli(['run', '--rm', ...NET, '--ipc', `container:${p}`, img(), 'true']);
      expect(r.code).to.equal(125);
      expect(r.stderr).to.contain('non-shareable IPC');
      expect(
        ok([
          'run',
          '--rm',
          ...NET,
          '--ipc',
          'none',
          img(),
          'sh',
          '-c',
          'test -e /dev/shm && echo shm || echo none',
        ]),
      ).to.equal('none\n');
    });

    it('--uts host has the host’s hostname; with -h it is refused', () => {
      expect(ok(['run', '--rm', ...NET, '--uts', 'host', img(), 'hostname'])).to.equal(`${hostname()}\n`);
      const r = cli(['run', '--rm', ...NET, '--uts', 'host', '-h', 'x', img(), 'true']);
      expect(r.code).to.equal(125);
      expect(r.stderr).to.contain('conflicting options: hostname and the UTS mode');
      const n = name('uts');
      ok(['create', ...NET, '--name', n, '--uts', 'host', '--userns', 'host', img(), 'true']);
      expect(ok(['inspect', '-f', '{{.HostConfig.UTSMode}} {{.HostConfig.UsernsMode}}', n]).trim()).to.equal(
        'host host',
      );
    });

    it('--userns host runs as the host’s root; other modes are refused', () => {
      expect(
        ok(['run', '--rm', ...NET, '--userns', 'host', img(), 'cat', '/proc/self/uid_map']).trim(),
      ).to.match(/^0\s+0\s+4294967295$/);
      const r = cli(['run', '--rm', ...NET, '--userns', 'private', img(), 'true']);
      expect(r.code).to.equal(125);
      expect(r.stderr).to.contain('--userns: invalid USER mode');
    });
  });

  describe('devices', () => {
    // /dev/fuse: a character device Docker's default device rules deny (and runc's allow list
    // leaves out), opening it needs no capability, and it exists wherever FUSE is built in.
    const haveFuse = existsSync('/dev/fuse');
    const open = (args: string[], dev: string, mode: '<' | '<>') =>
      cli(['run', '--rm', ...NET, ...args, img(), 'sh', '-c', `exec 3${mode}${dev} && echo opened`]);

    it('--device makes the node, under another name, usable; :r allows reading only', function () {
      if (!haveFuse) this.skip();
      expect(open(['--device', '/dev/fuse:/dev/myfuse'], '/dev/myfuse', '<>').stdout).to.equal('opened\n');
      const ls = ok([
        'run',
        '--rm',
        ...NET,
        '--device',
        '/dev/fuse:/dev/myfuse',
        img(),
        'ls',
        '-l',
        '/dev/myfuse',
      ]);
      expect(ls).to.match(/^c.* 10,\s+229 .*\/dev\/myfuse$/m);
      expect(open(['--device', '/dev/fuse:/dev/myfuse:r'], '/dev/myfuse', '<').stdout).to.equal('opened\n');
      const rw = open(['--device', '/dev/fuse:/dev/myfuse:r'], '/dev/myfuse', '<>');
      expect(rw.stdout).to.equal('');
      expect(rw.stderr).to.contain('Operation not permitted');
      // Without it the device cgroup denies even a node made inside.
      const none = cli([
        'run',
        '--rm',
        ...NET,
        img(),
        'sh',
        '-c',
        'mknod /dev/fuse c 10 229 && exec 3<>/dev/fuse && echo opened',
      ]);
      expect(none.stdout).to.equal('');
      expect(none.stderr).to.contain('Operation not permitted');
    });

    it('--device-cgroup-rule allows a device made inside', function () {
      if (!haveFuse) this.skip();
      const r = cli([
        'run',
        '--rm',
        ...NET,
        '--device-cgroup-rule',
        'c 10:229 rwm',
        img(),
        'sh',
        '-c',
        'mknod /dev/fuse c 10 229 && exec 3<>/dev/fuse && echo opened',
      ]);
      expect(r.stdout).to.equal('opened\n');
      const bad = cli(['run', '--rm', ...NET, '--device-cgroup-rule', 'c 10 rwm', img(), 'true']);
      expect(bad.code).to.equal(125);
      expect(bad.stderr).to.contain("invalid device cgroup format 'c 10 rwm'");
    });

    it('a missing --device is refused (127, Docker’s no-such-file rule) and inspect shows the mappings', () => {
      const r = cli(['run', '--rm', ...NET, '--device', '/dev/tsdock-no-such-device', img(), 'true']);
      expect(r.code).to.equal(127);
      expect(r.stderr).to.contain('/dev/tsdock-no-such-device');
      const n = name('dev');
      ok([
        'create',
        ...NET,
        '--name',
        n,
        '--device',
        '/dev/null:/dev/n2:rw',
        '--device-cgroup-rule',
        'c 1:3 r',
        img(),
        'true',
      ]);
      expect(JSON.parse(ok(['inspect', '-f', '{{json .HostConfig.Devices}}', n]))).to.deep.equal([
        { PathOnHost: '/dev/null', PathInContainer: '/dev/n2', CgroupPermissions: 'rw' },
      ]);
      expect(JSON.parse(ok(['inspect', '-f', '{{json .HostConfig.DeviceCgroupRules}}', n]))).to.deep.equal([
        'c 1:3 r',
      ]);
    });
  });

  describe('--sysctl', () => {
    it('sets namespaced parameters inside the container only', () => {
      const out = ok([
        'run',
        '--rm',
        ...NET,
        '--sysctl',
        'net.ipv4.ip_forward=1',
        '--sysctl',
        'kernel.shmmax=123456',
        '--sysctl',
        'fs.mqueue.msg_max=50',
        img(),
        'cat',
        '/proc/sys/net/ipv4/ip_forward',
        '/proc/sys/kernel/shmmax',
        '/proc/sys/fs/mqueue/msg_max',
      ]);
      expect(out).to.equal('1\n123456\n50\n');
      expect(readFileSync('/proc/sys/kernel/shmmax', 'utf8').trim()).to.not.equal('123456');
      // The user's value wins over Docker's default for the same key.
      expect(
        ok([
          'run',
          '--rm',
          ...NET,
          '--sysctl',
          'net.ipv4.ip_unprivileged_port_start=1000',
          img(),
          'cat',
          '/proc/sys/net/ipv4/ip_unprivileged_port_start',
        ]),
      ).to.equal('1000\n');
    });

    it('refuses parameters that are not namespaced, and net.* with the host’s network', () => {
      let r = cli(['run', '--rm', ...NET, '--sysctl', 'vm.swappiness=1', img(), 'true']);
      expect(r.code).to.equal(125);
      expect(r.stderr).to.contain("sysctl 'vm.swappiness=1' is not allowed");
      r = cli(['run', '--rm', '--network', 'host', '--sysctl', 'net.core.somaxconn=1', img(), 'true']);
      expect(r.code).to.equal(125);
      if (target === 'tsdock') expect(r.stderr).to.contain('net.core.somaxconn');
    });
  });

  describe('stop and restart', () => {
    const stubborn = (n: string) =>
      ok(['run', '-d', ...NET, '--name', n, img(), 'sh', '-c', 'trap "" TERM; while :; do sleep 0.1; done']);

    it('--timeout (and the deprecated --time) bound the wait before SIGKILL; -s picks the signal', () => {
      const a = name('stopt');
      stubborn(a);
      let t0 = Date.now();
      expect(ok(['stop', '--timeout', '1', a])).to.equal(`${a}\n`);
      expect(Date.now() - t0).to.be.within(900, 8000);
      expect(ok(['inspect', '-f', '{{.State.ExitCode}}', a]).trim()).to.equal('137');
      t0 = Date.now();
      expect(ok(['restart', '--timeout', '0', a])).to.equal(`${a}\n`);
      expect(ok(['inspect', '-f', '{{.State.Status}}', a]).trim()).to.equal('running');
      const r = cli(['stop', '--time', '0', a]);
      expect(r.code).to.equal(0);
      // On stdout, as docker's: pflag writes its notice to cobra's output stream.
      expect(r.stdout).to.contain('Flag --time has been deprecated, use --timeout instead');
      // stop's signal reaches the daemon from API 1.42 (Docker 23) on; older engines ignore it.
      if (target === 'docker' && Number(ok(['version', '-f', '{{.Server.Version}}']).split('.')[0]) < 23)
        return;
      const b = name('stops');
      ok(['run', '-d', ...NET, '--name', b, img(), 'sleep', '60']);
      t0 = Date.now();
      ok(['stop', '-s', 'KILL', '-t', '30', b]);
      expect(Date.now() - t0).to.be.below(8000);
      expect(ok(['inspect', '-f', '{{.State.ExitCode}}', b]).trim()).to.equal('137');
    });
  });

  /**
   * Flags of `run --help` whose effect no other test checked (issue 15's audit): each is seen to work
   * here, or is refused.
   */
  describe('the rest of run --help', () => {
    const cgroupV1 = existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes');

    it('--memory-swap sets the memory+swap limit', function () {
      const file = cgroupV1
        ? '/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes'
        : '/sys/fs/cgroup/memory.swap.max';
      // Swap accounting is a boot option (swapaccount=1); without it there is nothing to check.
      if (cgroupV1 && !existsSync('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes')) this.skip();
      const out = ok(['run', '--rm', ...NET, '--memory', '64m', '--memory-swap', '96m', img(), 'cat', file]);
      expect(out.trim()).to.equal(cgroupV1 ? String(96 * 1024 * 1024) : String(32 * 1024 * 1024));
    });

    it('--device-write-bps and --device-read-iops throttle the device', function () {
      if (!cgroupV1 || !existsSync('/dev/vda')) this.skip();
      const rdev = statSync('/dev/vda').rdev;
      const num = `${Math.floor(rdev / 256)}:${rdev % 256}`;
      const out = ok([
        'run',
        '--rm',
        ...NET,
        '--device-write-bps',
        '/dev/vda:2mb',
        '--device-read-iops',
        '/dev/vda:50',
        img(),
        'cat',
        '/sys/fs/cgroup/blkio/blkio.throttle.write_bps_device',
        '/sys/fs/cgroup/blkio/blkio.throttle.read_iops_device',
      ]);
      expect(out).to.equal(`${num} 2097152\n${num} 50\n`);
    });

    it('--blkio-weight sets the weight, or is discarded with Docker’s warning where the kernel has none', () => {
      const n = name('blkio');
      const file = cgroupV1
        ? ['/sys/fs/cgroup/blkio/blkio.bfq.weight', '/sys/fs/cgroup/blkio/blkio.weight']
        : ['/sys/fs/cgroup/io.bfq.weight', '/sys/fs/cgroup/io.weight'];
      const r = cli([
        'run',
        ...NET,
        '--name',
        n,
        '--blkio-weight',
        '300',
        img(),
        'sh',
        '-c',
        `cat ${file.join(' ')} 2>/dev/null; true`,
      ]);
      expect(r.code).to.equal(0);
      if (r.stderr.includes('Weight discarded')) {
        expect(r.stderr).to.equal(
          'WARNING: Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.\n',
        );
        expect(ok(['inspect', '-f', '{{.HostConfig.BlkioWeight}}', n])).to.equal('0\n');
      } else {
        expect(r.stdout).to.match(/\b300\b/);
        expect(ok(['inspect', '-f', '{{.HostConfig.BlkioWeight}}', n])).to.equal('300\n');
      }
    });

    it('--cap-drop takes a capability away', () => {
      expect(ok(['run', '--rm', ...NET, img(), 'chown', '1', '/tmp'])).to.equal('');
      const r = cli(['run', '--rm', ...NET, '--cap-drop', 'CHOWN', img(), 'chown', '1', '/tmp']);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.contain('Operation not permitted');
      const all = cli([
        'run',
        '--rm',
        ...NET,
        '--cap-drop',
        'ALL',
        img(),
        'grep',
        'CapEff',
        '/proc/self/status',
      ]);
      expect(all.stdout.trim()).to.match(/^CapEff:\s+0+$/);
    });

    it('--read-only: the root cannot be written, /dev/shm can', () => {
      const r = cli([
        'run',
        '--rm',
        ...NET,
        '--read-only',
        img(),
        'sh',
        '-c',
        'touch /etc/x; touch /dev/shm/x && echo shm-ok',
      ]);
      expect(r.stdout).to.equal('shm-ok\n');
      expect(r.stderr).to.contain('Read-only file system');
    });

    it('--net is --network', () => {
      expect(ok(['run', '--rm', '--net', 'none', img(), 'ls', '/sys/class/net'])).to.equal('lo\n');
    });

    it('-a attaches the streams asked for only', () => {
      const r = cli(['run', '--rm', ...NET, '-a', 'stderr', img(), 'sh', '-c', 'echo out; echo err >&2']);
      expect(r).to.deep.include({ stdout: '', stderr: 'err\n', code: 0 });
      const o = cli(['run', '--rm', ...NET, '-a', 'stdout', img(), 'sh', '-c', 'echo out; echo err >&2']);
      expect(o).to.deep.include({ stdout: 'out\n', stderr: '', code: 0 });
    });

    it('--log-driver json-file works; the drivers tsdock does not have are refused', () => {
      const n = name('logd');
      ok([
        'run',
        ...NET,
        '--name',
        n,
        '--log-driver',
        'json-file',
        '--log-opt',
        'max-size=1m',
        img(),
        'echo',
        'logged',
      ]);
      expect(ok(['logs', n])).to.equal('logged\n');
      expect(ok(['inspect', '-f', '{{json .HostConfig.LogConfig}}', n]).trim()).to.equal(
        '{"Type":"json-file","Config":{"max-size":"1m"}}',
      );
      if (target !== 'tsdock') return;
      const r = cli(['run', '--rm', ...NET, '--log-driver', 'syslog', img(), 'true']);
      expect(r.code).to.equal(125);
      expect(r.stderr).to.contain('log driver "syslog" is not supported by tsdock (json-file only)');
    });

    it('-q pulls without progress output', async function () {
      this.timeout(60_000);
      const { startRegistry } = await import('../harness/registry.js');
      const reg = await startRegistry();
      const remote = `${reg.host}/tsdock-it/quiet:latest`;
      try {
        ok(['tag', img(), remote]);
        ok(['push', remote]);
        ok(['rmi', remote]);
        const r = cli(['run', '--rm', ...NET, '-q', remote, 'true']);
        expect(r.code).to.equal(0);
        // docker/cli ≥ 23 prints nothing at all with -q (20.10's printed the first line).
        expect(r.stderr).to.equal('');
        ok(['rmi', remote]);
        const loud = cli(['run', '--rm', ...NET, remote, 'true']);
        expect(loud.stderr).to.contain('Pulling from tsdock-it/quiet');
      } finally {
        cli(['rmi', remote]);
        await reg.stop();
      }
    });
  });
});
