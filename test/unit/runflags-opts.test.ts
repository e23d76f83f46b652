import { expect } from 'chai';
import { UsageError } from '../../src/runtime/errors.js';
import { parseContainerOptions, type RunFlags } from '../../src/runtime/opts/container.js';
import { parseDevice, validateDeviceCgroupRule, validDeviceMode } from '../../src/runtime/opts/devices.js';
import {
  healthTimings,
  mergeHealthcheck,
  probeCommand,
  type HealthFlags,
} from '../../src/runtime/opts/health.js';
import { configOf, hostConfigOf } from '../../src/runtime/opts/inspect-shapes.js';
import { linkEnv, parseLink } from '../../src/runtime/opts/links.js';
import { parseNamespaceModes } from '../../src/runtime/opts/namespaces.js';
import { checkSysctlNamespaces, parseSysctl } from '../../src/runtime/opts/sysctl.js';
import { applyProbeResult, LimitedBuffer } from '../../src/runtime/container/health.js';

const host = { cpus: 8, memTotal: 16 * 1024 ** 3 };
const parse = (flags: RunFlags) => parseContainerOptions({ image: 'alpine', ...flags }, {}, host);
const fails = (fn: () => unknown, message: string) => {
  expect(fn).to.throw(UsageError);
  try {
    fn();
  } catch (err) {
    expect((err as Error).message).to.equal(message);
  }
};

