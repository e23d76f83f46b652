import { expect } from 'chai';
import { UsageError } from '../../src/runtime/errors.js';
import {
  bytesSize,
  fromHumanSize,
  goDurationParse,
  goTime,
  humanDuration,
  humanSize,
  ramInBytes,
} from '../../src/runtime/format/units.js';

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const DAY = 24 * H;
const WEEK = 7 * DAY;
const MONTH = 30 * DAY;
const YEAR = 365 * DAY;
const KiB = 1024;
const MiB = KiB * 1024;
const GiB = MiB * 1024;
const TiB = GiB * 1024;
const PiB = TiB * 1024;

describe('format/units: humanDuration (go-units TestHumanDuration)', () => {
  const cases: [number, string][] = [
    [450, 'Less than a second'],
    [-5 * S, 'Less than a second'],
    [1 * S, '1 second'],
    [45 * S, '45 seconds'],
    [46 * S, '46 seconds'],
    [59 * S, '59 seconds'],
    [60 * S, 'About a minute'],
    [1 * MIN, 'About a minute'],
    [3 * MIN, '3 minutes'],
    [35 * MIN, '35 minutes'],
    [35 * MIN + 40 * S, '35 minutes'],
    [45 * MIN, '45 minutes'],
    [45 * MIN + 40 * S, '45 minutes'],
    [46 * MIN, '46 minutes'],
    [59 * MIN, '59 minutes'],
    [1 * H, 'About an hour'],
    [1 * H + 29 * MIN, 'About an hour'],
    [1 * H + 31 * MIN, '2 hours'],
    [1 * H + 59 * MIN, '2 hours'],
    [3 * H, '3 hours'],
    [3 * H + 29 * MIN, '3 hours'],
    [3 * H + 31 * MIN, '4 hours'],
    [3 * H + 59 * MIN, '4 hours'],
    [3 * H + 60 * MIN, '4 hours'],
    [24 * H, '24 hours'],
    [1 * DAY + 12 * H, '36 hours'],
    [2 * DAY, '2 days'],
    [7 * DAY, '7 days'],
    [13 * DAY + 5 * H, '13 days'],
    [2 * WEEK, '2 weeks'],
    [2 * WEEK + 4 * DAY, '2 weeks'],
    [3 * WEEK, '3 weeks'],
    [4 * WEEK, '4 weeks'],
    [4 * WEEK + 3 * DAY, '4 weeks'],
    [1 * MONTH, '4 weeks'],
    [1 * MONTH + 2 * WEEK, '6 weeks'],
    [2 * MONTH, '2 months'],
    [2 * MONTH + 2 * WEEK, '2 months'],
    [3 * MONTH, '3 months'],
    [3 * MONTH + 1 * WEEK, '3 months'],
    [5 * MONTH + 2 * WEEK, '5 months'],
    [13 * MONTH, '13 months'],
    [23 * MONTH, '23 months'],
    [24 * MONTH, '24 months'],
    [24 * MONTH + 2 * WEEK, '2 years'],
    [3 * YEAR + 2 * MONTH, '3 years'],
  ];
  for (const [ms, want] of cases) it(`${ms}ms -> ${want}`, () => expect(humanDuration(ms)).to.equal(want));
});

