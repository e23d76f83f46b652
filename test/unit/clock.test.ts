import { expect } from 'chai';
import {
  nowNanos,
  nowRfc3339Nano,
  rfc3339NanoFixed,
  rfc3339NanoOf,
  rfc3339NanoOfText,
  timestampNanos,
} from '../../src/runtime/state/clock.js';

describe('clock: Docker timestamps (RFC3339Nano)', () => {
  it('keeps nanoseconds and drops the trailing zeros, as Go does', () => {
    expect(rfc3339NanoOf(1_795_963_930_123_456_789n)).to.equal('2026-11-29T14:52:10.123456789Z');
    expect(rfc3339NanoOf(1_795_963_930_120_000_000n)).to.equal('2026-11-29T14:52:10.12Z');
    expect(rfc3339NanoOf(1_795_963_930_000_000_001n)).to.equal('2026-11-29T14:52:10.000000001Z');
    expect(rfc3339NanoOf(1_795_963_930_000_000_000n)).to.equal('2026-11-29T14:52:10Z');
  });

  it('prints another zone, and the fixed nine digits of logs -t and events', () => {
    expect(rfc3339NanoOf(1_795_963_930_120_000_000n, 90)).to.equal('2026-11-29T16:22:10.12+01:30');
    expect(rfc3339NanoOf(1_795_963_930_000_000_000n, -300)).to.equal('2026-11-29T09:52:10-05:00');
    expect(rfc3339NanoFixed(1_795_963_930_120_000_000n)).to.equal('2026-11-29T14:52:10.120000000Z');
    expect(rfc3339NanoFixed(-1n)).to.equal('1969-12-31T23:59:59.999999999Z');
  });

  it('prints a timestamp text again as Go does after parsing it (image configs)', () => {
    expect(rfc3339NanoOfText('2024-01-02T15:04:05.120000000Z')).to.equal('2024-01-02T15:04:05.12Z');
    expect(rfc3339NanoOfText('2024-01-02T15:04:05.5+02:00')).to.equal('2024-01-02T15:04:05.5+02:00');
    expect(rfc3339NanoOfText('2024-01-02T15:04:05+00:00')).to.equal('2024-01-02T15:04:05Z');
    expect(rfc3339NanoOfText('2024-01-02T15:04:05.1234567891z')).to.equal('2024-01-02T15:04:05.123456789Z');
    expect(rfc3339NanoOfText(undefined)).to.equal('0001-01-01T00:00:00Z');
    expect(rfc3339NanoOfText('yesterday')).to.equal('yesterday');
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
