import { expect } from 'chai';
import {
  decideRestart,
  pendingExit,
  policyOf,
  restartsAtStart,
} from '../../src/runtime/container/restart-policy.js';
import { initialState, type ContainerRunState } from '../../src/runtime/state/records.js';

describe('restart policy decisions (moby restartmanager)', () => {
  const st = (
    o: Partial<{ exitCode: number; stoppedByUser: boolean; restartCount: number; restartTimeoutMs: number }>,
  ) => ({
    exitCode: 0,
    stoppedByUser: false,
    restartCount: 0,
    restartTimeoutMs: 0,
    ...o,
  });
  it('reads the policy from HostConfig', () => {
    expect(policyOf({ hostConfig: {} })).to.deep.equal({ name: 'no', maximumRetryCount: 0 });
    expect(
      policyOf({ hostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } } }),
    ).to.deep.equal({ name: 'on-failure', maximumRetryCount: 3 });
  });
  it('always and unless-stopped restart unless the user stopped the container', () => {
    for (const name of ['always', 'unless-stopped'] as const) {
      expect(decideRestart({ name, maximumRetryCount: 0 }, st({}), 0).restart).to.equal(true);
      expect(decideRestart({ name, maximumRetryCount: 0 }, st({ exitCode: 1 }), 0).restart).to.equal(true);
      expect(decideRestart({ name, maximumRetryCount: 0 }, st({ stoppedByUser: true }), 0).restart).to.equal(
        false,
      );
    }
    expect(decideRestart({ name: 'no', maximumRetryCount: 0 }, st({ exitCode: 1 }), 0).restart).to.equal(
      false,
    );
  });
  it('on-failure counts only non-zero exits, up to its maximum (0 = no limit)', () => {
    const p = { name: 'on-failure' as const, maximumRetryCount: 2 };
    expect(decideRestart(p, st({ exitCode: 0 }), 0).restart).to.equal(false);
    expect(decideRestart(p, st({ exitCode: 1, restartCount: 1 }), 0).restart).to.equal(true);
    expect(decideRestart(p, st({ exitCode: 1, restartCount: 2 }), 0).restart).to.equal(false);
    expect(
      decideRestart({ name: 'on-failure', maximumRetryCount: 0 }, st({ exitCode: 1, restartCount: 99 }), 0)
        .restart,
    ).to.equal(true);
  });
  it('backs off from 100 ms, doubling to one minute, reset after 10 s of running', () => {
    const p = { name: 'always' as const, maximumRetryCount: 0 };
    expect(decideRestart(p, st({ restartTimeoutMs: 0 }), 0).delayMs).to.equal(100);
    expect(decideRestart(p, st({ restartTimeoutMs: 100 }), 0).delayMs).to.equal(200);
    expect(decideRestart(p, st({ restartTimeoutMs: 40_000 }), 0).delayMs).to.equal(60_000);
    expect(decideRestart(p, st({ restartTimeoutMs: 60_000 }), 0).delayMs).to.equal(60_000);
    expect(decideRestart(p, st({ restartTimeoutMs: 60_000 }), 10_000).delayMs).to.equal(100);
  });
  it("at engine start (system restore): a fresh restart manager's decision", () => {
    const at = (
      name: 'no' | 'always' | 'unless-stopped' | 'on-failure',
      o: Parameters<typeof st>[0],
      max = 0,
    ) => restartsAtStart({ name, maximumRetryCount: max }, st(o));
    expect(at('always', { stoppedByUser: true })).to.equal(true); // dockerd restarts these too
    expect(at('unless-stopped', {})).to.equal(true);
    expect(at('unless-stopped', { stoppedByUser: true })).to.equal(false);
    expect(at('on-failure', { exitCode: 255 })).to.equal(true);
    expect(at('on-failure', { exitCode: 0 })).to.equal(false);
    expect(at('on-failure', { exitCode: 1, restartCount: 3 }, 3)).to.equal(false);
    expect(at('no', { exitCode: 1 })).to.equal(false);
  });
});

describe('an exit not yet recorded, as inspect and ps show it (Docker: restarting at once)', () => {
  const onFailure = { hostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } } };
  const run = (o: Partial<ContainerRunState> = {}): ContainerRunState => ({
    ...initialState(),
    status: 'running',
    pid: 42,
    startedAt: '2026-01-01T00:00:00Z',
    restartCount: 1,
    ...o,
  });
  // What liveState makes of that run once its task has stopped.
  const exited = (o: Partial<ContainerRunState> = {}) =>
    run({ status: 'exited', pid: 0, exitCode: 3, finishedAt: '2026-01-01T00:00:01Z', ...o });
  const stopped = { status: 'STOPPED' as const };

  it('a stopped task the policy restarts: restarting, the count up, the exit code kept', () => {
    const s = pendingExit(onFailure, run(), stopped, exited());
    expect(s).to.include({ status: 'restarting', restartCount: 2, exitCode: 3, pid: 0 });
  });
  it('exited when no restart follows: the last retry, a zero exit, a user stop, no policy', () => {
    expect(pendingExit(onFailure, run({ restartCount: 3 }), stopped, exited({ restartCount: 3 }))).to.include(
      {
        status: 'exited',
        restartCount: 3,
      },
    );
    expect(pendingExit(onFailure, run(), stopped, exited({ exitCode: 0 })).status).to.equal('exited');
    expect(pendingExit(onFailure, run(), stopped, exited({ stoppedByUser: true })).status).to.equal('exited');
    expect(pendingExit({ hostConfig: {} }, run(), stopped, exited()).status).to.equal('exited');
  });
  it('leaves alone what the exit hook recorded, a task not stopped, and a task that is gone', () => {
    const recorded = exited();
    expect(pendingExit(onFailure, recorded, stopped, recorded)).to.equal(recorded);
    const live = run();
    expect(pendingExit(onFailure, run(), { status: 'RUNNING' }, live)).to.equal(live);
    const guessed = exited();
    expect(pendingExit(onFailure, run(), undefined, guessed)).to.equal(guessed);
  });
  it('does not change the state it was given', () => {
    const live = exited();
    pendingExit(onFailure, run(), stopped, live);
    expect(live.status).to.equal('exited');
    expect(live.restartCount).to.equal(1);
  });
});