describe('health flags (docker/cli opts.go, the daemon’s validateHealthCheck)', () => {
  const health = (f: HealthFlags) => parse(f).healthcheck;

  it('reads Go durations into nanoseconds and leaves unset fields out', () => {
    expect(
      health({
        healthCmd: 'curl -f localhost',
        healthInterval: '1m30s',
        healthTimeout: '1.5s',
        healthStartPeriod: '500ms',
        healthStartInterval: '2s',
        healthRetries: 4,
      }),
    ).to.deep.equal({
      Test: ['CMD-SHELL', 'curl -f localhost'],
      Interval: 90e9,
      Timeout: 1.5e9,
      StartPeriod: 500e6,
      StartInterval: 2e9,
      Retries: 4,
    });
    expect(health({ healthInterval: '10s' })).to.deep.equal({ Interval: 10e9 });
    // A whole test, as compose's `healthcheck.test` gives one.
    expect(health({ healthCmd: ['CMD', 'pg_isready', '-q'] })).to.deep.equal({
      Test: ['CMD', 'pg_isready', '-q'],
    });
    expect(health({})).to.equal(undefined);
    expect(health({ healthRetries: 0 })).to.equal(undefined);
  });

  it('--no-healthcheck is Test NONE and conflicts with any --health-* setting', () => {
    expect(health({ noHealthcheck: true })).to.deep.equal({ Test: ['NONE'] });
    fails(
      () => parse({ noHealthcheck: true, healthInterval: '1s' }),
      '--no-healthcheck conflicts with --health-* options',
    );
    fails(
      () => parse({ noHealthcheck: true, healthRetries: 2 }),
      '--no-healthcheck conflicts with --health-* options',
    );
  });

  it('refuses what the CLI and the daemon refuse, in their words', () => {
    fails(
      () => parse({ healthInterval: 'soon' }),
      'invalid argument "soon" for "--health-interval" flag: time: invalid duration "soon"',
    );
    fails(
      () => parse({ healthTimeout: '5' }),
      'invalid argument "5" for "--health-timeout" flag: time: missing unit in duration "5"',
    );
    fails(() => parse({ healthInterval: '-1s' }), '--health-interval cannot be negative');
    fails(() => parse({ healthStartPeriod: '-1s' }), '--health-start-period cannot be negative');
    fails(() => parse({ healthRetries: -1 }), '--health-retries cannot be negative');
    fails(
      () => parse({ healthInterval: '500us' }),
      'Error response from daemon: Interval in Healthcheck cannot be less than 1ms',
    );
    fails(
      () => parse({ healthStartInterval: '10ns' }),
      'Error response from daemon: StartInterval in Healthcheck cannot be less than 1ms',
    );
    fails(
      () => parse({ healthRetries: 'x' }),
      'invalid argument "x" for "--health-retries" flag: strconv.ParseInt: parsing "x": invalid syntax',
    );
  });

  it('merges with the image’s HEALTHCHECK field by field (daemon/commit.go merge)', () => {
    const image = { Test: ['CMD', 'true'], Interval: 5e9, Retries: 2 };
    expect(mergeHealthcheck(undefined, image)).to.deep.equal(image);
    expect(mergeHealthcheck({ Interval: 1e9 }, image)).to.deep.equal({
      Test: ['CMD', 'true'],
      Interval: 1e9,
      Retries: 2,
    });
    expect(mergeHealthcheck({ Test: ['NONE'] }, image)).to.deep.equal({
      Test: ['NONE'],
      Interval: 5e9,
      Retries: 2,
    });
    expect(mergeHealthcheck({ Timeout: 3e9 }, undefined)).to.deep.equal({ Timeout: 3e9 });
    const opts = parse({ healthTimeout: '3s' });
    expect(configOf(opts, { Healthcheck: image, Cmd: ['sh'] }).Healthcheck).to.deep.equal({
      Test: ['CMD', 'true'],
      Interval: 5e9,
      Timeout: 3e9,
      Retries: 2,
    });
    expect(configOf(parse({}), { Cmd: ['sh'] })).to.not.have.property('Healthcheck');
  });

  it('turns a test into the probe’s argv, under the image’s SHELL for CMD-SHELL', () => {
    expect(probeCommand({ Test: ['CMD-SHELL', 'exit 0'] }, undefined)).to.deep.equal([
      '/bin/sh',
      '-c',
      'exit 0',
    ]);
    expect(probeCommand({ Test: ['CMD-SHELL', 'exit 0'] }, ['/bin/ash', '-ec'])).to.deep.equal([
      '/bin/ash',
      '-ec',
      'exit 0',
    ]);
    expect(probeCommand({ Test: ['CMD', 'pg_isready', '-q'] }, undefined)).to.deep.equal([
      'pg_isready',
      '-q',
    ]);
    expect(probeCommand({ Test: ['NONE'] }, undefined)).to.equal(undefined);
    expect(probeCommand({ Interval: 1e9 }, undefined)).to.equal(undefined);
    expect(probeCommand(undefined, undefined)).to.equal(undefined);
    expect(probeCommand({ Test: ['HTTP', 'x'] }, undefined)).to.equal(undefined);
  });

  it('fills the daemon’s defaults into the schedule', () => {
    expect(healthTimings({ Test: ['CMD', 'true'] })).to.deep.equal({
      intervalMs: 30000,
      timeoutMs: 30000,
      startPeriodMs: 0,
      startIntervalMs: 5000,
      retries: 3,
    });
    expect(healthTimings({ Interval: 250e6, StartPeriod: 2e9, Retries: 1 })).to.include({
      intervalMs: 250,
      startPeriodMs: 2000,
      retries: 1,
    });
  });
});

