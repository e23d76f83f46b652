/**
 * pause/unpause (the cgroup freezer) with ps and inspect, and what stop/kill/rm/exec do to a paused
 * container. Parity-capable: dockerd 20.10 prints the same messages.
 */
import { expect } from 'chai';
import { cli, ok, testEnv, uniqueName } from '../harness/cli.js';

const NET = ['--network', 'none'];
const img = (): string => testEnv().image;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface State {
  Status: string;
  Running: boolean;
  Paused: boolean;
  ExitCode: number;
}
const state = (n: string): State => JSON.parse(ok(['inspect', '-f', '{{json .State}}', n])) as State;

describe('pause and unpause', function () {
  this.timeout(60_000);
  let names: string[] = [];
  const name = (): string => {
    const n = uniqueName('tsdock-it-pause');
    names.push(n);
    return n;
  };
  afterEach(() => {
    if (names.length) cli(['rm', '-f', ...names]);
    names = [];
  });

  /** A container that logs a line every 100 ms. */
  const ticker = (): { n: string; id: string } => {
    const n = name();
    const id = ok([
      'run',
      '-d',
      ...NET,
      '--name',
      n,
      img(),
      'sh',
      '-c',
      'while true; do echo tick; sleep 0.1; done',
    ]).trim();
    return { n, id };
  };
  const ticks = (n: string) => ok(['logs', n]).split('\n').filter(Boolean).length;

  it('freezes the processes; ps shows (Paused), inspect paused; unpause thaws them', async () => {
    const { n } = ticker();
    await sleep(500);
    expect(ok(['pause', n])).to.equal(`${n}\n`);
    expect(ok(['ps', '--filter', `name=${n}`, '--format', '{{.Status}}'])).to.match(/^Up .* \(Paused\)\n$/);
    expect(ok(['ps', '--filter', 'status=paused', '--format', '{{.Names}}']).split('\n')).to.include(n);
    const s = state(n);
    expect([s.Status, s.Running, s.Paused]).to.deep.equal(['paused', true, true]);
    const frozen = ticks(n);
    await sleep(800);
    expect(ticks(n)).to.equal(frozen);
    expect(ok(['container', 'unpause', n])).to.equal(`${n}\n`);
    await sleep(800);
    expect(ticks(n)).to.be.above(frozen);
    const after = state(n);
    expect([after.Status, after.Running, after.Paused]).to.deep.equal(['running', true, false]);
    expect(ok(['ps', '--filter', `name=${n}`, '--format', '{{.Status}}'])).to.not.match(/Paused/);
  });

  it("Docker's errors: already paused, not paused, not running, exec into a paused container", () => {
    const { n, id } = ticker();
    ok(['pause', n]);
    expect(cli(['pause', n])).to.deep.equal({
      stdout: '',
      stderr: `Error response from daemon: Container ${id} is already paused\n`,
      code: 1,
    });
    const ex = cli(['exec', n, 'true']);
    expect(ex.code).to.equal(1);
    expect(ex.stderr).to.equal(
      `Error response from daemon: Container ${n} is paused, unpause the container before exec\n`,
    );
    ok(['unpause', n]);
    expect(cli(['unpause', n])).to.deep.equal({
      stdout: '',
      stderr: `Error response from daemon: Container ${id} is not paused\n`,
      code: 1,
    });
    const stopped = name();
    const sid = ok(['create', ...NET, '--name', stopped, img(), 'true']).trim();
    expect(cli(['pause', stopped]).stderr).to.equal(
      `Error response from daemon: Container ${sid} is not running\n`,
    );
    expect(cli(['unpause', stopped]).stderr).to.equal(
      `Error response from daemon: Container ${sid} is not paused\n`,
    );
    // Several at once: each success echoed, each failure reported, status 1.
    const r = cli(['pause', n, 'tsdock-no-such-ctr']);
    expect(r.stdout).to.equal(`${n}\n`);
    expect(r.stderr).to.equal('Error response from daemon: No such container: tsdock-no-such-ctr\n');
    expect(r.code).to.equal(1);
  });

  it('stop, kill and rm -f end a paused container', async () => {
    const a = ticker();
    ok(['pause', a.n]);
    const t0 = Date.now();
    expect(ok(['stop', '-t', '5', a.n])).to.equal(`${a.n}\n`);
    expect(Date.now() - t0).to.be.below(15_000);
    const sa = state(a.n);
    expect([sa.Status, sa.Running, sa.Paused]).to.deep.equal(['exited', false, false]);

    const b = ticker();
    ok(['pause', b.n]);
    expect(ok(['kill', b.n])).to.equal(`${b.n}\n`);
    expect(ok(['wait', b.n])).to.equal('137\n');

    const c = ticker();
    ok(['pause', c.n]);
    expect(ok(['rm', '-f', c.n])).to.equal(`${c.n}\n`);
    expect(cli(['inspect', c.n]).code).to.equal(1);
  });
});
