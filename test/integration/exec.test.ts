/**
 * `exec` end to end against a running container: every flag, the exit status, Docker's failures.
 * Parity-capable (TSDOCK_TEST_CLI=docker): only what Docker 20.10+ and tsdock agree on is asserted.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { cli, cliAsync, ok, target, testEnv, uniqueName } from '../harness/cli.js';

const img = (): string => testEnv().image;

describe('exec', function () {
  this.timeout(60_000);
  let names: string[] = [];
  let work = '';
  let ctr = '';
  const name = (): string => {
    const n = uniqueName('tsdock-it-exec');
    names.push(n);
    return n;
  };

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'tsdock-exec-'));
    ctr = uniqueName('tsdock-it-exec-main');
    ok([
      'run',
      '-d',
      '--network',
      'none',
      '--name',
      ctr,
      '-e',
      'FROMRUN=r',
      '-w',
      '/etc',
      img(),
      'sleep',
      '300',
    ]);
  });
  after(() => {
    cli(['rm', '-f', ctr]);
    rmSync(work, { recursive: true, force: true });
  });
  afterEach(() => {
    if (names.length) cli(['rm', '-f', ...names]);
    names = [];
  });

  it('passes stdout, stderr and the exit status through', () => {
    expect(cli(['exec', ctr, 'sh', '-c', 'echo out; echo err >&2; exit 3'])).to.deep.equal({
      stdout: 'out\n',
      stderr: 'err\n',
      code: 3,
    });
    expect(cli(['container', 'exec', ctr, 'echo', 'hi'])).to.deep.equal({
      stdout: 'hi\n',
      stderr: '',
      code: 0,
    });
  });

  it('runs in the container: its environment, working directory, user and namespaces', () => {
    const out = ok(['exec', ctr, 'sh', '-c', 'echo $FROMRUN; pwd; id -u; hostname']);
    const [env, cwd, uid, host] = out.trim().split('\n');
    expect(env).to.equal('r');
    expect(cwd).to.equal('/etc');
    expect(uid).to.equal('0');
    expect(host).to.equal(ok(['inspect', '-f', '{{.Config.Hostname}}', ctr]).trim());
    // The exec'd process sees the container's sleep, not the host's processes.
    expect(ok(['exec', ctr, 'ps', '-o', 'comm'])).to.match(/sleep/);
  });

  it('-e and --env-file add to the environment (-e wins), bare names come from the caller', () => {
    const file = join(work, 'env');
    writeFileSync(file, '# comment\nFILEVAR=f\nBOTH=file\n');
    const r = cli(
      ['exec', '-e', 'BOTH=flag', '--env-file', file, '-e', 'CALLER', '-e', 'FROMRUN=x', ctr, 'env'],
      {
        env: { CALLER: 'from-caller' },
      },
    );
    expect(r.code).to.equal(0);
    const env = r.stdout.split('\n');
    expect(env).to.include.members(['FILEVAR=f', 'BOTH=flag', 'CALLER=from-caller', 'FROMRUN=x']);
    expect(env).not.to.include('BOTH=file');
  });

  it('-w sets the working directory, -u the user (name, uid, uid:gid)', () => {
    expect(ok(['exec', '-w', '/tmp', ctr, 'pwd'])).to.equal('/tmp\n');
    expect(ok(['exec', '--workdir', '/usr', ctr, 'pwd'])).to.equal('/usr\n');
    expect(ok(['exec', '-u', 'nobody', ctr, 'sh', '-c', 'id -u; id -g'])).to.equal('65534\n65534\n');
    expect(ok(['exec', '-u', '1234', ctr, 'id', '-u'])).to.equal('1234\n');
    expect(ok(['exec', '-u', '1234:4321', ctr, 'sh', '-c', 'id -u; id -g'])).to.equal('1234\n4321\n');
    const bad = cli(['exec', '-u', 'nosuchuser', ctr, 'true']);
    expect(bad.code).to.not.equal(0);
    // docker/cli prints exec start failures on stdout (they come in the attach stream); tsdock: stderr.
    expect(target === 'docker' ? bad.stdout : bad.stderr).to.match(
      /unable to find user nosuchuser: no matching entries in passwd file/,
    );
  });

  it('--privileged gives the process every capability', function () {
    // This host's root lacks a capability in its bounding set: dockerd asks runc for all and fails.
    if (target === 'docker') this.skip();
    const capEff = (args: string[]) =>
      /CapEff:\s*([0-9a-f]+)/.exec(ok(['exec', ...args, ctr, 'cat', '/proc/self/status']))![1]!;
    const plain = BigInt(`0x${capEff([])}`);
    const priv = BigInt(`0x${capEff(['--privileged'])}`);
    // Docker's default set lacks CAP_SYS_ADMIN (bit 21); privileged has it and more.
    expect(plain & (1n << 21n)).to.equal(0n);
    expect(priv & (1n << 21n)).to.equal(1n << 21n);
    expect(priv > plain).to.equal(true);
  });

  it('-i feeds stdin and closes it at EOF; without -i the process gets no stdin', () => {
    expect(cli(['exec', '-i', ctr, 'sh', '-c', 'cat; echo done'], { input: 'one\ntwo\n' })).to.deep.equal({
      stdout: 'one\ntwo\ndone\n',
      stderr: '',
      code: 0,
    });
    expect(ok(['exec', ctr, 'sh', '-c', 'cat; echo done'], { input: 'ignored\n' })).to.equal('done\n');
  });

  it('-d returns at once and leaves the process running', () => {
    const t0 = Date.now();
    const r = cli(['exec', '-d', ctr, 'sh', '-c', 'sleep 1; echo bg > /tmp/detached']);
    expect(r).to.deep.equal({ stdout: '', stderr: '', code: 0 });
    expect(Date.now() - t0).to.be.below(1000 + 2000);
    expect(cli(['exec', ctr, 'cat', '/tmp/detached']).code).to.not.equal(0);
    const end = Date.now() + 10_000;
    let content = '';
    while (Date.now() < end && content === '') {
      content = cli(['exec', ctr, 'cat', '/tmp/detached']).stdout;
    }
    expect(content).to.equal('bg\n');
  });

  it('-t gives the process a terminal (one stream, CRLF line endings)', () => {
    const r = cli(['exec', '-t', ctr, 'sh', '-c', 'tty; echo err >&2']);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/^\/dev\/pts\/\d+\r\nerr\r\n$/);
    expect(r.stderr).to.equal('');
  });

  it('127 for a missing command, 126 for one that cannot be run', () => {
    const missing = cli(['exec', ctr, 'nosuchcommand']);
    expect(target === 'docker' ? missing.stdout : missing.stderr).to.match(
      /executable file not found in \$PATH/,
    );
    if (target === 'tsdock') expect(missing.code).to.equal(127); // dockerd 20.10 says 126, newer ones 127
    const notExec = cli(['exec', ctr, '/etc']);
    expect(notExec.code).to.equal(126);
    expect(target === 'docker' ? notExec.stdout : notExec.stderr).to.match(/permission denied/);
  });

  it('a stopped container: "is not running", exit 1; an unknown one: No such container', () => {
    const n = name();
    const id = ok(['create', '--network', 'none', '--name', n, img(), 'true']).trim();
    const r = cli(['exec', n, 'true']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(
      new RegExp(`^Error response from daemon: [cC]ontainer ${id} is not running\n$`),
    );
    ok(['start', n]);
    ok(['wait', n]);
    expect(cli(['exec', n, 'true']).stderr).to.match(/is not running/);
    expect(cli(['exec', 'tsdock-no-such-container', 'true'])).to.deep.equal({
      stdout: '',
      stderr: 'Error response from daemon: No such container: tsdock-no-such-container\n',
      code: 1,
    });
  });

  it('many quick execs at once on one container all end promptly with their exit status', async function () {
    // Processes that exit at once with no output, side by side: containerd 1.6's shim opens the
    // output FIFOs only after the process has started, and a read end that had taken EOF and
    // closed by then left the shim waiting 30 s for a reader, the exec UNKNOWN meanwhile and the
    // container taken for not running by the execs beside it.
    this.timeout(180_000);
    for (let round = 0; round < 3; round++) {
      const runs = Array.from({ length: 8 }, (_, i) => {
        const code = i % 3 === 0 ? 0 : i;
        const args = code === 0 ? ['exec', ctr, 'true'] : ['exec', ctr, 'sh', '-c', `exit ${code}`];
        const t0 = Date.now();
        return cliAsync(args).done.then((r) => ({ r, code, ms: Date.now() - t0 }));
      });
      for (const { r, code, ms } of await Promise.all(runs)) {
        expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).to.deep.equal({
          code,
          stdout: '',
          stderr: '',
        });
        // Far below the shim's 30 s FIFO timeout, with room for a loaded 2-core machine.
        expect(ms, `exec exiting ${code}`).to.be.below(20_000);
      }
      expect(ok(['inspect', '-f', '{{.State.Running}}', ctr]).trim()).to.equal('true');
    }
    expect(ok(['exec', ctr, 'echo', 'still'])).to.equal('still\n');
  });

  it('needs a container and a command', () => {
    const r = cli(['exec', ctr]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/requires at least 2 arguments/);
  });
});