describe('probe results (moby handleProbeResult, limitedBuffer)', () => {
  const at = (ms: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, 0, ms)).toISOString();
  const started = at(0);
  const result = (ms: number, code: number) => ({
    Start: at(ms),
    End: at(ms + 10),
    ExitCode: code,
    Output: '',
  });
  const opts = { retries: 2, startPeriodNs: 0, startedAt: started };

  it('healthy on success; unhealthy after `retries` failures in a row; the streak keeps counting', () => {
    let h = applyProbeResult({ status: 'starting', failingStreak: 0, log: [] }, result(100, 1), opts);
    expect(h).to.include({ status: 'starting', failingStreak: 1 });
    h = applyProbeResult(h, result(200, 1), opts);
    expect(h).to.include({ status: 'unhealthy', failingStreak: 2 });
    h = applyProbeResult(h, result(300, 7), opts);
    expect(h).to.include({ status: 'unhealthy', failingStreak: 3 });
    h = applyProbeResult(h, result(400, 0), opts);
    expect(h).to.include({ status: 'healthy', failingStreak: 0 });
    h = applyProbeResult(h, result(500, -1), opts);
    expect(h).to.include({ status: 'healthy', failingStreak: 1 });
  });

  it('does not count failures while starting inside the start period', () => {
    const o = { ...opts, startPeriodNs: 1e9 };
    let h = applyProbeResult({ status: 'starting', failingStreak: 0, log: [] }, result(400, 1), o);
    h = applyProbeResult(h, result(800, 1), o);
    expect(h).to.include({ status: 'starting', failingStreak: 0 });
    h = applyProbeResult(h, result(1200, 1), o);
    expect(h).to.include({ status: 'starting', failingStreak: 1 });
  });

  it('keeps the last five results', () => {
    let h = { status: 'starting' as const, failingStreak: 0, log: [] as ReturnType<typeof result>[] };
    for (let i = 1; i <= 7; i++) h = applyProbeResult(h, result(i * 100, 0), opts) as typeof h;
    expect(h.log.map((l) => l.Start)).to.deep.equal([3, 4, 5, 6, 7].map((i) => at(i * 100)));
  });

  it('keeps 4096 bytes of output and marks the cut with "..."', () => {
    const b = new LimitedBuffer();
    b.write(Buffer.from('a'.repeat(4000)));
    b.write(Buffer.from('b'.repeat(200)));
    expect(b.toString()).to.equal(`${'a'.repeat(4000)}${'b'.repeat(96)}...`);
    const small = new LimitedBuffer();
    small.write(Buffer.from('ok\n'));
    expect(small.toString()).to.equal('ok\n');
  });
});

describe('--sysctl (opts.ValidateSysctl, runc’s namespace rule)', () => {
  it('allows the IPC and network namespaces’ parameters only', () => {
    expect(parseSysctl('net.core.somaxconn=1024')).to.deep.equal(['net.core.somaxconn', '1024']);
    expect(parseSysctl('kernel.shm_rmid_forced=1')).to.deep.equal(['kernel.shm_rmid_forced', '1']);
    expect(parseSysctl('fs.mqueue.msg_max=10')).to.deep.equal(['fs.mqueue.msg_max', '10']);
    expect(parseSysctl('net.ipv4.ip_local_port_range=1024 65000')).to.deep.equal([
      'net.ipv4.ip_local_port_range',
      '1024 65000',
    ]);
    for (const bad of [
      'vm.swappiness=1',
      'kernel.hostname=x',
      'kernel.domainname=x',
      'fs.file-max=1',
      'net.core',
    ]) {
      expect(() => parseSysctl(bad), bad).to.throw(`sysctl '${bad}' is not allowed`);
    }
    fails(
      () => parse({ sysctl: ['vm.swappiness=1'] }),
      'invalid argument "vm.swappiness=1" for "--sysctl" flag: sysctl \'vm.swappiness=1\' is not allowed',
    );
    expect(parse({ sysctl: ['net.a=1', 'net.a=2', 'kernel.sem=1 2 3 4'] }).sysctls).to.deep.equal({
      'net.a': '2',
      'kernel.sem': '1 2 3 4',
    });
  });

  it('refuses a namespace shared with the host', () => {
    const both = { 'net.core.somaxconn': '1', 'kernel.shmmax': '1' };
    expect(() => checkSysctlNamespaces(both, { hostNetwork: false, hostIpc: false })).to.not.throw();
    fails(
      () => checkSysctlNamespaces(both, { hostNetwork: true, hostIpc: false }),
      'Error response from daemon: sysctl "net.core.somaxconn" not allowed in host network namespace',
    );
    fails(
      () => checkSysctlNamespaces(both, { hostNetwork: false, hostIpc: true }),
      'Error response from daemon: sysctl "kernel.shmmax" is not allowed in the hosts ipc namespace',
    );
  });
});

