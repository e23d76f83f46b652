import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../src/runtime/errors.js';
import {
  parseContainerOptions,
  parseRestartPolicy,
  validateContainerName,
  type RunFlags,
} from '../../src/runtime/opts/container.js';
import { configOf, hostConfigOf } from '../../src/runtime/opts/inspect-shapes.js';
import { parseKeyValueContent } from '../../src/runtime/opts/kvfile.js';
import { parseCpus, parseUintList } from '../../src/runtime/opts/resources.js';
import { parseUlimit, ramInBytes } from '../../src/runtime/opts/units.js';

const host = { cpus: 8, memTotal: 16 * 1024 ** 3 };
const parse = (flags: RunFlags, env: NodeJS.ProcessEnv = {}) =>
  parseContainerOptions({ image: 'alpine', ...flags }, env, host);
const fails = (flags: RunFlags, message: string, env: NodeJS.ProcessEnv = {}) => {
  expect(() => parse(flags, env)).to.throw(UsageError, message);
  try {
    parse(flags, env);
  } catch (err) {
    expect((err as Error).message).to.equal(message);
    expect((err as UsageError).exitCode).to.equal(125);
  }
};
const tmp = mkdtempSync(join(tmpdir(), 'tsdock-opts-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const file = (name: string, content: string | Buffer) => {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
};

describe('go-units RAMInBytes (size_test.go vectors)', () => {
  const KiB = 1024;
  const cases: [string, number][] = [
    ['32', 32],
    ['32b', 32],
    ['32B', 32],
    ['32k', 32 * KiB],
    ['32K', 32 * KiB],
    ['32kb', 32 * KiB],
    ['32Kb', 32 * KiB],
    ['32Kib', 32 * KiB],
    ['32KIB', 32 * KiB],
    ['32Mb', 32 * KiB ** 2],
    ['32Gb', 32 * KiB ** 3],
    ['32Tb', 32 * KiB ** 4],
    ['32Pb', 32 * KiB ** 5],
    ['32PB', 32 * KiB ** 5],
    ['32P', 32 * KiB ** 5],
    ['32.3', 32],
    ['32.3 mb', Math.trunc(32.3 * KiB ** 2)],
    ['0.3MB', Math.trunc(0.3 * KiB ** 2)],
    ['256m', 268435456],
    ['1.5g', 1610612736],
    ['512k', 524288],
    ['2GB', 2147483648],
  ];
  for (const [s, n] of cases) it(`${s} → ${n}`, () => expect(ramInBytes(s)).to.equal(n));
  for (const s of ['', 'hello', '-32', ' 32 ', '32m b', '32bm']) {
    it(`rejects ${JSON.stringify(s)}`, () => expect(() => ramInBytes(s)).to.throw());
  }
  it('uses go-units wording', () => {
    expect(() => ramInBytes('abc')).to.throw("invalid size: 'abc'");
    expect(() => ramInBytes('-1')).to.throw("invalid size: '-1'");
    expect(() => ramInBytes('1x')).to.throw("invalid suffix: 'x'");
    expect(() => ramInBytes('32bm')).to.throw("invalid suffix: 'bm'");
  });
});

describe('go-units ParseUlimit (ulimit_test.go vectors)', () => {
  it('parses soft[:hard]', () => {
    expect(parseUlimit('nofile=512:1024')).to.deep.equal({ Name: 'nofile', Soft: 512, Hard: 1024 });
    expect(parseUlimit('nofile=1024')).to.deep.equal({ Name: 'nofile', Soft: 1024, Hard: 1024 });
    expect(parseUlimit('cpu=2:4')).to.deep.equal({ Name: 'cpu', Soft: 2, Hard: 4 });
    expect(parseUlimit('memlock=infinity:infinity')).to.deep.equal({ Name: 'memlock', Soft: -1, Hard: -1 });
    expect(parseUlimit('nofile=-1')).to.deep.equal({ Name: 'nofile', Soft: -1, Hard: -1 });
    expect(parseUlimit('nofile=1024:-1')).to.deep.equal({ Name: 'nofile', Soft: 1024, Hard: -1 });
  });
  it('rejects what go-units rejects', () => {
    expect(() => parseUlimit('notarealtype=1024:1024')).to.throw('invalid ulimit type: notarealtype');
    expect(() => parseUlimit('nofile:1024:1024')).to.throw('invalid ulimit argument: nofile:1024:1024');
    expect(() => parseUlimit('nofile')).to.throw('invalid ulimit argument: nofile');
    for (const v of ['nofile=', 'nofile=:', 'nofile=:1024']) expect(() => parseUlimit(v)).to.throw();
    expect(() => parseUlimit('nofile=1024:1')).to.throw(
      'ulimit soft limit must be less than or equal to hard limit: 1024 > 1',
    );
    expect(() => parseUlimit('nofile=-1:1024')).to.throw('soft: -1 (unlimited), hard: 1024');
    expect(() => parseUlimit('nofile=asdf')).to.throw('strconv.ParseInt: parsing "asdf": invalid syntax');
    expect(() => parseUlimit('nofile=1024:1:50')).to.throw('too many limit value arguments - 1024:1:50');
  });
});

describe('kvfile (docker/cli pkg/kvfile vectors)', () => {
  it('reads good lines, trims leading whitespace, skips comments and blank lines', () => {
    const content =
      'foo=bar\n    baz=quux\n# comment\n\n_foobar=foobaz\nwith.dots=working\nand_underscore=working too\n\n    \t  ';
    expect(parseKeyValueContent(content)).to.deep.equal([
      'foo=bar',
      'baz=quux',
      '_foobar=foobaz',
      'with.dots=working',
      'and_underscore=working too',
    ]);
  });
  it('looks bare keys up and drops undefined ones', () => {
    const vars: Record<string, string> = { DEFINED_VAR: 'defined-value' };
    expect(
      parseKeyValueContent(
        '# comment=\nVAR=VAR_VALUE\nEMPTY_VAR=\nUNDEFINED_VAR\nDEFINED_VAR\n',
        (k) => vars[k],
      ),
    ).to.deep.equal(['VAR=VAR_VALUE', 'EMPTY_VAR=', 'DEFINED_VAR=defined-value']);
  });
  it('reports bad lines with Docker wording', () => {
    expect(() => parseKeyValueContent('foo=bar\n    f   =quux\n')).to.throw(
      "variable 'f   ' contains whitespaces",
    );
    expect(() => parseKeyValueContent('first line\nanother invalid line')).to.throw(
      "variable 'first line' contains whitespaces",
    );
    expect(() => parseKeyValueContent('# comment=\n=blank variable names are an error case\n')).to.throw(
      "no variable name on line '=blank variable names are an error case'",
    );
  });
  it('strips a UTF-8 BOM on the first line only and keeps values verbatim', () => {
    const buf = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('A=1 \r\nB= two\n')]);
    expect(parseKeyValueContent(buf)).to.deep.equal(['A=1 ', 'B= two']);
  });
  it('rejects invalid UTF-8', () => {
    expect(() => parseKeyValueContent(Buffer.from([0x41, 0x3d, 0xff]))).to.throw(
      'invalid utf8 bytes at line 1: [65 61 255]',
    );
  });
});

