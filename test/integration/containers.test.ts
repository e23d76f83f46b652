/**
 * The container lifecycle end to end through the CLI, checked against Docker's behaviour: what goes
 * to stdout, the first line of stderr and the exit status. Every container gets a unique name and
 * is removed after its test (the suite-wide after() checks that nothing is left).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { cli, cliAsync, ok, target, testEnv, uniqueName, type Result } from '../harness/cli.js';

/** docker/cli prefixes a failed `run` with its own name (reportError). */
const P = `${target}: `;

const NET = ['--network', 'none'];
const img = (): string => testEnv().image;
const firstLine = (s: string): string => s.split('\n')[0]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(fn: () => T | undefined | false, ms = 10_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

interface Inspected {
  Id: string;
  Name: string;
  State: {
    Status: string;
    Running: boolean;
    Pid: number;
    ExitCode: number;
    Error: string;
    StartedAt: string;
  };
  Config: {
    Env: string[];
    Labels: Record<string, string> | null;
    StopSignal?: string;
    StopTimeout?: number;
    Hostname: string;
    User: string;
    WorkingDir: string;
    Entrypoint: string[] | null;
    Cmd: string[] | null;
  };
  HostConfig: { Memory: number; NanoCpus: number; AutoRemove: boolean };
  Path: string;
  Args: string[];
}

function inspect(ref: string): Inspected {
  return (JSON.parse(ok(['inspect', ref])) as Inspected[])[0]!;
}

/** Names of the containers in `ps -a` (to check what was or was not left behind). */
function readdirSyncSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function allNames(): string[] {
  return ok(['ps', '-a', '--format', '{{.Names}}']).split('\n').filter(Boolean);
}

describe('containers', function () {
  this.timeout(60_000);
  let names: string[] = [];
  let work = '';
  /** A unique name, removed after the test. */
  const name = (prefix = 'c'): string => {
    const n = uniqueName(`tsdock-it-${prefix}`);
    names.push(n);
    return n;
  };
  const run = (args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Result =>
    cli(['run', ...NET, ...args], opts);

  before(() => (work = mkdtempSync(join(tmpdir(), 'tsdock-containers-'))));
  after(() => rmSync(work, { recursive: true, force: true }));
  afterEach(() => {
    if (names.length) cli(['rm', '-f', ...names]);
    names = [];
  });

  describe('run in the foreground', () => {
    it('streams stdout and stderr apart and passes the exit status through', () => {
      const r = run(['--rm', img(), 'sh', '-c', 'echo out; echo err >&2; exit 3']);
      expect(r).to.deep.equal({ stdout: 'out\n', stderr: 'err\n', code: 3 });
      expect(run(['--rm', img(), 'echo', 'hello'])).to.deep.equal({ stdout: 'hello\n', stderr: '', code: 0 });
    });

    it('--rm leaves no container behind', () => {
      const n = name();
      expect(run(['--rm', '--name', n, img(), 'true']).code).to.equal(0);
      expect(allNames()).not.to.include(n);
      expect(cli(['inspect', n]).code).to.equal(1);
    });

    it('exits 137 when the process dies of SIGKILL', async () => {
      // PID 1 cannot be SIGKILLed from inside its namespace, so a child shell kills itself.
      expect(run(['--rm', img(), 'sh', '-c', 'sh -c "kill -9 \\$\\$"; exit $?']).code).to.equal(137);
      // A real SIGKILL of the container's process from outside: run reports 137 too.
      const n = name();
      const fg = cliAsync(['run', ...NET, '--name', n, img(), 'sleep', '30']);
      await until(
        () => cli(['inspect', '-f', '{{.State.Running}}', n]).stdout.trim() === 'true',
        10_000,
        'start',
      );
      expect(ok(['kill', n])).to.equal(`${n}\n`);
      const r = await fg.done;
      expect(r.code).to.equal(137);
      expect(inspect(n).State.ExitCode).to.equal(137);
    });

    it('passes flags after the image to the container (ls -la /)', () => {
      const r = run(['--rm', img(), 'ls', '-la', '/']);
      expect(r.code).to.equal(0);
      expect(firstLine(r.stdout)).to.match(/^total \d+$/);
      expect(r.stdout).to.match(/^drwx.* etc$/m);
    });

    it('-d prints the 64-hex id and exits 0', () => {
      const n = name();
      const r = run(['-d', '--name', n, img(), 'sleep', '30']);
      expect(r.code).to.equal(0);
      expect(r.stderr).to.equal('');
      expect(r.stdout).to.match(/^[0-9a-f]{64}\n$/);
      expect(inspect(n).Id).to.equal(r.stdout.trim());
      expect(inspect(n).State.Running).to.equal(true);
    });
  });

  describe('run failures', () => {
    it('127 for a missing command: the container stays Created with ExitCode 127 and State.Error', () => {
      const n = name();
      const r = run(['--name', n, img(), 'nosuchcmd']);
      expect(r.code).to.equal(127);
      expect(r.stdout).to.equal('');
      // moby ≥ 23 adds "failed to create task for container: " in front of the shim's text
      expect(firstLine(r.stderr)).to.match(
        new RegExp(
          `^${P}Error response from daemon: (failed to create task for container: )?failed to create shim task`,
        ),
      );
      expect(firstLine(r.stderr)).to.include('exec: "nosuchcmd": executable file not found in $PATH');
      const s = inspect(n).State;
      expect(s.Status).to.equal('created');
      expect(s.ExitCode).to.equal(127);
      expect(s.Error).to.include('executable file not found');
      expect(ok(['ps', '-a', '--filter', `name=${n}`, '--format', '{{.Status}}'])).to.equal('Created\n');
    });

    it("an unknown -u is refused before anything is made, also once the image's users are cached", async function () {
      const before = ok(['ps', '-aq']);
      // The first run made from the image caches its /etc/passwd (target-cache.ts); the second reads that.
      for (let i = 0; i < 2; i++) {
        const r = run(['--rm', '-u', 'nosuchuser', img(), 'id']);
        expect(r.code, r.stderr).to.not.equal(0);
        expect(r.stderr).to.include('unable to find user nosuchuser: no matching entries in passwd file');
      }
      expect(ok(['ps', '-aq'])).to.equal(before);
      if (target !== 'tsdock') return;
      const { ContainerdClient } = await import('../../src/runtime/containerd/client.js');
      const env = testEnv();
      const client = new ContainerdClient(env.address, env.namespace);
      try {
        // No lease of a finished tsdock is left (each one would hold its snapshot for a day).
        const leases = await client.leases.list();
        expect(leases.filter((l) => l.labels?.['tsdock/pid'])).to.deep.equal([]);
      } finally {
        client.close();
      }
    });

    it('126 for a command that cannot be executed', () => {
      const n = name();
      const r = run(['--name', n, img(), '/etc/passwd']);
      expect(r.code).to.equal(126);
      expect(firstLine(r.stderr)).to.include('exec: "/etc/passwd": permission denied');
      const s = inspect(n).State;
      expect(s.Status).to.equal('created');
      expect(s.ExitCode).to.equal(126);
      expect(s.Error).to.include('permission denied');
    });

    it('run --rm of a missing command leaves no container', () => {
      const n = name();
      expect(run(['--rm', '--name', n, img(), 'nosuchcmd']).code).to.equal(127);
      expect(allNames()).not.to.include(n);
    });

    it('125 for a missing image, a bad flag, a bad value; nothing is created', () => {
      const before = allNames();
      const missing = run(['nosuch/image']);
      expect(missing.code).to.equal(125);
      expect(firstLine(missing.stderr)).to.equal("Unable to find image 'nosuch/image:latest' locally");
      const never = run(['--pull', 'never', 'nosuch/image']);
      expect(never.code).to.equal(125);
      expect(firstLine(never.stderr)).to.equal(
        `${P}Error response from daemon: No such image: nosuch/image:latest`,
      );
      const flag = run(['--nope', img()]);
      expect(flag.code).to.equal(125);
      expect(firstLine(flag.stderr)).to.equal('unknown flag: --nope');
      const value = run(['--memory', 'abc', img()]);
      expect(value.code).to.equal(125);
      expect(firstLine(value.stderr)).to.equal(
        `invalid argument "abc" for "-m, --memory" flag: invalid size: 'abc'`,
      );
      expect(allNames()).to.deep.equal(before);
    });

    it('125 with the Conflict message for a name in use', () => {
      const n = name();
      const id = run(['-d', '--name', n, img(), 'sleep', '30']).stdout.trim();
      const r = run(['-d', '--name', n, img(), 'sleep', '30']);
      expect(r.code).to.equal(125);
      expect(r.stdout).to.equal('');
      expect(firstLine(r.stderr)).to.equal(
        `${P}Error response from daemon: Conflict. The container name "/${n}" is already in use by container "${id}". ` +
          'You have to remove (or rename) that container to be able to reuse that name.',
      );
      // create reports the same conflict with status 1
      expect(cli(['create', ...NET, '--name', n, img()]).code).to.equal(1);
    });
  });

  describe('run options', () => {
    it('-e, --env-file and bare -e KEY from the caller environment', () => {
      const envFile = join(work, 'env');
      writeFileSync(envFile, '# comment\nA=1\n  B=two words\nFROM_CALLER\nNOT_SET_ANYWHERE\nX=file\n');
      const r = run(
        ['--rm', '-e', 'X=flag', '-e', 'BARE', '-e', 'UNSET_BARE', '--env-file', envFile, img(), 'env'],
        { env: { BARE: 'from-env', FROM_CALLER: 'yes', UNSET_BARE: undefined, NOT_SET_ANYWHERE: undefined } },
      );
      expect(r.code).to.equal(0);
      const env = r.stdout.split('\n');
      expect(env).to.include.members(['A=1', 'B=two words', 'FROM_CALLER=yes', 'X=flag', 'BARE=from-env']);
      expect(env.some((l) => l.startsWith('UNSET_BARE') || l.startsWith('NOT_SET_ANYWHERE'))).to.equal(false);
      expect(env.some((l) => l.startsWith('PATH='))).to.equal(true);
    });

    it('-w (created if missing), -u uid and -u user name, --hostname', () => {
      const r = run([
        '--rm',
        '-w',
        '/no/such/dir',
        '-u',
        '1000',
        '--hostname',
        'box1',
        img(),
        'sh',
        '-c',
        'pwd; id -u; hostname',
      ]);
      expect(r).to.deep.equal({ stdout: '/no/such/dir\n1000\nbox1\n', stderr: '', code: 0 });
      // runc gives the user every group that lists it, its primary group included (as Docker shows)
      expect(run(['--rm', '-u', 'app', img(), 'id']).stdout).to.equal(
        'uid=1000(app) gid=1000(app) groups=1000(app)\n',
      );
      const n = name();
      ok(['create', ...NET, '--name', n, '-u', 'app', '-w', '/work', img()]);
      const c = inspect(n).Config;
      expect(c.User).to.equal('app');
      expect(c.WorkingDir).to.equal('/work');
      expect(c.Hostname).to.equal(inspect(n).Id.slice(0, 12));
    });

    it('--entrypoint replaces the image entrypoint; --entrypoint "" with a command runs the command', () => {
      expect(run(['--rm', '--entrypoint', 'echo', img(), 'hi', 'there']).stdout).to.equal('hi there\n');
      expect(run(['--rm', '--entrypoint', '', img(), 'echo', 'ok']).stdout).to.equal('ok\n');
      const n = name();
      ok(['create', ...NET, '--name', n, '--entrypoint', 'echo', img(), 'a']);
      const c = inspect(n);
      expect(c.Config.Entrypoint).to.deep.equal(['echo']);
      expect(c.Config.Cmd).to.deep.equal(['a']);
      expect([c.Path, ...c.Args]).to.deep.equal(['echo', 'a']);
      // nothing to run at all
      const none = run(['--rm', '--entrypoint', '', img()]);
      expect(none.code).to.equal(125);
      // moby 20.10 capitalises "No command specified"
      expect(firstLine(none.stderr).toLowerCase()).to.equal(
        `${P}error response from daemon: no command specified`,
      );
    });

    it('-l and --label-file land in Config.Labels and ps filters', () => {
      const file = join(work, 'labels');
      writeFileSync(file, 'from.file=yes\n# comment\nk=file\n');
      const n = name();
      ok(['create', ...NET, '--name', n, '--label-file', file, '-l', 'k=flag', '-l', 'solo', img()]);
      expect(inspect(n).Config.Labels).to.deep.equal({ 'from.file': 'yes', k: 'flag', solo: '' });
      expect(
        ok(['ps', '-a', '--filter', 'label=from.file', '--filter', 'label=k=flag', '--format', '{{.Names}}']),
      ).to.equal(`${n}\n`);
      expect(ok(['ps', '-a', '--filter', `name=${n}`, '--format', '{{.Labels}}'])).to.equal(
        'from.file=yes,k=flag,solo=\n',
      );
    });

    it('-i feeds piped stdin and closes it at EOF', () => {
      expect(run(['--rm', '-i', img(), 'cat'], { input: 'hi\n' })).to.deep.equal({
        stdout: 'hi\n',
        stderr: '',
        code: 0,
      });
      expect(run(['--rm', '-i', img(), 'wc', '-l'], { input: 'a\nb\nc\n' }).stdout.trim()).to.equal('3');
      // without -i the container gets no stdin
      expect(run(['--rm', img(), 'cat'], { input: 'ignored\n' }).stdout).to.equal('');
    });

    it('--stop-signal and --stop-timeout are recorded and used by stop', () => {
      const n = name();
      ok([
        'run',
        ...NET,
        '-d',
        '--name',
        n,
        '--stop-signal',
        'SIGUSR1',
        '--stop-timeout',
        '20',
        img(),
        'sh',
        '-c',
        "trap 'exit 7' USR1; while :; do sleep 0.1; done",
      ]);
      const c = inspect(n).Config;
      expect(c.StopSignal).to.equal('SIGUSR1');
      expect(c.StopTimeout).to.equal(20);
      const t0 = Date.now();
      expect(ok(['stop', n])).to.equal(`${n}\n`);
      expect(Date.now() - t0).to.be.below(10_000);
      expect(inspect(n).State.ExitCode).to.equal(7);

      const m = name();
      ok([
        'run',
        ...NET,
        '-d',
        '--name',
        m,
        '--stop-timeout',
        '1',
        img(),
        'sh',
        '-c',
        "trap '' TERM; while :; do sleep 0.1; done",
      ]);
      const t1 = Date.now();
      ok(['stop', m]);
      const took = Date.now() - t1;
      expect(took).to.be.within(800, 8_000);
      expect(inspect(m).State.ExitCode).to.equal(137);
    });

    it('--cidfile writes the id and refuses an existing file', () => {
      const file = join(work, 'cid');
      const n = name();
      const id = run(['-d', '--name', n, '--cidfile', file, img(), 'true']).stdout.trim();
      expect(readFileSync(file, 'utf8')).to.equal(id);
      const again = run(['-d', '--name', name(), '--cidfile', file, img(), 'true']);
      expect(again.code).to.equal(125);
      expect(firstLine(again.stderr)).to.equal(
        `${P}container ID file found, make sure the other container isn't running or delete ${file}`,
      );
      rmSync(file);
    });

    it('HostConfig keeps --memory and --cpus as Docker reports them', () => {
      const n = name();
      ok(['create', ...NET, '--name', n, '--memory', '256m', '--cpus', '0.5', img()]);
      expect(ok(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}}', n])).to.equal(
        '268435456 500000000\n',
      );
    });
  });

  describe('lifecycle verbs', () => {
    it('create, start, wait, start -a', () => {
      const n = name();
      const id = ok([
        'create',
        ...NET,
        '--name',
        n,
        img(),
        'sh',
        '-c',
        'echo out; echo err >&2; exit 5',
      ]).trim();
      expect(id).to.match(/^[0-9a-f]{64}$/);
      expect(inspect(n).State.Status).to.equal('created');
      expect(ok(['ps', '-a', '--filter', `id=${id}`, '--format', '{{.Status}}'])).to.equal('Created\n');
      expect(ok(['start', n])).to.equal(`${n}\n`);
      expect(cli(['wait', n])).to.deep.equal({ stdout: '5\n', stderr: '', code: 0 });
      expect(cli(['start', '-a', n])).to.deep.equal({ stdout: 'out\n', stderr: 'err\n', code: 5 });
      // both runs are in the log
      expect(cli(['logs', n])).to.deep.include({ stdout: 'out\nout\n', stderr: 'err\nerr\n' });
    });

    it('stop sends SIGTERM, then SIGKILL after -t seconds (exit 137)', () => {
      const n = name();
      ok(['run', ...NET, '-d', '--name', n, img(), 'sh', '-c', "trap '' TERM; while :; do sleep 0.1; done"]);
      const t0 = Date.now();
      expect(ok(['stop', '-t', '2', n])).to.equal(`${n}\n`);
      expect(Date.now() - t0).to.be.within(1_800, 9_000);
      const s = inspect(n).State;
      expect(s.Status).to.equal('exited');
      expect(s.ExitCode).to.equal(137);
      expect(ok(['ps', '-a', '--filter', `name=${n}`, '--format', '{{.Status}}'])).to.match(
        /^Exited \(137\) /,
      );
      // stopping a stopped container is fine
      expect(ok(['stop', n])).to.equal(`${n}\n`);
    });

    it('stop of a process that handles SIGTERM returns at once', () => {
      const n = name();
      ok([
        'run',
        ...NET,
        '-d',
        '--name',
        n,
        img(),
        'sh',
        '-c',
        "trap 'exit 0' TERM; while :; do sleep 0.1; done",
      ]);
      const t0 = Date.now();
      ok(['stop', n]);
      expect(Date.now() - t0).to.be.below(5_000);
      expect(inspect(n).State.ExitCode).to.equal(0);
    });

    it('kill (default SIGKILL, -s NAME), and kill of a stopped container fails', () => {
      const n = name();
      ok([
        'run',
        ...NET,
        '-d',
        '--name',
        n,
        img(),
        'sh',
        '-c',
        "trap 'exit 12' USR1; while :; do sleep 0.1; done",
      ]);
      expect(ok(['kill', '-s', 'USR1', n])).to.equal(`${n}\n`);
      expect(ok(['wait', n])).to.equal('12\n');
      const r = cli(['kill', n]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.include('is not running');
      const m = name();
      ok(['run', ...NET, '-d', '--name', m, img(), 'sleep', '30']);
      expect(ok(['kill', m])).to.equal(`${m}\n`);
      expect(ok(['wait', m])).to.equal('137\n');
    });

    it('restart starts it again with a new StartedAt', async () => {
      const n = name();
      ok(['run', ...NET, '-d', '--name', n, img(), 'sh', '-c', 'echo run; exec sleep 30']);
      const first = inspect(n).State;
      await sleep(50);
      expect(ok(['restart', '-t', '0', n])).to.equal(`${n}\n`);
      const second = inspect(n).State;
      expect(second.Running).to.equal(true);
      expect(second.Pid).to.not.equal(first.Pid);
      expect(second.StartedAt > first.StartedAt).to.equal(true);
      await until(() => ok(['logs', n]) === 'run\nrun\n', 10_000, 'second run in logs');
    });

    it('wait prints each exit code; a missing one makes it exit 1', () => {
      const a = name();
      const b = name();
      ok(['run', ...NET, '-d', '--name', a, img(), 'sh', '-c', 'sleep 0.5; exit 4']);
      ok(['run', ...NET, '-d', '--name', b, img(), 'true']);
      expect(cli(['wait', a, b])).to.deep.equal({ stdout: '4\n0\n', stderr: '', code: 0 });
      const r = cli(['wait', a, 'tsdock-it-missing']);
      expect(r.stdout).to.equal('4\n');
      expect(firstLine(r.stderr)).to.equal(
        'Error response from daemon: No such container: tsdock-it-missing',
      );
      expect(r.code).to.equal(1);
    });

    it('rename moves the name; the old one is free again', () => {
      const a = name();
      const b = name();
      const id = ok(['create', ...NET, '--name', a, img()]).trim();
      expect(cli(['rename', a, b])).to.deep.equal({ stdout: '', stderr: '', code: 0 });
      expect(inspect(b).Id).to.equal(id);
      expect(inspect(b).Name).to.equal(`/${b}`);
      expect(cli(['inspect', a]).code).to.equal(1);
      ok(['create', ...NET, '--name', a, img()]);
      const clash = cli(['rename', b, a]);
      expect(clash.code).to.equal(1);
      expect(firstLine(clash.stderr)).to.match(
        /^Error response from daemon: Error when allocating new name: Conflict\. The container name "\/.*" is already in use/,
      );
    });

    it('rm: several args, running needs -f, rm -f of a missing one exits 0', () => {
      const a = name();
      const b = name();
      const running = name();
      ok(['create', ...NET, '--name', a, img()]);
      ok(['create', ...NET, '--name', b, img()]);
      ok(['run', ...NET, '-d', '--name', running, img(), 'sleep', '30']);
      expect(cli(['rm', a, b])).to.deep.equal({ stdout: `${a}\n${b}\n`, stderr: '', code: 0 });
      const r = cli(['rm', running]);
      expect(r.code).to.equal(1);
      // moby ≥ 25 wording first; moby 20.10 said "You cannot remove a running container <id>. …"
      expect(firstLine(r.stderr)).to.be.oneOf([
        `Error response from daemon: cannot remove container "/${running}": container is running: ` +
          'stop the container before removing or force remove',
        `Error response from daemon: You cannot remove a running container ${inspect(running).Id}. ` +
          'Stop the container before attempting removal or force remove',
      ]);
      expect(inspect(running).State.Running).to.equal(true);
      expect(cli(['rm', '-f', running])).to.deep.equal({ stdout: `${running}\n`, stderr: '', code: 0 });
      const missing = cli(['rm', '-f', 'tsdock-it-missing']);
      expect(missing.code).to.equal(0);
      expect(firstLine(missing.stderr)).to.equal(
        'Error response from daemon: No such container: tsdock-it-missing',
      );
      const partial = cli(['rm', 'tsdock-it-missing']);
      expect(partial.code).to.equal(1);
      expect(allNames()).to.not.include.members([a, b, running]);
    });

    it('stop, start, rm of several with one missing: the others done and printed, its line on stderr, exit 1', () => {
      const a = name();
      ok(['run', ...NET, '-d', '--name', a, img(), 'sleep', '30']);
      const line = 'Error response from daemon: No such container: tsdock-it-missing\n';
      expect(cli(['stop', '-t', '1', a, 'tsdock-it-missing'])).to.deep.equal({
        stdout: `${a}\n`,
        stderr: line,
        code: 1,
      });
      expect(inspect(a).State.Status).to.equal('exited');
      // docker/cli's last line names the containers that failed, not all of them.
      expect(cli(['start', 'tsdock-it-missing', a])).to.deep.equal({
        stdout: `${a}\n`,
        stderr: `${line}Error: failed to start containers: tsdock-it-missing\n`,
        code: 1,
      });
      expect(inspect(a).State.Running).to.equal(true);
      expect(cli(['rm', '-f', 'tsdock-it-missing', a])).to.deep.equal({
        stdout: `${a}\n`,
        stderr: line,
        code: 0,
      });
      expect(allNames()).to.not.include(a);
    });
  });

  describe('ps', () => {
    const header = 'CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n';

    it('prints the bare header when nothing matches', () => {
      expect(cli(['ps', '-a', '--filter', 'name=^tsdock-it-nothing$'])).to.deep.equal({
        stdout: header,
        stderr: '',
        code: 0,
      });
    });

    it('-a, -q, -n, -l, --no-trunc, STATUS and COMMAND', async () => {
      const tag = uniqueName('set');
      const label = ['-l', `set=${tag}`];
      const exited = name();
      const running = name();
      const created = name();
      const idE = ok(['run', ...NET, '-d', ...label, '--name', exited, img(), 'sh', '-c', 'exit 2']).trim();
      ok(['wait', exited]);
      const idR = ok(['run', ...NET, '-d', ...label, '--name', running, img(), 'sleep', '30']).trim();
      const idC = ok([
        'create',
        ...NET,
        ...label,
        '--name',
        created,
        img(),
        'echo',
        'a b',
        'averyveryverylongargument',
      ]).trim();
      const f = ['--filter', `label=set=${tag}`];
      expect(ok(['ps', ...f, '-q'])).to.equal(`${idR.slice(0, 12)}\n`);
      expect(ok(['ps', ...f, '-aq'])).to.equal([idC, idR, idE].map((i) => i.slice(0, 12) + '\n').join(''));
      expect(ok(['ps', ...f, '-aq', '--no-trunc'])).to.equal(`${idC}\n${idR}\n${idE}\n`);
      expect(ok(['ps', ...f, '-n', '2', '--format', '{{.Names}}'])).to.equal(`${created}\n${running}\n`);
      expect(ok(['ps', ...f, '-l', '--format', '{{.Names}}'])).to.equal(`${created}\n`);
      const rows = ok(['ps', ...f, '-a', '--format', '{{.Names}}|{{.Status}}|{{.Command}}|{{.State}}']).split(
        '\n',
      );
      expect(rows[0]).to.equal(`${created}|Created|"echo 'a b' averyver…"|created`);
      expect(rows[1]).to.match(
        new RegExp(`^${running}\\|Up (Less than a second|\\d+ seconds?)\\|"sleep 30"\\|running$`),
      );
      expect(rows[2]).to.match(
        new RegExp(
          `^${exited}\\|Exited \\(2\\) (Less than a second|\\d+ seconds?) ago\\|"sh -c 'exit 2'"\\|exited$`,
        ),
      );
      expect(ok(['ps', ...f, '-a', '--no-trunc', '--format', '{{.Command}}']).split('\n')[0]).to.equal(
        `"echo 'a b' averyveryverylongargument"`,
      );
      const table = ok(['ps', ...f, '-a']).split('\n');
      expect(table[0]).to.match(/^CONTAINER ID {3}IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$/);
      expect(table[1]).to.match(new RegExp(`^${idC.slice(0, 12)}   ${img()}   .*Created .*${created}$`));
    });

    it('--filter id, name, status, exited, ancestor; bad filters', () => {
      const tag = uniqueName('set');
      const f = ['--filter', `label=set=${tag}`];
      const a = name();
      const b = name();
      const idA = ok([
        'run',
        ...NET,
        '-d',
        '-l',
        `set=${tag}`,
        '--name',
        a,
        img(),
        'sh',
        '-c',
        'exit 3',
      ]).trim();
      ok(['wait', a]);
      ok(['run', ...NET, '-d', '-l', `set=${tag}`, '--name', b, img(), 'sleep', '30']);
      const q = (...extra: string[]) => ok(['ps', ...f, ...extra, '--format', '{{.Names}}']);
      expect(q('-a', '--filter', `id=${idA.slice(0, 8)}`)).to.equal(`${a}\n`);
      expect(q('-a', '--filter', `name=${a}`)).to.equal(`${a}\n`);
      expect(q('--filter', 'status=exited')).to.equal(`${a}\n`); // status implies -a
      expect(q('--filter', 'status=running')).to.equal(`${b}\n`);
      expect(q('--filter', 'exited=3')).to.equal(''); // unlike status, exited does not imply -a
      expect(q('-a', '--filter', 'exited=3')).to.equal(`${a}\n`);
      expect(q('--filter', 'exited=0')).to.equal('');
      expect(q('-a', '--filter', `ancestor=${img()}`)).to.equal(`${b}\n${a}\n`);
      expect(q('-a', '--filter', 'ancestor=tsdock-test/other:latest')).to.equal('');
      const bad = cli(['ps', '--filter', 'foo=bar']);
      expect(bad.code).to.equal(1);
      // moby 20.10 capitalised "Invalid filter"
      expect(firstLine(bad.stderr).toLowerCase()).to.equal(
        `error response from daemon: invalid filter 'foo'`,
      );
    });

    it('--format table and json', () => {
      const n = name();
      ok(['create', ...NET, '--name', n, '-l', 'b=2', '-l', 'a=1', img(), 'true']);
      expect(ok(['ps', '-a', '--filter', `name=${n}`, '--format', 'table {{.Names}}\t{{.State}}'])).to.equal(
        `NAMES${' '.repeat(Math.max(n.length, 5) - 5 + 3)}STATE\n${n}   created\n`,
      );
      const row = JSON.parse(ok(['ps', '-a', '--filter', `name=${n}`, '--format', 'json'])) as Record<
        string,
        string
      >;
      expect(Object.keys(row)).to.deep.equal([
        'Command',
        'CreatedAt',
        'ID',
        'Image',
        'Labels',
        'LocalVolumes',
        'Mounts',
        'Names',
        'Networks',
        'Platform',
        'Ports',
        'RunningFor',
        'Size',
        'State',
        'Status',
      ]);
      expect(row).to.deep.include({
        Names: n,
        State: 'created',
        Status: 'Created',
        Labels: 'a=1,b=2',
        Command: '"true"',
      });
      expect(row.CreatedAt).to.match(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC$/);
      expect(ok(['ps', '-a', '--filter', `name=${n}`, '--format', '{{.Label "b"}}'])).to.equal('2\n');
    });
  });

  describe('inspect', () => {
    it("has Docker's shape and key order", () => {
      const n = name();
      ok(['run', ...NET, '-d', '--name', n, '-e', 'FOO=bar', img(), 'sleep', '30']);
      const out = ok(['inspect', n]);
      expect(out.startsWith('[\n    {\n        "Id": ')).to.equal(true);
      const c = (JSON.parse(out) as Record<string, unknown>[])[0]!;
      expect(Object.keys(c)).to.deep.equal([
        'Id',
        'Created',
        'Path',
        'Args',
        'State',
        'Image',
        'ResolvConfPath',
        'HostnamePath',
        'HostsPath',
        'LogPath',
        'Name',
        'RestartCount',
        'Driver',
        'Platform',
        'MountLabel',
        'ProcessLabel',
        'AppArmorProfile',
        'ExecIDs',
        'HostConfig',
        'GraphDriver',
        // tsdock's one key of its own (docs/kernel.md): the kernel objects, beside GraphDriver.
        ...(target === 'tsdock' ? ['TsdockKernel'] : []),
        'Mounts',
        'Config',
        'NetworkSettings',
      ]);
      expect(Object.keys(c.State as object)).to.deep.equal([
        'Status',
        'Running',
        'Paused',
        'Restarting',
        'OOMKilled',
        'Dead',
        'Pid',
        'ExitCode',
        'Error',
        'StartedAt',
        'FinishedAt',
      ]);
      const s = inspect(n);
      expect(s.State).to.deep.include({ Status: 'running', Running: true, ExitCode: 0, Error: '' });
      expect(s.State.Pid).to.be.greaterThan(0);
      expect(c.Image).to.match(/^sha256:[0-9a-f]{64}$/);
      expect(c.Created).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      expect((c.State as { FinishedAt: string }).FinishedAt).to.equal('0001-01-01T00:00:00Z');
      expect(ok(['inspect', '-f', '{{.Name}}', n])).to.equal(`/${n}\n`);
      expect(ok(['inspect', '-f', '{{.State.Pid}}', n])).to.equal(`${s.State.Pid}\n`);
      const env = JSON.parse(ok(['inspect', '-f', '{{json .Config.Env}}', n])) as string[];
      expect(env).to.include('FOO=bar');
      expect(env.some((e) => e.startsWith('PATH='))).to.equal(true);
      // by id prefix as well
      expect(inspect(s.Id.slice(0, 10)).Name).to.equal(`/${n}`);
      // Where the running root is mounted, wherever the daemon keeps its state (Docker's overlay2
      // MergedDir); the snapshot's own dirs in any state.
      const graph = JSON.parse(ok(['inspect', '-f', '{{json .GraphDriver.Data}}', n])) as Record<
        string,
        string
      >;
      expect(graph.UpperDir).to.match(/^\//);
      expect(readdirSync(graph.MergedDir!)).to.include('bin');
      if (target === 'tsdock') {
        expect(graph.MergedDir).to.include(`/${testEnv().namespace}/${s.Id}/rootfs`);
        expect(graph.MergedDir!.startsWith('/run/containerd/')).to.equal(false); // the suite's own daemon
      }
    });

    it('missing: [] on stdout, Error: No such object on stderr, exit 1', () => {
      expect(cli(['inspect', 'tsdock-it-missing'])).to.deep.equal({
        stdout: '[]\n',
        stderr: 'Error: No such object: tsdock-it-missing\n',
        code: 1,
      });
    });
  });

  describe('logs', () => {
    it('--tail, -t, --since/--until, and logs kept for a detached container', () => {
      const n = name();
      ok([
        'run',
        ...NET,
        '-d',
        '--name',
        n,
        img(),
        'sh',
        '-c',
        'for i in 1 2 3; do echo o$i; echo e$i >&2; done',
      ]);
      ok(['wait', n]);
      expect(cli(['logs', n])).to.deep.equal({ stdout: 'o1\no2\no3\n', stderr: 'e1\ne2\ne3\n', code: 0 });
      // the two streams reach the log through separate pipes, so --tail is checked on one stream
      const m = name();
      ok(['run', ...NET, '-d', '--name', m, img(), 'sh', '-c', 'for i in 1 2 3 4; do echo l$i; done']);
      ok(['wait', m]);
      expect(cli(['logs', '--tail', '2', m])).to.deep.equal({ stdout: 'l3\nl4\n', stderr: '', code: 0 });
      expect(ok(['logs', '--tail', 'all', m])).to.equal('l1\nl2\nl3\nl4\n');
      expect(cli(['logs', '--tail', '0', n])).to.deep.include({ stdout: '', stderr: '', code: 0 });
      const t = ok(['logs', '-t', n]).split('\n');
      expect(t[0]).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z o1$/);
      expect(ok(['logs', '--since', '10m', n])).to.equal('o1\no2\no3\n');
      expect(ok(['logs', '--since', '2099-01-01', n])).to.equal('');
      expect(ok(['logs', '--until', '10m', n])).to.equal('');
      const bad = cli(['logs', '--since', 'foo', n]);
      expect(bad.code).to.equal(1);
      expect(firstLine(bad.stderr)).to.equal(
        'invalid value for "since": failed to parse value as time or duration: "foo"',
      );
      expect(cli(['logs', 'tsdock-it-missing'])).to.deep.include({
        stderr: 'Error response from daemon: No such container: tsdock-it-missing\n',
        code: 1,
      });
    });

    it('-f follows until the container exits', () => {
      const n = name();
      ok([
        'run',
        ...NET,
        '-d',
        '--name',
        n,
        img(),
        'sh',
        '-c',
        'echo one; sleep 1; echo two >&2; sleep 0.5; echo three',
      ]);
      const t0 = Date.now();
      const r = cli(['logs', '-f', n], { timeoutMs: 20_000 });
      expect(Date.now() - t0).to.be.at.least(1_000);
      expect(r).to.deep.equal({ stdout: 'one\nthree\n', stderr: 'two\n', code: 0 });
    });
  });

  describe('names and crash safety', () => {
    it('20 parallel run --name same: exactly one wins, the others exit 125 with Conflict', async () => {
      const n = name('race');
      const runs = Array.from(
        { length: 20 },
        () => cliAsync(['run', ...NET, '-d', '--name', n, img(), 'sleep', '30']).done,
      );
      const results = await Promise.all(runs);
      const winners = results.filter((r) => r.code === 0);
      expect(winners).to.have.length(1);
      const id = winners[0]!.stdout.trim();
      for (const r of results.filter((x) => x.code !== 0)) {
        expect(r.code).to.equal(125);
        expect(firstLine(r.stderr)).to.equal(
          `${P}Error response from daemon: Conflict. The container name "/${n}" is already in use by container "${id}". ` +
            'You have to remove (or rename) that container to be able to reuse that name.',
        );
      }
      expect(allNames().filter((x) => x === n)).to.have.length(1);
      ok(['rm', '-f', n]);
      expect(allNames()).to.not.include(n);
      // the name is free again
      ok(['create', ...NET, '--name', n, img()]);
    });

    it('a SIGKILLed foreground run leaves the container running and logging', async () => {
      const n = name();
      const fg = cliAsync([
        'run',
        ...NET,
        '--name',
        n,
        img(),
        'sh',
        '-c',
        'i=0; while :; do i=$((i+1)); echo tick$i; sleep 0.1; done',
      ]);
      await until(() => cli(['logs', n]).stdout.includes('tick3'), 10_000, 'first ticks');
      fg.child.kill('SIGKILL');
      await fg.done;
      const before = ok(['logs', n]).split('\n').length;
      await sleep(1_000);
      expect(inspect(n).State.Running).to.equal(true);
      expect(ok(['logs', n]).split('\n').length).to.be.greaterThan(before + 3);
      ok(['stop', '-t', '0', n]);
      expect(inspect(n).State.ExitCode).to.equal(137);
    });

    it('the next create repairs what a tsdock killed while creating left: its lease, directory, name, snapshotless container', async function () {
      if (target !== 'tsdock') this.skip();
      const { spawnSync } = await import('node:child_process');
      const { mkdirSync } = await import('node:fs');
      const { ContainerdClient } = await import('../../src/runtime/containerd/client.js');
      const env = testEnv();
      // A pid that was a process a moment ago and is none now: the "killed tsdock".
      const dead = spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim();
      const client = new ContainerdClient(env.address, env.namespace);
      try {
        const lease = await client.leases.create({ labels: { 'tsdock/pid': dead } });
        const id = 'f'.repeat(64);
        const dir = join(env.dataRoot, env.namespace, 'containers', id);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'creating.json'), JSON.stringify({ pid: Number(dead) }));
        const stale = name('stale');
        const namesDir = join(env.dataRoot, env.namespace, 'names');
        mkdirSync(namesDir, { recursive: true });
        writeFileSync(join(namesDir, stale), JSON.stringify({ id, pid: Number(dead) }));
        // Killed after its container reached containerd, before the snapshot was prepared.
        const half = 'e'.repeat(64);
        await client.containers.create({
          id: half,
          labels: {},
          image: '',
          runtime: { name: 'io.containerd.runc.v2' },
          spec: { ociVersion: '1.0.2' },
          snapshotter: 'overlayfs',
          snapshotKey: half,
        });
        const halfDir = join(env.dataRoot, env.namespace, 'containers', half);
        mkdirSync(halfDir, { recursive: true });
        writeFileSync(join(halfDir, 'creating.json'), JSON.stringify({ pid: Number(dead) }));

        ok(['run', '--rm', ...NET, img(), 'true']);

        const leases = await client.leases.list();
        expect(leases.map((l) => l.id)).to.not.include(lease.id);
        expect(readdirSyncSafe(join(env.dataRoot, env.namespace, 'containers'))).to.not.include(id);
        expect(readdirSyncSafe(namesDir)).to.not.include(stale);
        expect((await client.containers.list()).map((c) => c.id)).to.not.include(half);
        expect(readdirSyncSafe(join(env.dataRoot, env.namespace, 'containers'))).to.not.include(half);
      } finally {
        client.close();
      }
    });

    it('run -d --rm is removed when it exits, with no client waiting', async () => {
      const n = name();
      ok(['run', ...NET, '-d', '--rm', '--name', n, img(), 'sh', '-c', 'sleep 0.5']);
      expect(inspect(n).HostConfig.AutoRemove).to.equal(true);
      await until(() => !allNames().includes(n), 15_000, 'auto-removal');
      expect(cli(['inspect', n]).code).to.equal(1);
    });

    it('records the exit of a detached container', async () => {
      const n = name();
      ok(['run', ...NET, '-d', '--name', n, img(), 'sh', '-c', 'sleep 0.3; exit 6']);
      await until(() => inspect(n).State.Status === 'exited', 10_000, 'exit');
      expect(ok(['ps', '-a', '--filter', `name=${n}`, '--format', '{{.Status}}'])).to.match(
        /^Exited \(6\) (Less than a second|\d+ seconds?) ago\n$/,
      );
      expect(inspect(n).State.ExitCode).to.equal(6);
      expect(inspect(n).State.Pid).to.equal(0);
    });
  });
});