describe('--link (opts.ParseLink, links.Link.ToEnv)', () => {
  it('parses NAME and NAME:ALIAS as docker/cli does', () => {
    expect(parseLink('db')).to.deep.equal({ name: 'db', alias: 'db' });
    expect(parseLink('redis:cache')).to.deep.equal({ name: 'redis', alias: 'cache' });
    expect(parseLink('/redis:/web/cache')).to.deep.equal({ name: 'redis', alias: 'cache' });
    expect(() => parseLink('a:b:c')).to.throw('bad format for links: a:b:c');
    fails(
      () => parse({ link: [''] }),
      'invalid argument "" for "--link" flag: empty string specified for links',
    );
  });

  it('gives Docker’s variables, runs of ports as _START/_END, without HOME and PATH', () => {
    const env = linkEnv({
      linkName: '/web/my-db',
      ip: '172.17.0.5',
      env: ['PATH=/bin', 'HOME=/root', 'PASSWORD=s3cret', 'EMPTY=', 'BARE'],
      exposedPorts: ['8002/tcp', '8000/tcp', '8001/tcp', '53/udp'],
    });
    expect(env).to.deep.equal([
      'MY_DB_PORT=udp://172.17.0.5:53',
      'MY_DB_PORT_8000_TCP_START=tcp://172.17.0.5:8000',
      'MY_DB_PORT_8000_TCP_ADDR=172.17.0.5',
      'MY_DB_PORT_8000_TCP_PROTO=tcp',
      'MY_DB_PORT_8000_TCP_PORT_START=8000',
      'MY_DB_PORT_8000_TCP_END=tcp://172.17.0.5:8002',
      'MY_DB_PORT_8000_TCP_PORT_END=8002',
      'MY_DB_PORT_53_UDP=udp://172.17.0.5:53',
      'MY_DB_PORT_53_UDP_ADDR=172.17.0.5',
      'MY_DB_PORT_53_UDP_PORT=53',
      'MY_DB_PORT_53_UDP_PROTO=udp',
      'MY_DB_PORT_8000_TCP=tcp://172.17.0.5:8000',
      'MY_DB_PORT_8000_TCP_ADDR=172.17.0.5',
      'MY_DB_PORT_8000_TCP_PORT=8000',
      'MY_DB_PORT_8000_TCP_PROTO=tcp',
      'MY_DB_PORT_8001_TCP=tcp://172.17.0.5:8001',
      'MY_DB_PORT_8001_TCP_ADDR=172.17.0.5',
      'MY_DB_PORT_8001_TCP_PORT=8001',
      'MY_DB_PORT_8001_TCP_PROTO=tcp',
      'MY_DB_PORT_8002_TCP=tcp://172.17.0.5:8002',
      'MY_DB_PORT_8002_TCP_ADDR=172.17.0.5',
      'MY_DB_PORT_8002_TCP_PORT=8002',
      'MY_DB_PORT_8002_TCP_PROTO=tcp',
      'MY_DB_NAME=/web/my-db',
      'MY_DB_ENV_PASSWORD=s3cret',
      'MY_DB_ENV_EMPTY=',
    ]);
    expect(linkEnv({ linkName: '/a/b', ip: '10.0.0.2', env: [], exposedPorts: [] })).to.deep.equal([
      'B_NAME=/a/b',
    ]);
  });
});

