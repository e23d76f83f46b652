/**
 * `events` shows what happens to containers while it runs (containerd's event stream in Docker's
 * format), and `--init` puts tini in as PID 1. Parity-capable where Docker agrees.
 */
import { expect } from 'chai';
import { cli, cliAsync, ok, target, testEnv, uniqueName } from '../harness/cli.js';

const NET = ['--network', 'none'];
const img = (): string => testEnv().image;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
    // dockerd also replays its history before `events` started (create, start); tsdock keeps none.
    if (target === 'docker') expect(r.stdout).to.match(/pause\nunpause\n$/);
    else expect(r.stdout).to.equal('pause\nunpause\n');
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
