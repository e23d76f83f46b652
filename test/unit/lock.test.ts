import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withLock } from '../../src/runtime/state/lock.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('state locks (proper-lockfile over synchronous file calls)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsdock-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lets one holder in at a time, and the others in turn', async () => {
    const events: string[] = [];
    await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        withLock(dir, async () => {
          events.push(`in ${n}`);
          await sleep(15);
          events.push(`out ${n}`);
        }),
      ),
    );
    expect(events).to.have.length(10);
    for (let i = 0; i < 10; i += 2) {
      expect(events[i]!.replace('in', 'out')).to.equal(events[i + 1]);
    }
    expect(existsSync(join(dir, '.lock'))).to.equal(false);
  });

  it('releases the lock when the work throws', async () => {
    let caught: unknown;
    try {
      await withLock(dir, async () => {
        throw new Error('boom');
      });
    } catch (err) {
      caught = err;
    }
    expect((caught as Error).message).to.equal('boom');
    expect(existsSync(join(dir, '.lock'))).to.equal(false);
    expect(await withLock(dir, async () => 'again')).to.equal('again');
  });

  it('takes over a lock left by a holder that died (stale after 10 s)', async () => {
    mkdirSync(join(dir, '.lock'));
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, '.lock'), old, old);
    const t0 = Date.now();
    expect(await withLock(dir, async () => 'taken')).to.equal('taken');
    expect(Date.now() - t0).to.be.below(2000);
  });
});
