import { expect } from 'chai';
import { decideRestart, policyOf, restartsAtStart } from '../../src/runtime/container/restart-policy.js';

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