describe('parseContainerOptions: names, env, labels', () => {
  it('accepts Docker names and rejects the rest', () => {
    for (const n of ['ab', 'a1', 'web.1', 'my_app-2', 'A.b_c-d'])
      expect(validateContainerName(n)).to.equal(n);
    expect(validateContainerName('/foo')).to.equal('foo');
    for (const n of ['a', '_x', '-x', '.x', 'a b', 'a/b', 'a:b', 'é1']) {
      expect(() => validateContainerName(n)).to.throw(
        UsageError,
        `Invalid container name (${n}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
      );
    }
  });

  it('-e copies bare keys from the caller and keeps unknown ones bare', () => {
    const o = parse({ env: ['A=1', 'HOME', 'MISSING', 'E='] }, { HOME: '/root' });
    expect(o.env).to.deep.equal(['A=1', 'HOME=/root', 'MISSING', 'E=']);
    fails({ env: ['=x'] }, 'invalid argument "=x" for "-e, --env" flag: invalid environment variable: =x');
  });

  it('--env-file then -e, so -e wins in the merged Env', () => {
    const f = file('env1', '# c\nA=file\nB=file\nFROM_HOST\nNOT_THERE\n');
    const o = parse({ envFile: [f], env: ['A=flag'] }, { FROM_HOST: 'h' });
    expect(o.env).to.deep.equal(['A=file', 'B=file', 'FROM_HOST=h', 'A=flag']);
    const cfg = configOf(o, { Env: ['PATH=/bin', 'B=image'], Cmd: ['sh'] }, 'abc');
    expect(cfg.Env).to.deep.equal(['A=file', 'B=file', 'FROM_HOST=h', 'A=flag', 'PATH=/bin']);
  });

  it('--env-file errors name the file', () => {
    const bad = file('env2', '=x\n');
    fails({ envFile: [bad] }, `invalid env file (${bad}): no variable name on line '=x'`);
    const ws = file('env3', 'A B=1\n');
    fails({ envFile: [ws] }, `invalid env file (${ws}): variable 'A B' contains whitespaces`);
    fails({ envFile: [join(tmp, 'nope')] }, `open ${join(tmp, 'nope')}: no such file or directory`);
  });

  it('labels: k=v, bare k is empty, label-file first, flags win', () => {
    const f = file('labels', 'a=file\nb=file\nbare\n');
    const o = parse({ labelFile: [f], label: ['a=flag', 'c'] });
    expect(o.labels).to.deep.equal({ a: 'flag', b: 'file', c: '' });
    fails({ label: ['=v'] }, `invalid argument "=v" for "-l, --label" flag: invalid label '=v': empty name`);
    fails(
      { label: ['a b=v'] },
      `invalid argument "a b=v" for "-l, --label" flag: label 'a b' contains whitespaces`,
    );
  });
});

describe('parseContainerOptions: process settings', () => {
  it('workdir must be absolute', () => {
    expect(parse({ workdir: '/app' }).workdir).to.equal('/app');
    fails({ workdir: 'app' }, "the working directory 'app' is invalid, it needs to be an absolute path");
  });

  it('stop signal: name, SIG-name or number', () => {
    expect(parse({ stopSignal: 'SIGKILL' }).stopSignal).to.deep.equal({
      raw: 'SIGKILL',
      number: 9,
      name: 'SIGKILL',
    });
    expect(parse({ stopSignal: 'hup' }).stopSignal).to.deep.equal({ raw: 'hup', number: 1, name: 'SIGHUP' });
    expect(parse({ stopSignal: '15' }).stopSignal?.name).to.equal('SIGTERM');
    fails({ stopSignal: 'FOO' }, 'Invalid signal: FOO');
  });

  it('entrypoint: undefined keeps the image one, "" resets', () => {
    expect(parse({}).entrypoint).to.equal(undefined);
    expect(parse({ entrypoint: '' }).entrypoint).to.deep.equal([]);
    expect(parse({ entrypoint: '/bin/sh' }).entrypoint).to.deep.equal(['/bin/sh']);
  });

  it('restart policies (opts/parse.go + daemon validation)', () => {
    expect(parseRestartPolicy(undefined)).to.deep.equal({ name: 'no', maximumRetryCount: 0 });
    expect(parseRestartPolicy('always')).to.deep.equal({ name: 'always', maximumRetryCount: 0 });
    expect(parseRestartPolicy('unless-stopped')).to.deep.equal({
      name: 'unless-stopped',
      maximumRetryCount: 0,
    });
    expect(parseRestartPolicy('on-failure')).to.deep.equal({ name: 'on-failure', maximumRetryCount: 0 });
    expect(parseRestartPolicy('on-failure:3')).to.deep.equal({ name: 'on-failure', maximumRetryCount: 3 });
    expect(() => parseRestartPolicy(':3')).to.throw(
      'invalid restart policy format: no policy provided before colon',
    );
    expect(() => parseRestartPolicy('on-failure:x')).to.throw(
      'invalid restart policy format: maximum retry count must be an integer',
    );
    expect(() => parseRestartPolicy('always:3')).to.throw(
      "invalid restart policy: maximum retry count can only be used with 'on-failure'",
    );
    expect(() => parseRestartPolicy('on-failure:-1')).to.throw(
      'invalid restart policy: maximum retry count cannot be negative',
    );
    expect(() => parseRestartPolicy('sometimes')).to.throw(
      "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'",
    );
  });

  it('--restart with --rm conflicts, --rm -d does not', () => {
    fails({ restart: 'always', rm: true }, 'conflicting options: cannot specify both --restart and --rm');
    expect(parse({ restart: 'no', rm: true }).rm).to.equal(true);
    expect(parse({ rm: true, detach: true }).detach).to.equal(true);
  });

  it('attach streams follow Docker: -i adds stdin, -d clears all', () => {
    expect(parse({}).attach).to.deep.equal({ stdin: false, stdout: true, stderr: true });
    expect(parse({ interactive: true }).attach).to.deep.equal({ stdin: true, stdout: true, stderr: true });
    expect(parse({ detach: true, interactive: true }).attach).to.deep.equal({
      stdin: false,
      stdout: false,
      stderr: false,
    });
    expect(parse({ attach: ['STDERR'] }).attach).to.deep.equal({ stdin: false, stdout: false, stderr: true });
    fails(
      { attach: ['foo'] },
      'invalid argument "foo" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR',
    );
  });

  it('network defaults to bridge; log driver to json-file', () => {
    const o = parse({});
    expect(o.network).to.equal('bridge');
    expect(o.log).to.deep.equal({ driver: 'json-file', opts: {} });
    expect(parse({ network: 'container:web' }).network).to.equal('container:web');
    expect(parse({ logOpt: ['max-size=10m'] }).log.opts).to.deep.equal({ 'max-size': '10m' });
    fails({ logDriver: 'none', logOpt: ['a=b'] }, 'invalid logging opts for driver none');
  });

  it('capabilities are checked, kept as typed', () => {
    expect(parse({ capAdd: ['net_admin'] }).capAdd).to.deep.equal(['net_admin']);
    fails({ capAdd: ['FOO'] }, 'unknown capability: "CAP_FOO"');
  });

  it('ulimits, tmpfs, cgroupns, shm-size', () => {
    const o = parse({
      ulimit: ['nproc=10:20', 'nofile=100'],
      tmpfs: ['/run:size=1m', '/tmp'],
      shmSize: '1g',
    });
    expect(o.ulimits.map((u) => u.Name)).to.deep.equal(['nofile', 'nproc']);
    expect(o.tmpfs).to.deep.equal({ '/run': 'size=1m', '/tmp': '' });
    expect(o.shmSize).to.equal(1073741824);
    expect(parse({}).shmSize).to.equal(67108864);
    fails({ ulimit: ['x=1'] }, 'invalid argument "x=1" for "--ulimit" flag: invalid ulimit type: x');
    fails({ cgroupns: 'weird' }, '--cgroupns: invalid CGROUP mode');
  });
});

describe('parseContainerOptions: resources', () => {
  it('--cpus is an exact rational', () => {
    expect(parseCpus('0.5')).to.equal(500000000);
    expect(parseCpus('1.25')).to.equal(1250000000);
    expect(parseCpus('1/4')).to.equal(250000000);
    expect(parseCpus('2')).to.equal(2000000000);
    expect(parseCpus('1e-3')).to.equal(1000000);
    expect(parseCpus('0.000000001')).to.equal(1);
    expect(() => parseCpus('0.0000000001')).to.throw('value is too precise');
    expect(() => parseCpus('1/3')).to.throw('value is too precise');
    expect(() => parseCpus('abc')).to.throw('failed to parse abc as a rational number');
    expect(parse({ cpus: '0.5' }).resources.nanoCpus).to.equal(500000000);
    fails(
      { cpus: '0.0000000001' },
      'invalid argument "0.0000000001" for "--cpus" flag: value is too precise',
    );
  });

  it('--cpus above the host count or with period/quota', () => {
    fails({ cpus: '9' }, 'range of CPUs is from 0.01 to 8.00, as there are only 8 CPUs available');
    fails({ cpus: '-1' }, 'range of CPUs is from 0.01 to 8.00, as there are only 8 CPUs available');
    fails(
      { cpus: '1', cpuPeriod: 50000 },
      'Conflicting options: Nano CPUs and CPU Period cannot both be set',
    );
    fails({ cpus: '1', cpuQuota: 50000 }, 'Conflicting options: Nano CPUs and CPU Quota cannot both be set');
    fails(
      { cpuPeriod: 500 },
      'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)',
    );
    fails({ cpuQuota: 500 }, 'CPU cfs quota can not be less than 1ms (i.e. 1000)');
    const o = parse({ cpuPeriod: 50000, cpuQuota: '25000', cpuShares: 512 });
    expect([o.resources.cpuPeriod, o.resources.cpuQuota, o.resources.cpuShares]).to.deep.equal([
      50000, 25000, 512,
    ]);
  });

  it('cpuset syntax and availability', () => {
    expect([...parseUintList('0-2,4')]).to.deep.equal([0, 1, 2, 4]);
    expect(parse({ cpusetCpus: '0-2,4' }).resources.cpusetCpus).to.equal('0-2,4');
    fails({ cpusetCpus: '0-a' }, 'Invalid value 0-a for cpuset cpus: invalid format: 0-a');
    fails({ cpusetCpus: '0-64' }, 'Requested CPUs are not available - requested 0-64, available: 0-7');
    fails({ cpusetMems: '1' }, 'Requested memory nodes are not available - requested 1, available: 0');
  });

  it('--memory and the swap default', () => {
    const o = parse({ memory: '256m' });
    expect(o.resources.memory).to.equal(268435456);
    expect(o.resources.memorySwap).to.equal(536870912);
    expect(parse({ memory: '256m', memorySwap: '-1' }).resources.memorySwap).to.equal(-1);
    expect(parse({ memory: '256m', memorySwap: '1g' }).resources.memorySwap).to.equal(1073741824);
    expect(parse({}).resources.memorySwap).to.equal(0);
    fails({ memory: '4m' }, 'Minimum memory limit allowed is 6MB');
    fails({ memory: 'abc' }, `invalid argument "abc" for "-m, --memory" flag: invalid size: 'abc'`);
    fails({ memory: '1x' }, `invalid argument "1x" for "-m, --memory" flag: invalid suffix: 'x'`);
    fails(
      { memory: '256m', memorySwap: '128m' },
      'Minimum memoryswap limit should be larger than memory limit, see usage',
    );
    fails(
      { memorySwap: '1g' },
      'You should always set the Memory limit when using Memoryswap limit, see usage',
    );
    fails({ memoryReservation: '1m' }, 'Minimum memory reservation allowed is 6MB');
    fails(
      { memory: '64m', memoryReservation: '128m' },
      'Minimum memory limit can not be less than memory reservation limit, see usage',
    );
  });

  it('swappiness, oom score, pids, blkio weight', () => {
    expect(parse({}).resources.memorySwappiness).to.equal(null);
    expect(parse({ memorySwappiness: -1 }).resources.memorySwappiness).to.equal(null);
    expect(parse({ memorySwappiness: 60 }).resources.memorySwappiness).to.equal(60);
    fails({ memorySwappiness: 101 }, 'invalid value: 101. Valid memory swappiness range is 0-100');
    fails({ oomScoreAdj: 1001 }, 'Invalid value 1001, range for oom score adj is [-1000, 1000]');
    expect(parse({ oomScoreAdj: -500 }).oomScoreAdj).to.equal(-500);
    expect(parse({ pidsLimit: 100 }).resources.pidsLimit).to.equal(100);
    expect(parse({ pidsLimit: -1 }).resources.pidsLimit).to.equal(null);
    fails({ blkioWeight: 5 }, 'Range of blkio weight is from 10 to 1000');
    fails(
      { blkioWeight: '70000' },
      'invalid argument "70000" for "--blkio-weight" flag: strconv.ParseUint: parsing "70000": value out of range',
    );
    fails(
      { cpuShares: 'x' },
      'invalid argument "x" for "-c, --cpu-shares" flag: strconv.ParseInt: parsing "x": invalid syntax',
    );
  });

  it('device throttles', () => {
    const o = parse({ deviceReadBps: ['/dev/sda:1mb'], deviceWriteIops: ['/dev/sda:1000'] });
    expect(o.resources.deviceReadBps).to.deep.equal([{ path: '/dev/sda', rate: 1048576 }]);
    expect(o.resources.deviceWriteIops).to.deep.equal([{ path: '/dev/sda', rate: 1000 }]);
    fails(
      { deviceReadBps: ['sda:1mb'] },
      'invalid argument "sda:1mb" for "--device-read-bps" flag: bad format for device path: sda:1mb',
    );
    fails(
      { deviceReadBps: ['/dev/sda'] },
      'invalid argument "/dev/sda" for "--device-read-bps" flag: bad format: /dev/sda',
    );
    fails(
      { deviceReadIops: ['/dev/sda:1k'] },
      'invalid argument "/dev/sda:1k" for "--device-read-iops" flag: invalid rate for device: /dev/sda:1k. The correct format is <device-path>:<number>. Number must be a positive integer',
    );
  });
});

describe('configOf / hostConfigOf', () => {
  const image = {
    Env: ['PATH=/usr/bin:/bin'],
    Cmd: ['sh'],
    Labels: { a: 'img', b: 'img' },
    ExposedPorts: { '53/udp': {} },
  };

  it('Config keys are in Docker order with image defaults merged', () => {
    const o = parse({
      label: ['a=mine'],
      publish: ['8080:80'],
      expose: ['90-91'],
      tty: true,
      interactive: true,
    });
    const c = configOf(o, image, '0123456789ab');
    expect(Object.keys(c)).to.deep.equal([
      'Hostname',
      'Domainname',
      'User',
      'AttachStdin',
      'AttachStdout',
      'AttachStderr',
      'ExposedPorts',
      'Tty',
      'OpenStdin',
      'StdinOnce',
      'Env',
      'Cmd',
      'Image',
      'Volumes',
      'WorkingDir',
      'Entrypoint',
      'OnBuild',
      'Labels',
    ]);
    expect(c.Hostname).to.equal('0123456789ab');
    expect(c.Cmd).to.deep.equal(['sh']);
    expect(c.Entrypoint).to.equal(null);
    expect(c.Labels).to.deep.equal({ a: 'mine', b: 'img' });
    expect(Object.keys(c.ExposedPorts ?? {})).to.deep.equal(['80/tcp', '90/tcp', '91/tcp', '53/udp']);
    expect([c.OpenStdin, c.StdinOnce, c.Tty]).to.deep.equal([true, true, true]);
    expect(c.Image).to.equal('alpine');
  });

  it('StopSignal/StopTimeout appear only when set', () => {
    const c = configOf(parse({ stopSignal: 'SIGINT', stopTimeout: 3 }), image);
    expect(c.StopSignal).to.equal('SIGINT');
    expect(c.StopTimeout).to.equal(3);
    expect(configOf(parse({}), image)).to.not.have.property('StopSignal');
  });

  it('HostConfig carries Docker units and defaults', () => {
    const o = parse({
      memory: '256m',
      cpus: '0.5',
      pidsLimit: 50,
      rm: true,
      readOnly: true,
      volume: ['/data', '/h:/c:ro'],
    });
    const h = hostConfigOf(o, { cgroupVersion: 1 });
    expect(h.Memory).to.equal(268435456);
    expect(h.MemorySwap).to.equal(536870912);
    expect(h.NanoCpus).to.equal(500000000);
    expect(h.CpuQuota).to.equal(0);
    expect(h.PidsLimit).to.equal(50);
    expect(h.ShmSize).to.equal(67108864);
    expect(h.AutoRemove).to.equal(true);
    expect(h.ReadonlyRootfs).to.equal(true);
    expect(h.RestartPolicy).to.deep.equal({ Name: 'no', MaximumRetryCount: 0 });
    expect(h.LogConfig).to.deep.equal({ Type: 'json-file', Config: {} });
    expect(h.NetworkMode).to.equal('bridge');
    expect(h.Binds).to.deep.equal(['/h:/c:ro']);
    expect(h.CgroupnsMode).to.equal('host');
    expect(hostConfigOf(o, { cgroupVersion: 2 }).CgroupnsMode).to.equal('private');
    expect(h.MemorySwappiness).to.equal(null);
    expect(h).to.not.have.property('Init');
    expect(hostConfigOf(parse({ init: true })).Init).to.equal(true);
    const keys = Object.keys(h);
    const order = [
      'Binds',
      'LogConfig',
      'NetworkMode',
      'PortBindings',
      'RestartPolicy',
      'AutoRemove',
      'CapAdd',
      'CgroupnsMode',
      'OomScoreAdj',
      'Privileged',
      'ReadonlyRootfs',
      'ShmSize',
      'CpuShares',
      'Memory',
      'NanoCpus',
      'CgroupParent',
      'BlkioWeight',
      'CpuPeriod',
      'CpuQuota',
      'CpusetCpus',
      'MemoryReservation',
      'MemorySwap',
      'MemorySwappiness',
      'OomKillDisable',
      'PidsLimit',
      'Ulimits',
      'MaskedPaths',
      'ReadonlyPaths',
    ];
    expect(order.map((k) => keys.indexOf(k))).to.deep.equal(
      [...order.map((k) => keys.indexOf(k))].sort((a, b) => a - b),
    );
    expect(configOf(o, image).Volumes).to.deep.equal({ '/data': {} });
  });
});
