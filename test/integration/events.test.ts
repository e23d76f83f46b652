/**
 * `events` replays what happened to containers (the journal, as dockerd's ring of recent events)
 * for --since/--until and shows what happens while it runs, in Docker's format; `--init` puts tini
 * in as PID 1. Parity-capable where Docker agrees.
 */
import { expect } from 'chai';
import { cli, cliAsync, ok, target, testEnv, uniqueName } from '../harness/cli.js';

const NET = ['--network', 'none'];
const img = (): string => testEnv().image;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A --since/--until value for this instant (unix seconds with milliseconds, as Docker accepts). */
const stamp = (): string => (Date.now() / 1000).toFixed(3);
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const TIME = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}(Z|[+-]\\d\\d:\\d\\d)';

async function until(fn: () => boolean, ms = 15_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('events and --init', function () {
  this.timeout(60_000);
  let names: string[] = [];
  const name = (): string => {
    const n = uniqueName('tsdock-it-ev');
    names.push(n);
    return n;
  };
  afterEach(() => {
    if (names.length) cli(['rm', '-f', ...names]);
    names = [];
  });

  it("streams a container's create, start, die and destroy in Docker's format, filtered", async () => {
    const n = name();
    const ev = cliAsync(['events', '--filter', `container=${n}`]);
    const js = cliAsync([
      'events',
      '--filter',
      `container=${n}`,
      '--filter',
      'event=die',
      '--format',
      '{{json .}}',
    ]);
    let out = '';
    ev.child.stdout!.on('data', (d) => (out += d));
    await sleep(1500);
    expect(
      cli(['run', '--rm', ...NET, '--name', n, '-l', 'tier=test', img(), 'sh', '-c', 'exit 2']).code,
    ).to.equal(2);
    await until(() => out.includes(' destroy '), 15_000, 'destroy event');
    ev.child.kill('SIGTERM');
    js.child.kill('SIGTERM');
    const [, json] = await Promise.all([ev.done, js.done]);
    const lines = out.trim().split('\n');
    const id = /container create ([0-9a-f]{64}) /.exec(lines[0]!)?.[1];
    expect(id, lines[0]).to.be.a('string');
    const re = (action: string, extra = '') =>
      new RegExp(
        `^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}(Z|[+-]\\d\\d:\\d\\d) container ${action} ${id} \\(${extra}image=${img().replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}, name=${n}, tier=test\\)$`,
      );
    const actions = lines.map((l) => l.split(' ')[2]);
    // Docker also reports attach/kill/resize; these four it shares with containerd.
    for (const a of ['create', 'start', 'die', 'destroy']) expect(actions).to.include(a);
    expect(actions.indexOf('create')).to.be.below(actions.indexOf('start'));
    expect(actions.indexOf('start')).to.be.below(actions.indexOf('die'));
    expect(actions.indexOf('die')).to.be.below(actions.indexOf('destroy'));
    expect(lines.find((l) => l.includes(' start '))).to.match(re('start'));
    expect(lines.find((l) => l.includes(' die '))).to.match(re('die', 'exitCode=2, '));
    const die = JSON.parse(json.stdout.trim().split('\n')[0]!) as {
      status: string;
      id: string;
      Type: string;
      Action: string;
      Actor: { ID: string; Attributes: Record<string, string> };
      scope: string;
      time: number;
      timeNano: number;
    };
    expect(die).to.include({ status: 'die', id, Type: 'container', Action: 'die', scope: 'local' });
    expect(die.Actor.Attributes).to.include({ exitCode: '2', name: n, tier: 'test' });
    expect(Math.abs(die.time * 1000 - Date.now())).to.be.below(60_000);
  });

  it('pause and unpause are events; --until ends the stream by itself', async () => {
    const n = name();
    ok(['run', '-d', ...NET, '--name', n, img(), 'sleep', '60']);
    const t0 = Date.now();
    // A duration would mean "4s ago" (Docker's reading): an absolute time in the future.
    const until = String(Math.floor(Date.now() / 1000) + 4);
    const ev = cliAsync([
      'events',
      '--until',
      until,
      '--filter',
      `container=${n}`,
      '--format',
      '{{.Action}}',
    ]);
    await sleep(1500);
    ok(['pause', n]);
    ok(['unpause', n]);
    const r = await ev.done;
    expect(Date.now() - t0).to.be.below(10_000);
    expect(r.code).to.equal(0);
    // --until alone replays the history before `events` started too (dockerd's loadBufferedEvents).
    expect(r.stdout).to.equal('create\nstart\npause\nunpause\n');
  });

  it('--since/--until in the past: the stored events of a container that is gone, then it exits by itself', () => {
    const n = name();
    const since = stamp();
    expect(
      cli(['run', '--rm', ...NET, '--name', n, '-l', 'tier=test', img(), 'sh', '-c', 'exit 2']).code,
    ).to.equal(2);
    const t0 = Date.now();
    const r = cli(['events', '--since', since, '--until', stamp(), '--filter', `container=${n}`]);
    expect(r.code, r.stderr).to.equal(0);
    expect(Date.now() - t0).to.be.below(5000);
    const lines = r.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(' ')[2])).to.deep.equal(['create', 'attach', 'start', 'die', 'destroy']);
    const id = lines[0]!.split(' ')[3]!;
    expect(id).to.match(/^[0-9a-f]{64}$/);
    const attrs = (extra = '') => `\\(${extra}image=${escape(img())}, name=${n}, tier=test\\)`;
    for (const l of lines) {
      const action = l.split(' ')[2]!;
      const extra = action === 'die' ? 'exitCode=2, ' : '';
      expect(l).to.match(new RegExp(`^${TIME} container ${action} ${id} ${attrs(extra)}$`));
    }
    // Times in order, and inside the window.
    const times = lines.map((l) => Date.parse(l.split(' ')[0]!));
    expect([...times].sort((a, b) => a - b)).to.deep.equal(times);
    expect(times[0]).to.be.at.least(Math.floor(Number(since) * 1000) - 1);
  });

  it('--since alone replays the stored events, then follows new ones, none twice', async () => {
    const n = name();
    const since = stamp();
    ok(['create', ...NET, '--name', n, img(), 'sleep', '60']);
    const ev = cliAsync([
      'events',
      '--since',
      since,
      '--filter',
      `container=${n}`,
      '--format',
      '{{.Action}}',
    ]);
    let out = '';
    ev.child.stdout!.on('data', (d) => (out += d));
    await until(() => out.includes('create\n'), 15_000, 'replayed create');
    ok(['start', n]);
    ok(['kill', n]);
    await until(() => out.includes('die\n'), 15_000, 'live die');
    ev.child.kill('SIGTERM');
    await ev.done;
    expect(out).to.equal('create\nstart\nkill\ndie\n');
  });

  it('filters and --format apply to replayed events as to live ones', () => {
    const n = name();
    const other = name();
    const since = stamp();
    expect(cli(['run', ...NET, '--name', n, '-l', 'tier=test', img(), 'sh', '-c', 'exit 3']).code).to.equal(
      3,
    );
    ok(['run', ...NET, '--name', other, img(), 'true']);
    const now = stamp();
    const events = (...args: string[]) => cli(['events', '--since', since, '--until', now, ...args]);
    const die = events('--filter', 'event=die', '--filter', 'label=tier=test', '--format', '{{json .}}');
    expect(die.code, die.stderr).to.equal(0);
    const lines = die.stdout.trim().split('\n');
    expect(lines).to.have.length(1);
    const m = JSON.parse(lines[0]!) as {
      status: string;
      Action: string;
      Actor: { Attributes: Record<string, string> };
    };
    expect(m).to.include({ status: 'die', Action: 'die' });
    expect(m.Actor.Attributes).to.include({ exitCode: '3', name: n, tier: 'test' });
    expect(events('--filter', `container=${other}`, '--format', '{{.Action}}').stdout).to.equal(
      'create\nattach\nstart\ndie\n',
    );
    expect(
      events(
        '--filter',
        `container=${n}`,
        '--filter',
        `container=${other}`,
        '--filter',
        'event=start',
        '--format',
        '{{.Actor.Attributes.name}}',
      ).stdout,
    ).to.equal(`${n}\n${other}\n`);
    expect(events('--filter', 'image=nosuch', '--filter', `container=${n}`).stdout).to.equal('');
  });

  it("container verbs as dockerd logs them: exec, kill's signal, rename's oldName, restart, stop, rm -f", () => {
    const n = name();
    const renamed = name();
    const since = stamp();
    ok(['run', '-d', ...NET, '--name', n, img(), 'sleep', '60']);
    expect(cli(['exec', n, 'sh', '-c', 'exit 3']).code).to.equal(3);
    ok(['kill', '-s', 'HUP', n]); // sleep as PID 1 has no handler: the kernel ignores it
    ok(['rename', n, renamed]);
    ok(['restart', '-t', '1', renamed]); // SIGTERM ignored too: SIGKILL after the timeout
    ok(['rm', '-f', renamed]);
    const r = cli([
      'events',
      '--since',
      since,
      '--until',
      stamp(),
      '--filter',
      `container=${renamed}`,
      '--filter',
      `container=${n}`,
      '--format',
      '{{json .}}',
    ]);
    expect(r.code, r.stderr).to.equal(0);
    const messages = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { Action: string; Actor: { Attributes: Record<string, string> } });
    const shown = messages.map(({ Action, Actor: { Attributes: a } }) =>
      [Action, a.name, a.exitCode ?? '', a.signal ?? '', a.oldName ?? ''].join(' ').trimEnd(),
    );
    expect(shown).to.deep.equal([
      `create ${n}`,
      `start ${n}`,
      `exec_create: sh -c exit 3 ${n}`,
      `exec_start: sh -c exit 3 ${n}`,
      `exec_die ${n} 3`,
      `kill ${n}  1`,
      `rename ${renamed}   /${n}`,
      `kill ${renamed}  15`,
      `kill ${renamed}  9`,
      `die ${renamed} 137`,
      `stop ${renamed}`,
      `start ${renamed}`,
      `restart ${renamed}`,
      `kill ${renamed}  9`,
      `die ${renamed} 137`,
      `destroy ${renamed}`,
    ]);
    // The exec's three events name the same exec.
    const execIds = messages
      .filter((m) => m.Action.startsWith('exec_'))
      .map((m) => m.Actor.Attributes.execID);
    expect(execIds).to.have.length(3);
    expect(execIds[0]).to.match(/^[0-9a-f]{64}$/);
    expect(new Set(execIds).size).to.equal(1);
  });

  it('parallel runs: every event of every container once, in each its order', async () => {
    const ns = Array.from({ length: 6 }, () => name());
    const since = stamp();
    const runs = await Promise.all(
      ns.map((n) => cliAsync(['run', '--rm', ...NET, '--name', n, img(), 'true']).done),
    );
    for (const r of runs) expect(r.code, r.stderr).to.equal(0);
    const r = cli([
      'events',
      '--since',
      since,
      '--until',
      stamp(),
      '--format',
      '{{.Actor.Attributes.name}} {{.Action}}',
    ]);
    expect(r.code, r.stderr).to.equal(0);
    const lines = r.stdout.trim().split('\n');
    for (const n of ns) {
      expect(lines.filter((l) => l.startsWith(`${n} `)).map((l) => l.split(' ')[1])).to.deep.equal(
        ['create', 'attach', 'start', 'die', 'destroy'],
        n,
      );
    }
  });

  it("--since after --until is dockerd's error, with the times as the CLI sends them", () => {
    const r = cli(['events', '--since', '1m', '--until', '2m']);
    expect(r.code).to.equal(1);
    const m =
      /^Error response from daemon: `since` time \((\d+)\) cannot be after `until` time \((\d+)\)\n$/.exec(
        r.stderr,
      );
    expect(m, r.stderr).to.not.equal(null);
    expect(Number(m![1]) - Number(m![2])).to.equal(60);
    const dates = cli(['events', '--since', '2030-01-01T00:00:00Z', '--until', '2029-01-01T00:00:00Z']);
    expect(dates.stderr).to.equal(
      'Error response from daemon: `since` time (1893456000.000000000) cannot be after `until` time (1861920000.000000000)\n',
    );
  });

  it("--init: tini is PID 1 (Docker's args), forwards signals, reaps zombies; HostConfig.Init", () => {
    const n = name();
    ok(['run', '-d', ...NET, '--name', n, '--init', img(), 'sh', '-c', '(sleep 0.2 &); exec sleep 60']);
    expect(ok(['exec', n, 'sh', '-c', "tr '\\0' ' ' < /proc/1/cmdline"])).to.equal(
      '/sbin/docker-init -- sh -c (sleep 0.2 &); exec sleep 60 ',
    );
    expect(ok(['inspect', '-f', '{{.HostConfig.Init}}', n])).to.equal('true\n');
    // The subshell's sleep is orphaned and reparented to PID 1: tini reaps it (sleep 60 would not).
    const zombies = () =>
      ok(['exec', n, 'ps', '-o', 'stat,comm'])
        .split('\n')
        .filter((l) => /^\s*Z/.test(l));
    const end = Date.now() + 3000;
    while (Date.now() < end && zombies().length) {
      /* tini reaps within moments */
    }
    expect(zombies()).to.deep.equal([]);
    // sleep as PID 1 would ignore SIGTERM until the timeout; under tini it dies of it at once.
    const t0 = Date.now();
    ok(['stop', '-t', '20', n]);
    expect(Date.now() - t0).to.be.below(10_000);
    expect(ok(['inspect', '-f', '{{.State.ExitCode}}', n])).to.equal('143\n');
    if (target === 'tsdock')
      expect(ok(['inspect', '-f', '{{.Path}}', n])).to.match(/^(sh|\/sbin\/docker-init)\n$/);
  });
});