describe('format/units: sizes', () => {
  it('humanSize uses 3 significant decimal digits as docker ps/images do', () => {
    expect(humanSize(0)).to.equal('0B');
    expect(humanSize(1450)).to.equal('1.45kB');
    expect(humanSize(2.1e6)).to.equal('2.1MB');
    expect(humanSize(1000)).to.equal('1kB');
    expect(humanSize(1024)).to.equal('1.02kB');
    expect(humanSize(999)).to.equal('999B');
    expect(humanSize(999999)).to.equal('1e+03kB');
    expect(humanSize(123)).to.equal('123B');
    expect(humanSize(12300)).to.equal('12.3kB');
    expect(humanSize(4_420_000)).to.equal('4.42MB');
  });

  it('HumanSize with 4 digits (go-units TestHumanSize)', () => {
    expect(humanSize(1000, 4)).to.equal('1kB');
    expect(humanSize(1024, 4)).to.equal('1.024kB');
    expect(humanSize(1000000, 4)).to.equal('1MB');
    expect(humanSize(1048576, 4)).to.equal('1.049MB');
    expect(humanSize(2e6, 4)).to.equal('2MB');
    expect(humanSize(3.42e9, 4)).to.equal('3.42GB');
    expect(humanSize(5.372e12, 4)).to.equal('5.372TB');
    expect(humanSize(2.22e15, 4)).to.equal('2.22PB');
    expect(humanSize(1e13 * 1e15, 4)).to.equal('1e+04YB');
  });

  it('bytesSize (go-units TestBytesSize)', () => {
    expect(bytesSize(1024)).to.equal('1KiB');
    expect(bytesSize(1024 * 1024)).to.equal('1MiB');
    expect(bytesSize(2 * MiB)).to.equal('2MiB');
    expect(bytesSize(3.42 * GiB)).to.equal('3.42GiB');
    expect(bytesSize(5.372 * TiB)).to.equal('5.372TiB');
    expect(bytesSize(2.22 * PiB)).to.equal('2.22PiB');
    expect(bytesSize(KiB * KiB * KiB * KiB * KiB * PiB)).to.equal('1.049e+06YiB');
    expect(bytesSize(7782400)).to.equal('7.422MiB');
    expect(bytesSize(16_664_000_000)).to.equal('15.52GiB');
    expect(bytesSize(0)).to.equal('0B');
  });

  it('ramInBytes (go-units TestRAMInBytes)', () => {
    const ok: [string, number][] = [
      ['32', 32],
      ['32b', 32],
      ['32B', 32],
      ['32k', 32 * KiB],
      ['32K', 32 * KiB],
      ['32kb', 32 * KiB],
      ['32Kb', 32 * KiB],
      ['32Kib', 32 * KiB],
      ['32KIB', 32 * KiB],
      ['32Mb', 32 * MiB],
      ['32Gb', 32 * GiB],
      ['32Tb', 32 * TiB],
      ['32Pb', 32 * PiB],
      ['32PB', 32 * PiB],
      ['32P', 32 * PiB],
      ['32.3', 32],
      ['32.3 mb', Math.trunc(32.3 * MiB)],
      ['0.3MB', Math.trunc(0.3 * MiB)],
      ['256m', 268435456],
      ['1.5g', 1610612736],
      ['512k', 524288],
      ['100', 100],
      ['2GB', 2 * GiB],
    ];
    for (const [s, want] of ok) expect(ramInBytes(s), s).to.equal(want);
  });

  it('rejects bad sizes with go-units messages as usage errors', () => {
    const bad: [string, string][] = [
      ['', "invalid size: ''"],
      ['hello', "invalid size: 'hello'"],
      ['abc', "invalid size: 'abc'"],
      ['-32', "invalid size: '-32'"],
      ['32x', "invalid suffix: 'x'"],
      ['32bm', "invalid suffix: 'bm'"],
      ['32mbx', "invalid suffix: 'mbx'"],
      ['32KiBs', "invalid suffix: 'KiBs'"],
      [' 32 ', 'strconv.ParseFloat: parsing " 32": invalid syntax'],
      ['32m b', 'strconv.ParseFloat: parsing "32m": invalid syntax'],
    ];
    for (const [s, msg] of bad) {
      expect(() => ramInBytes(s), s).to.throw(UsageError, msg);
    }
  });

  it('fromHumanSize (go-units TestFromHumanSize)', () => {
    expect(fromHumanSize('32')).to.equal(32);
    expect(fromHumanSize('32k')).to.equal(32000);
    expect(fromHumanSize('32Kb')).to.equal(32000);
    expect(fromHumanSize('32Mb')).to.equal(32e6);
    expect(fromHumanSize('32Pb')).to.equal(32e15);
    expect(fromHumanSize('32.5kB')).to.equal(32500);
    expect(fromHumanSize('32.5 kB')).to.equal(32500);
    expect(fromHumanSize('32.5 B')).to.equal(32);
    expect(fromHumanSize('0.3 K')).to.equal(300);
    expect(fromHumanSize('.3kB')).to.equal(300);
    expect(() => fromHumanSize('32bm')).to.throw(UsageError);
  });
});

describe('format/units: Go time formats', () => {
  let tz: string | undefined;
  before(() => {
    tz = process.env.TZ;
    process.env.TZ = 'UTC';
  });
  after(() => {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  });

  it('goTime prints time.Time.String()', () => {
    expect(goTime(new Date('2024-01-02T15:04:05Z'))).to.equal('2024-01-02 15:04:05 +0000 UTC');
    expect(goTime(new Date('2024-01-02T15:04:05.120Z'), 120_000_000)).to.equal(
      '2024-01-02 15:04:05.12 +0000 UTC',
    );
  });

  it('goDurationParse follows time.ParseDuration', () => {
    expect(goDurationParse('10m')).to.equal(600e9);
    expect(goDurationParse('1h30m')).to.equal(5400e9);
    expect(goDurationParse('1.5s')).to.equal(1.5e9);
    expect(goDurationParse('300ms')).to.equal(300e6);
    expect(goDurationParse('-1h')).to.equal(-3600e9);
    expect(goDurationParse('+5s')).to.equal(5e9);
    expect(goDurationParse('0')).to.equal(0);
    expect(goDurationParse('1h2m3s4ms5us6ns')).to.equal(3723004005006);
    expect(goDurationParse('2µs')).to.equal(2000);
    expect(goDurationParse('.5s')).to.equal(5e8);
    expect(() => goDurationParse('foo')).to.throw(UsageError, 'time: invalid duration "foo"');
    expect(() => goDurationParse('')).to.throw(UsageError, 'time: invalid duration ""');
    expect(() => goDurationParse('10')).to.throw(UsageError, 'time: missing unit in duration "10"');
    expect(() => goDurationParse('10x')).to.throw(UsageError, 'time: unknown unit "x" in duration "10x"');
    expect(() => goDurationParse('.s')).to.throw(UsageError, 'time: invalid duration ".s"');
  });
});
