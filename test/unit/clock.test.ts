import { expect } from 'chai';
import { nowNanos, nowRfc3339Nano, rfc3339NanoOf, timestampNanos } from '../../src/runtime/state/clock.js';

describe('clock: Docker timestamps (RFC3339Nano)', () => {
  it('keeps nanoseconds and drops the trailing zeros, as Go does', () => {
    expect(rfc3339NanoOf(1_795_963_930_123_456_789n)).to.equal('2026-11-29T14:52:10.123456789Z');
    expect(rfc3339NanoOf(1_795_963_930_120_000_000n)).to.equal('2026-11-29T14:52:10.12Z');
    expect(rfc3339NanoOf(1_795_963_930_000_000_001n)).to.equal('2026-11-29T14:52:10.000000001Z');
    expect(rfc3339NanoOf(1_795_963_930_000_000_000n)).to.equal('2026-11-29T14:52:10Z');
  });

  it('reads containerd timestamps, unset as undefined', () => {
    expect(timestampNanos({ seconds: 1_795_963_930, nanos: 5 })).to.equal(1_795_963_930_000_000_005n);
    expect(timestampNanos({ seconds: 0, nanos: 0 })).to.equal(undefined);
    expect(timestampNanos(undefined)).to.equal(undefined);
  });

  it('the current time is the wall clock, to the nanosecond, and never goes backwards', () => {
    const before = BigInt(Date.now()) * 1_000_000n;
    const a = nowNanos();
    const b = nowNanos();
    expect(b >= a).to.equal(true);
    expect(Number(a - before) / 1e6).to.be.within(-5, 50);
    expect(nowRfc3339Nano()).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
    expect(Date.parse(nowRfc3339Nano()) - Date.now()).to.be.within(-50, 50);
  });
});