describe('--device, --device-cgroup-rule (docker/cli validateDevice, parseLinuxDevice)', () => {
  it('reads HOST[:CONTAINER][:PERMS]', () => {
    const m = (h: string, c: string, p: string) => [
      { PathOnHost: h, PathInContainer: c, CgroupPermissions: p },
    ];
    expect(parseDevice('/dev/fuse')).to.deep.equal(m('/dev/fuse', '/dev/fuse', 'rwm'));
    expect(parseDevice('/dev/fuse:r')).to.deep.equal(m('/dev/fuse', '/dev/fuse', 'r'));
    expect(parseDevice('/dev/fuse:/dev/f')).to.deep.equal(m('/dev/fuse', '/dev/f', 'rwm'));
    expect(parseDevice('/dev/fuse:/dev/x/../f:rw')).to.deep.equal(m('/dev/fuse', '/dev/x/../f', 'rw'));
    expect(parseDevice('/dev/fuse:/dev/x/../f')).to.deep.equal(m('/dev/fuse', '/dev/f', 'rwm'));
    expect(() => parseDevice('/dev/fuse:/dev/f:rwx')).to.throw('bad mode specified: rwx');
    expect(() => parseDevice('/dev/fuse:f')).to.throw('f is not an absolute path');
    expect(() => parseDevice(':/dev/f')).to.throw('bad format for path: :/dev/f');
    expect(() => parseDevice('/a:/b:r:x')).to.throw('bad format for path: /a:/b:r:x');
    expect(() => parseDevice('/dev/tty*:/x')).to.throw("device with * suffix can't have dst: /dev/tty*:/x");
    // A trailing * matches as the CLI's Glob does, each at its own path.
    const nulls = parseDevice('/dev/nul*');
    expect(nulls.map((d) => d.PathInContainer)).to.include('/dev/null');
    expect(validDeviceMode('rwm')).to.equal(true);
    expect(validDeviceMode('rr')).to.equal(false);
    expect(validDeviceMode('')).to.equal(false);
  });

  it('checks cgroup rules against Docker’s pattern', () => {
    expect(validateDeviceCgroupRule('c 1:3 mr')).to.equal('c 1:3 mr');
    expect(validateDeviceCgroupRule('a *:* rwm')).to.equal('a *:* rwm');
    expect(validateDeviceCgroupRule('b 8:* r')).to.equal('b 8:* r');
    for (const bad of ['c 1:3', 'x 1:3 r', 'c 1 r', 'c 1:3 rwmx', ' c 1:3 r']) {
      expect(() => validateDeviceCgroupRule(bad), bad).to.throw(`invalid device cgroup format '${bad}'`);
    }
  });
});

describe('--pid, --ipc, --uts, --userns', () => {
  it('accepts Docker’s modes and shows them in HostConfig', () => {
    expect(parseNamespaceModes({})).to.deep.equal({ pid: '', ipc: 'private', uts: '', userns: '' });
    const o = parse({ pid: 'container:db', ipc: 'shareable', uts: 'host', userns: 'host' });
    const hc = hostConfigOf(o);
    expect([hc.PidMode, hc.IpcMode, hc.UTSMode, hc.UsernsMode]).to.deep.equal([
      'container:db',
      'shareable',
      'host',
      'host',
    ]);
    for (const ipc of ['host', 'none', 'private', 'container:x'])
      expect(parse({ ipc }).namespaces.ipc).to.equal(ipc);
  });

  it('refuses other modes with Docker’s messages', () => {
    fails(() => parse({ pid: 'container:' }), '--pid: invalid PID mode');
    fails(() => parse({ pid: 'private' }), '--pid: invalid PID mode');
    fails(() => parse({ uts: 'private' }), '--uts: invalid UTS mode');
    fails(() => parse({ userns: 'private' }), '--userns: invalid USER mode');
    fails(() => parse({ userns: 'keep-id' }), '--userns: invalid USER mode');
    fails(() => parse({ ipc: 'bogus' }), 'Error response from daemon: invalid IPC mode: bogus');
    fails(() => parse({ ipc: 'container:' }), 'Error response from daemon: invalid IPC mode: container:');
    fails(
      () => parse({ uts: 'host', hostname: 'x' }),
      'Error response from daemon: conflicting options: hostname and the UTS mode',
    );
  });
});
