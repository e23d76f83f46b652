/**
 * Restart policies through real exits: the container's process killed from the host, non-zero
 * exits counted by on-failure, a user's stop/kill that must stick, `update --restart`, and a
 * containerd restart that takes the task (and its shim) with it.
 */
import { expect } from 'chai';
import { cli, cliAsync, ok, target, testEnv, uniqueName } from '../harness/cli.js';
import { containerdDaemon } from './_setup.test.js';

const NET = ['--network', 'none'];
const img = (): string => testEnv().image;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface St {
  Status: string;
  Running: boolean;
  Restarting: boolean;
  Pid: number;
  ExitCode: number;
}
function state(name: string): {
  State: St;
  RestartCount: number;
  HostConfig: { RestartPolicy: { Name: string; MaximumRetryCount: number } };
} {
  return JSON.parse(ok(['inspect', name]))[0];
}

async function until<T>(fn: () => T | undefined | false, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const runningPid = (name: string, not = 0) => {
  const s = state(name);
  return s.State.Status === 'running' && s.State.Pid > 0 && s.State.Pid !== not ? s.State.Pid : undefined;
};

describe('restart policies', function () {
  this.timeout(120_000);
  const made: string[] = [];
  after(() => {
    if (made.length) cli(['rm', '-f', ...made]);
  });

  it('--rm with --restart is refused; policies are shown in inspect', () => {
    const r = cli(['run', '--rm', '--restart', 'always', img(), 'true']);
    expect(r.code).to.equal(125);
    expect(r.stderr.split('\n')[0]).to.equal(
      `${target}: conflicting options: cannot specify both --restart and --rm`,
    );
    const name = uniqueName('rp-shape');
    made.push(name);
    ok(['create', ...NET, '--name', name, '--restart', 'on-failure:3', img(), 'true']);
    expect(state(name).HostConfig.RestartPolicy).to.deep.equal({ Name: 'on-failure', MaximumRetryCount: 3 });
  });

  it('always: a process killed from the host comes back, RestartCount grows; stop keeps it stopped', async () => {
    const name = uniqueName('rp-always');
    made.push(name);
    ok(['run', '-d', ...NET, '--name', name, '--restart', 'always', img(), 'sleep', '600']);
    const pid1 = await until(() => runningPid(name), 10_000, 'first start');
    process.kill(pid1, 'SIGKILL');
    const pid2 = await until(() => runningPid(name, pid1), 20_000, 'restart after kill');
    expect(state(name).RestartCount).to.equal(1);
    process.kill(pid2, 'SIGKILL');
    await until(() => runningPid(name, pid2), 20_000, 'second restart');
    expect(state(name).RestartCount).to.equal(2);
    ok(['stop', '-t', '1', name]);
    await sleep(2000);
    const s = state(name);
    expect(s.State.Status).to.equal('exited');
    expect(s.RestartCount).to.equal(2);
  });

  it('on-failure:N restarts non-zero exits at most N times; a zero exit is not restarted', async () => {
    const failing = uniqueName('rp-onfail');
    const clean = uniqueName('rp-onfail-ok');
    made.push(failing, clean);
    ok(['run', '-d', ...NET, '--name', failing, '--restart', 'on-failure:2', img(), 'sh', '-c', 'exit 3']);
    ok(['run', '-d', ...NET, '--name', clean, '--restart', 'on-failure', img(), 'true']);
    await until(
      () => {
        const s = state(failing);
        return s.RestartCount === 2 && s.State.Status === 'exited';
      },
      30_000,
      'two restarts then exited',
    );
    await sleep(1500);
    const s = state(failing);
    expect(s.RestartCount).to.equal(2);
    expect(s.State.ExitCode).to.equal(3);
    expect(s.State.Status).to.equal('exited');
    const c = state(clean);
    expect(c.State.Status).to.equal('exited');
    expect(c.RestartCount).to.equal(0);
  });

  it('an exit that comes after the output ended is recorded, and the policy applies to it', async () => {
    const name = uniqueName('rp-closed');
    made.push(name);
    // The output ends at once (both streams closed), the process a second later: the exit hook
    // started by the end of the output finds the task still running.
    const cmd = 'exec >&- 2>&-; sleep 1; exit 4';
    ok(['run', '-d', ...NET, '--name', name, '--restart', 'on-failure:1', img(), 'sh', '-c', cmd]);
    const s = await until(
      () => {
        const v = state(name);
        return v.RestartCount === 1 && v.State.Status === 'exited' && v.State.ExitCode === 4 ? v : undefined;
      },
      30_000,
      'the restart and the second exit, with its status',
    );
    expect(s.State.Running).to.equal(false);
  });

  it('a foreground run returns the exit status and the policy restarts it in the background', async () => {
    const name = uniqueName('rp-fg');
    made.push(name);
    const r = cli(['run', ...NET, '--name', name, '--restart', 'on-failure:1', img(), 'sh', '-c', 'exit 2']);
    expect(r.code).to.equal(2);
    await until(
      () => {
        const s = state(name);
        return s.RestartCount === 1 && s.State.Status === 'exited';
      },
      20_000,
      'one restart',
    );
  });

  it('a container waiting to restart shows as restarting', async () => {
    const name = uniqueName('rp-restarting');
    made.push(name);
    ok(['run', '-d', ...NET, '--name', name, '--restart', 'always', img(), 'sh', '-c', 'exit 1']);
    // The back-off doubles from 100 ms: after a few exits the wait is long enough to see.
    await until(() => state(name).State.Restarting, 30_000, 'restarting state');
    const ps = await until(
      () =>
        /^Restarting \(1\) .* ago$/.exec(
          ok(['ps', '--filter', `name=${name}`, '--format', '{{.Status}}']).trim(),
        ) ?? undefined,
      30_000,
      'Restarting in ps',
    );
    expect(ps[0]).to.match(/^Restarting \(1\) /);
    expect(state(name).RestartCount).to.be.at.least(1);
    // (retried: between two back-offs the container may be running for a moment)
    const rm = await until(
      () => {
        const r = cli(['rm', name]);
        return r.stderr.includes('restarting') ? r : undefined;
      },
      20_000,
      'rm refused while restarting',
    );
    expect(rm.code).to.equal(1);
    expect(rm.stderr.trim()).to.match(
      /^Error response from daemon: You cannot remove a restarting container [0-9a-f]{64}\. Stop the container before attempting removal or force remove$/,
    );
    ok(['stop', '-t', '1', name]);
    await sleep(1500);
    expect(state(name).State.Status).to.equal('exited');
  });

  it('inspect never shows a pending restart as exited, nor a count going back, across restarts', async function () {
    // Docker (daemon/monitor.go): at an exit that will be restarted, RestartCount goes up and the
    // state becomes restarting (Running and Restarting true) in one step; running again when the
    // new task starts; exited only when no restart follows, and then for good.
    this.timeout(120_000);
    const name = uniqueName('rp-blip');
    made.push(name);
    const max = 3;
    ok([
      'run',
      '-d',
      ...NET,
      '--name',
      name,
      '--restart',
      `on-failure:${max}`,
      img(),
      'sh',
      '-c',
      'sleep 0.3; exit 3',
    ]);
    type Sample = { Status: string; Running: boolean; Restarting: boolean; Pid: number; count: number };
    const sampler = async (): Promise<Sample[]> => {
      const seen: Sample[] = [];
      const end = Date.now() + 60_000;
      while (Date.now() < end) {
        const r = await cliAsync(['inspect', '-f', '{{json .State}} {{.RestartCount}}', name]).done;
        expect(r.code, r.stderr).to.equal(0);
        const [json, count] = r.stdout.trim().split(/ (?=\d+$)/);
        const st = JSON.parse(json!) as St;
        seen.push({ ...st, count: Number(count) });
        // A few samples after the end, to see that it stays.
        if (seen.filter((x) => x.Status === 'exited').length >= 3) break;
      }
      return seen;
    };
    // ps the same: Up, Restarting (3) …, and Exited (3) … only at the end, for good.
    const psSampler = async (): Promise<string[]> => {
      const seen: string[] = [];
      const end = Date.now() + 60_000;
      while (Date.now() < end) {
        const r = await cliAsync(['ps', '-a', '--filter', `name=${name}`, '--format', '{{.Status}}']).done;
        seen.push(r.stdout.trim());
        if (seen.filter((x) => x.startsWith('Exited')).length >= 3) break;
      }
      return seen;
    };
    const [all, ps] = await Promise.all([Promise.all([sampler(), sampler()]), psSampler()]);
    const psShown = ps.join(' | ');
    for (const [i, x] of ps.entries()) {
      expect(x, psShown).to.match(/^(Up |Restarting \(3\) |Exited \(3\) )/);
      if (i > 0 && ps[i - 1]!.startsWith('Exited')) expect(x, psShown).to.match(/^Exited/);
    }
    for (const seen of all) {
      const shown = seen.map((x) => `${x.Status}/${x.count}`).join(' ');
      let last = 0;
      let ended = false;
      for (const x of seen) {
        expect(['running', 'restarting', 'exited'], shown).to.include(x.Status);
        expect(x.Restarting, shown).to.equal(x.Status === 'restarting');
        expect(x.Running, shown).to.equal(x.Status !== 'exited');
        if (x.Status === 'running') expect(x.Pid, shown).to.be.above(0);
        expect(x.count, shown).to.be.at.least(last);
        last = x.count;
        if (ended) expect(x.Status, shown).to.equal('exited');
        if (x.Status === 'exited') {
          expect(x.count, `exited before the last restart: ${shown}`).to.equal(max);
          ended = true;
        }
      }
      expect(ended, shown).to.equal(true);
    }
  });

  it('unless-stopped: a user kill stays down; update --restart changes the policy', async () => {
    const name = uniqueName('rp-unless');
    made.push(name);
    ok(['run', '-d', ...NET, '--name', name, '--restart', 'unless-stopped', img(), 'sleep', '600']);
    await until(() => runningPid(name), 10_000, 'start');
    ok(['kill', name]);
    await sleep(2000);
    expect(state(name).State.Status).to.equal('exited');
    const later = uniqueName('rp-update');
    made.push(later);
    ok(['run', '-d', ...NET, '--name', later, img(), 'sleep', '600']);
    ok(['update', '--restart', 'always', later]);
    expect(state(later).HostConfig.RestartPolicy.Name).to.equal('always');
    const pid = await until(() => runningPid(later), 10_000, 'start');
    process.kill(pid, 'SIGKILL');
    await until(() => runningPid(later, pid), 20_000, 'restart after update');
    const rm = uniqueName('rp-rm');
    made.push(rm);
    ok(['run', '-d', '--rm', ...NET, '--name', rm, img(), 'sleep', '600']);
    const r = cli(['update', '--restart', 'always', rm]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain(
      'Restart policy cannot be updated because AutoRemove is enabled for the container',
    );
  });

  it('an always container is running again after containerd restarts', async function () {
    if (target !== 'tsdock') this.skip();
    const daemon = containerdDaemon()!;
    const name = uniqueName('rp-containerd');
    made.push(name);
    ok(['run', '-d', ...NET, '--name', name, '--restart', 'always', img(), 'sleep', '600']);
    const pid1 = await until(() => runningPid(name), 10_000, 'start');
    // A plain restart: the shim and the task outlive containerd.
    await daemon.restart({ killShims: false });
    expect(runningPid(name)).to.equal(pid1);
    // A crash that takes the shims and their containers with it.
    await daemon.restart({ killShims: true });
    await until(() => runningPid(name, pid1), 60_000, 'container back after containerd restart');
    expect(state(name).RestartCount).to.equal(1);
  });
});
