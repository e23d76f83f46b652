/**
 * Interactive use under a real pseudo-terminal (tmux): run -it, exec -it, attach, detach keys,
 * window size, Ctrl-C, the local terminal's mode afterwards; and the non-TTY sessions (piped
 * stdin, signal proxy, attach to plain stdio).
 */
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { argvFor, cli, cliAsync, ok, target, testEnv, uniqueName } from '../harness/cli.js';
import { TmuxSession } from '../harness/tmux.js';

const NET = ['--network', 'none'];
const img = (): string => testEnv().image;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(fn: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
/** The line printed after the CLI exited: its status, then the terminal's mode. */
const AFTER = /RC=(\d+)\n(\S[^\n]*)\n/;

/** Waits for the CLI to end; checks the terminal is cooked again (canonical, echo, signals); the status. */
async function exited(t: TmuxSession): Promise<number> {
  const m = await t.waitFor(AFTER);
  expect(m[2]!.trim().split(/\s+/).sort()).to.deep.equal(['echo', 'icanon', 'isig']);
  return Number(m[1]);
}

/** The shell's first prompt (busybox may have asked for the cursor position: clear the line). */
async function prompt(t: TmuxSession): Promise<void> {
  await t.waitFor(/\/ # /);
  await sleep(300);
  t.send('C-u');
}

describe('tty and attach', function () {
  this.timeout(90_000);
  let names: string[] = [];
  let sessions: TmuxSession[] = [];
  const name = (): string => {
    const n = uniqueName('tsdock-it-tty');
    names.push(n);
    return n;
  };
  const term = (args: string[], size?: { width: number; height: number }): TmuxSession => {
    const [cmd, argv] = argvFor(args);
    const s = new TmuxSession(uniqueName('tsdock-tty'), [cmd, ...argv], size);
    sessions.push(s);
    return s;
  };
  const running = (n: string) => cli(['inspect', '-f', '{{.State.Running}}', n]).stdout.trim() === 'true';

  afterEach(() => {
    for (const s of sessions) s.kill();
    sessions = [];
    if (names.length) cli(['rm', '-f', ...names]);
    names = [];
  });

  describe('under a terminal', function () {
    before(function () {
      if (!hasTmux) this.skip();
    });

    it('run -it: a pty inside, its size follows the window, Ctrl-C reaches the process, the status and the terminal mode come back', async () => {
      const n = name();
      const t = term(['run', ...NET, '--name', n, '-it', img(), 'sh']);
      await prompt(t);
      t.type('tty; stty size');
      await t.waitFor(/\/dev\/pts\/\d+\n24 80\n/);
      t.resize(100, 30);
      await sleep(300);
      t.type('stty size');
      await t.waitFor(/\n30 100\n/);
      // ^C as a byte to the pty: its line discipline signals the foreground job, the shell survives.
      t.type('sleep 100');
      await sleep(500);
      t.send('C-c');
      t.type('echo after-$?');
      await t.waitFor(/after-130/);
      t.type('exit 7');
      expect(await exited(t)).to.equal(7);
      if (target === 'tsdock') {
        // The json-file log holds the pty's output, as stdout (a terminal has no stderr).
        const logs = cli(['logs', n]);
        expect(logs.stdout).to.match(/after-130\r\n/);
        expect(logs.stderr).to.equal('');
      }
    });

    it('run -it: the detach keys leave it running; attach resumes, --detach-keys, exit status of attach', async () => {
      const n = name();
      const t = term(['run', ...NET, '--name', n, '-it', img(), 'sh']);
      await prompt(t);
      t.type('echo one');
      await t.waitFor(/^one$/m);
      t.send('C-p', 'C-q');
      expect(await exited(t)).to.equal(0); // run says nothing and exits 0 on detach
      expect(running(n)).to.equal(true);

      const a = term(['attach', '--detach-keys', 'ctrl-x,x', n]);
      await sleep(1000);
      a.type('echo two');
      await a.waitFor(/^two$/m);
      // The default keys are data here: ^P alone goes to the shell, ctrl-x,x detaches.
      a.send('C-x', 'x');
      expect(await exited(a)).to.equal(1);
      expect(a.screen()).to.match(/read escape sequence\s*\nRC=1\n/);
      expect(running(n)).to.equal(true);

      const b = term(['attach', n]);
      await sleep(1000);
      b.type('exit 5');
      expect(await exited(b)).to.equal(5);
      await until(() => !running(n), 10_000, 'exit');
    });

    it('exec -it: a pty of its own, resized with the window, Ctrl-C, detach, exit status', async () => {
      const n = name();
      ok(['run', '-d', ...NET, '--name', n, img(), 'sleep', '300']);
      const t = term(['exec', '-it', n, 'sh']);
      await prompt(t);
      t.type('tty; stty size; echo $TERM');
      await t.waitFor(/\/dev\/pts\/\d+\n24 80\nxterm\n/);
      t.resize(90, 20);
      await sleep(300);
      t.type('stty size');
      await t.waitFor(/\n20 90\n/);
      t.type('sleep 100');
      await sleep(500);
      t.send('C-c');
      t.type('echo after-$?');
      await t.waitFor(/after-130/);
      t.type('exit 9');
      expect(await exited(t)).to.equal(9);

      const d = term(['exec', '-it', n, 'sh']);
      await prompt(d);
      d.send('C-p', 'C-q');
      expect(await exited(d)).to.equal(1);
      expect(d.screen()).to.match(/read escape sequence\s*\nRC=1\n/);
      expect(running(n)).to.equal(true);
    });

    it('without a pty the detach keys are data, even typed at a terminal (moby scans only with Tty)', async () => {
      const n = name();
      ok(['run', '-d', ...NET, '--name', n, img(), 'sleep', '300']);
      const t = term(['exec', '-i', '--detach-keys', 'ctrl-x,x', n, 'cat']);
      await sleep(1000);
      t.type('a');
      t.send('C-x', 'x', 'Enter');
      await sleep(1500);
      expect(t.screen()).to.not.match(AFTER);
      // ^D at the start of a line: EOF for cat, which ends the exec normally.
      t.send('C-d');
      expect(await exited(t)).to.equal(0);
    });
  });

  it('-it without a terminal: "the input device is not a TTY", exit 1, nothing created', () => {
    const n = name();
    expect(cli(['run', ...NET, '--name', n, '-it', img(), 'true'])).to.deep.equal({
      stdout: '',
      stderr: 'the input device is not a TTY\n',
      code: 1,
    });
    expect(cli(['inspect', n]).code).to.equal(1);
    const c = name();
    ok(['run', '-d', ...NET, '--name', c, img(), 'sleep', '60']);
    expect(cli(['exec', '-it', c, 'true']).stderr).to.equal('the input device is not a TTY\n');
  });

  it('start -ai of a -t container takes piped input, and the detach keys in it detach (no terminal needed)', async () => {
    const n = name();
    ok(['create', '-it', ...NET, '--name', n, img(), 'sh', '-c', 'read x; echo got-$x; sleep 60']);
    const r = cli(['start', '-ai', n], { input: 'abc\x10\x11def\n' });
    expect(r.code, r.stderr).to.equal(0);
    // The line never reached `read`: the keys came before its newline, and what followed them was dropped.
    expect(r.stdout).to.not.include('got-');
    await sleep(1000);
    expect(running(n)).to.equal(true);
    expect(cli(['logs', n]).stdout).to.not.include('got-');
  });

  it('run -t without a terminal still gives the container one; piped stdin ends at EOF', () => {
    const r = cli(['run', '--rm', ...NET, '-t', img(), 'sh', '-c', 'tty; echo err >&2']);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/^\/dev\/pts\/\d+\r\nerr\r\n$/);
    // `echo x | run -i`: the container's stdin is closed when ours ends, so cat returns.
    expect(
      cli(['run', '--rm', ...NET, '-i', img(), 'sh', '-c', 'cat; echo eof'], { input: 'x\ny\n' }),
    ).to.deep.equal({ stdout: 'x\ny\neof\n', stderr: '', code: 0 });
  });

  describe('signal proxy (no terminal)', () => {
    const trap = [
      'sh',
      '-c',
      'for s in TERM HUP USR1 INT; do trap "echo got-$s; exit 3" $s; done; echo ready; while true; do sleep 0.1; done',
    ];

    for (const sig of ['SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGINT'] as const) {
      it(`run forwards ${sig} to the container's process`, async () => {
        const n = name();
        const fg = cliAsync(['run', ...NET, '--name', n, img(), ...trap]);
        let out = '';
        fg.child.stdout!.on('data', (d) => (out += d));
        await until(() => out.includes('ready'), 15_000, 'ready');
        fg.child.kill(sig);
        const r = await fg.done;
        expect(r.stdout).to.equal(`ready\ngot-${sig.slice(3)}\n`);
        expect(r.code).to.equal(3);
      });
    }

    it('run -t proxies signals too (the container has a terminal, this client has none)', async () => {
      const n = name();
      const fg = cliAsync(['run', ...NET, '--name', n, '-t', img(), ...trap]);
      let out = '';
      fg.child.stdout!.on('data', (d) => (out += d));
      await until(() => out.includes('ready'), 15_000, 'ready');
      fg.child.kill('SIGTERM');
      const r = await fg.done;
      expect(r.stdout).to.equal('ready\r\ngot-TERM\r\n');
      expect(r.code).to.equal(3);
    });

    it('--sig-proxy=false: the client dies of the signal, the container keeps running', async function () {
      // docker/cli 28 stops the container when it is terminated, whatever --sig-proxy says.
      if (target === 'docker') this.skip();
      const n = name();
      const fg = cliAsync(['run', ...NET, '--name', n, '--sig-proxy=false', img(), ...trap]);
      let out = '';
      fg.child.stdout!.on('data', (d) => (out += d));
      await until(() => out.includes('ready'), 15_000, 'ready');
      fg.child.kill('SIGTERM');
      const r = await fg.done;
      expect(r.stdout).to.equal('ready\n');
      expect(running(n)).to.equal(true);
    });

    it('attach forwards signals too, and ends with the container', async () => {
      const n = name();
      ok(['run', '-d', ...NET, '--name', n, img(), ...trap]);
      await until(() => cli(['logs', n]).stdout.includes('ready'), 15_000, 'ready');
      const a = cliAsync(['attach', n]);
      await sleep(1500);
      a.child.kill('SIGHUP');
      const r = await a.done;
      expect(r.stdout).to.equal('got-HUP\n');
      expect(r.code).to.equal(3);
    });
  });

  describe('attach without a terminal', () => {
    it('streams stdout and stderr apart from now on and exits with the container', async () => {
      const n = name();
      ok([
        'run',
        '-d',
        ...NET,
        '--name',
        n,
        img(),
        'sh',
        '-c',
        'echo early; sleep 2; echo out; echo err >&2; exit 4',
      ]);
      const r = await cliAsync(['attach', n]).done;
      expect(r).to.deep.equal({ stdout: 'out\n', stderr: 'err\n', code: 4 });
    });

    it('feeds stdin of a -i container; --no-stdin does not', async function () {
      // dockerd drops piped input that arrives before its attach stream is set up.
      if (target === 'docker') this.skip();
      const n = name();
      ok(['run', '-d', '-i', ...NET, '--name', n, img(), 'sh', '-c', 'read line; echo "got $line"; sleep 1']);
      await sleep(500);
      const none = cliAsync(['attach', '--no-stdin', n], { input: 'ignored\n' });
      await sleep(1000);
      expect(running(n)).to.equal(true);
      none.child.kill('SIGKILL');
      await none.done;
      const r = await cliAsync(['attach', n], { input: 'hello\n' }).done;
      expect(r).to.deep.equal({ stdout: 'got hello\n', stderr: '', code: 0 });
    });

    it('a stopped container cannot be attached; an unknown one is No such container', () => {
      const n = name();
      ok(['create', ...NET, '--name', n, img(), 'true']);
      expect(cli(['attach', n])).to.deep.equal({
        stdout: '',
        stderr: 'You cannot attach to a stopped container, start it first\n',
        code: 1,
      });
      expect(cli(['attach', 'tsdock-no-such-ctr'])).to.deep.equal({
        stdout: '',
        stderr: 'Error response from daemon: No such container: tsdock-no-such-ctr\n',
        code: 1,
      });
    });
  });
});
