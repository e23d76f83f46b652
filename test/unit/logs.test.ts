import { expect } from 'chai';
import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { RequestError, UsageError } from '../../src/runtime/errors.js';
import {
  decodeCriEntry,
  decodeEntry,
  fixedTime,
  parseLogOpts,
  parseTimeArg,
  readLogs,
  type ReadLogsOptions,
} from '../../src/runtime/logs/jsonfile.js';

class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

function entry(log: string, stream: 'stdout' | 'stderr', time: string): string {
  return JSON.stringify({ log, stream, time }) + '\n';
}

const T0 = Date.UTC(2024, 0, 2, 3, 4, 5);
/** Entry i is logged at T0 + i seconds + 100 ms. */
function timeOf(i: number): string {
  return new Date(T0 + i * 1000 + 100).toISOString().replace('.100Z', '.1Z');
}
const nanos = (ms: number) => BigInt(ms) * 1_000_000n;

async function read(path: string, opts: Partial<ReadLogsOptions> = {}) {
  const stdout = new Sink();
  const stderr = new Sink();
  await readLogs(path, { timestamps: false, follow: false, ...opts }, { stdout, stderr });
  return { stdout: stdout.text, stderr: stderr.text };
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('json-file log reader', function () {
  this.timeout(15000);
  let dir: string;
  let log: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsdock-logs-test-'));
    log = join(dir, 'c-json.log');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function writeLines(path: string, from: number, to: number) {
    let s = '';
    for (let i = from; i < to; i++) s += entry(`line ${i}\n`, i % 5 === 4 ? 'stderr' : 'stdout', timeOf(i));
    writeFileSync(path, s);
  }
  const lines = (from: number, to: number, pick: (i: number) => boolean = () => true) =>
    Array.from({ length: to - from }, (_, k) => from + k)
      .filter(pick)
      .map((i) => `line ${i}\n`)
      .join('');
  const isErr = (i: number) => i % 5 === 4;

  describe('decodeEntry', () => {
    it('decodes the monitor shape, escapes included, and falls back to JSON for others', () => {
      expect(
        decodeEntry('{"log":"a\\u003cb\\n","stream":"stderr","time":"2024-01-02T03:04:05Z"}'),
      ).to.deep.equal({
        log: 'a<b\n',
        stream: 'stderr',
        time: '2024-01-02T03:04:05Z',
      });
      const tricky = 'say \\","stream":"stdout" \\u2028 é';
      expect(decodeEntry(entry(tricky, 'stdout', 't').trimEnd())?.log).to.equal(tricky);
      expect(decodeEntry('{"time":"2024-01-02T03:04:05Z","stream":"stdout","log":"x\\n"}')?.log).to.equal(
        'x\n',
      );
      expect(decodeEntry('{"log":"x\\n","stream":"stdout","attrs":{"a":"b"},"time":"t"}')?.log).to.equal(
        'x\n',
      );
      expect(decodeEntry('{"log":"torn')).to.equal(undefined);
    });

    it("pads times to Docker's fixed nanosecond format", () => {
      expect(fixedTime('2024-01-02T03:04:05Z')).to.equal('2024-01-02T03:04:05.000000000Z');
      expect(fixedTime('2024-01-02T03:04:05.12Z')).to.equal('2024-01-02T03:04:05.120000000Z');
      expect(fixedTime('2024-01-02T03:04:05.123456789Z')).to.equal('2024-01-02T03:04:05.123456789Z');
      expect(fixedTime('2024-01-02T05:04:05.5+02:00')).to.equal('2024-01-02T03:04:05.500000000Z');
    });
  });

  it('sends stdout and stderr entries to their own streams, in file order', async () => {
    writeLines(log, 0, 10);
    const out = await read(log);
    expect(out.stdout).to.equal(lines(0, 10, (i) => !isErr(i)));
    expect(out.stderr).to.equal(lines(0, 10, isErr));
  });

  it('reads nothing and fails on nothing for a container that never ran', async () => {
    expect(await read(join(dir, 'missing.log'))).to.deep.equal({ stdout: '', stderr: '' });
  });

  it('keeps partial entries unterminated so they join up', async () => {
    writeFileSync(log, entry('abc', 'stdout', timeOf(0)) + entry('def\n', 'stdout', timeOf(1)));
    expect((await read(log)).stdout).to.equal('abcdef\n');
  });

  it('prefixes -t with the entry time padded to nanoseconds', async () => {
    writeFileSync(
      log,
      entry('a\n', 'stdout', '2024-01-02T03:04:05.1Z') + entry('b\n', 'stderr', '2024-01-02T03:04:06Z'),
    );
    const out = await read(log, { timestamps: true });
    expect(out.stdout).to.equal('2024-01-02T03:04:05.100000000Z a\n');
    expect(out.stderr).to.equal('2024-01-02T03:04:06.000000000Z b\n');
  });

  describe('--tail', () => {
    it('prints the last N entries; 0 prints nothing; more than there are prints all', async () => {
      writeLines(log, 0, 50);
      expect((await read(log, { tail: 3 })).stdout).to.equal(lines(47, 50, (i) => !isErr(i)));
      expect((await read(log, { tail: 3 })).stderr).to.equal(lines(47, 50, isErr));
      expect(await read(log, { tail: 0 })).to.deep.equal({ stdout: '', stderr: '' });
      expect((await read(log, { tail: 1000 })).stdout).to.equal(lines(0, 50, (i) => !isErr(i)));
    });

    it('reads backwards from the end: a 64 GiB sparse log tails instantly', async () => {
      // Everything before the last lines is a hole of zeros: reading it would take minutes.
      writeFileSync(log, '');
      truncateSync(log, 64 * 2 ** 30);
      let s = '\n';
      for (let i = 0; i < 2000; i++) s += entry(`line ${i}\n`, 'stdout', timeOf(i));
      appendFileSync(log, s);
      const t = Date.now();
      const out = await read(log, { tail: 1500 });
      expect(Date.now() - t).to.be.below(2000);
      expect(out.stdout).to.equal(lines(500, 2000));
    });

    it('takes earlier entries from rotated files only when the current one is short', async () => {
      writeLines(log + '.2', 0, 10);
      writeLines(log + '.1', 10, 20);
      writeLines(log, 20, 23);
      const all = (from: number) => lines(from, 23, (i) => !isErr(i));
      expect((await read(log, { tail: 2 })).stdout).to.equal(all(21));
      expect((await read(log, { tail: 3 })).stdout).to.equal(all(20));
      expect((await read(log, { tail: 8 })).stdout).to.equal(all(15));
      expect((await read(log, { tail: 15 })).stdout).to.equal(all(8));
      expect((await read(log, { tail: 100 })).stdout).to.equal(all(0));
      expect((await read(log)).stdout).to.equal(all(0));
      // An older file the tail doesn't reach is not even looked at.
      writeFileSync(log + '.2', 'garbage that is not json\n');
      expect((await read(log, { tail: 8 })).stdout).to.equal(all(15));
    });
  });

  describe('--since / --until', () => {
    it('keeps entries from since to until, both inclusive', async () => {
      writeLines(log, 0, 20);
      const at = (i: number) => nanos(T0 + i * 1000 + 100);
      expect((await read(log, { since: at(15) })).stdout).to.equal(lines(15, 20, (i) => !isErr(i)));
      expect((await read(log, { since: at(15) + 1n })).stdout).to.equal(lines(16, 20, (i) => !isErr(i)));
      expect((await read(log, { until: at(3) })).stdout).to.equal(lines(0, 4, (i) => !isErr(i)));
      expect((await read(log, { since: at(5), until: at(9) })).stderr).to.equal('line 9\n');
      expect((await read(log, { since: at(5), until: at(9), timestamps: true })).stdout).to.equal(
        lines(5, 9)
          .split('\n')
          .filter(Boolean)
          .map((l, k) => `${new Date(T0 + (5 + k) * 1000).toISOString().slice(0, 19)}.100000000Z ${l}\n`)
          .join(''),
      );
    });

    it('applies --tail before --since, as Docker does', async () => {
      writeLines(log, 0, 20);
      const out = await read(log, { tail: 5, since: nanos(T0 + 17_000) });
      expect(out.stdout).to.equal(lines(17, 20, (i) => !isErr(i)));
    });

    it('skips rotated files whose last entry is before since', async () => {
      writeFileSync(log + '.1', entry('old\n', 'stdout', timeOf(0)).repeat(3));
      writeLines(log, 10, 12);
      expect((await read(log, { since: nanos(T0 + 5000) })).stdout).to.equal(lines(10, 12));
    });
  });

  describe('follow', () => {
    it('prints appended entries until stop resolves and the rest is drained', async () => {
      writeLines(log, 0, 2);
      const stdout = new Sink();
      const stderr = new Sink();
      let stop!: () => void;
      const stopped = new Promise<void>((r) => (stop = r));
      const done = readLogs(log, { timestamps: false, follow: true, stop: stopped }, { stdout, stderr });
      await until(() => stdout.text === lines(0, 2), 'initial lines');
      appendFileSync(log, entry('more\n', 'stdout', timeOf(2)));
      await until(() => stdout.text.endsWith('more\n'), 'appended line');
      // Written just before stop: still printed.
      appendFileSync(log, entry('last\n', 'stderr', timeOf(3)));
      stop();
      await done;
      expect(stdout.text).to.equal(lines(0, 2) + 'more\n');
      expect(stderr.text).to.equal('last\n');
    });

    it('follows across rotation and truncation', async () => {
      writeLines(log, 0, 2);
      const stdout = new Sink();
      let stop!: () => void;
      const done = readLogs(
        log,
        { timestamps: false, follow: true, stop: new Promise<void>((r) => (stop = r)) },
        { stdout, stderr: new Sink() },
      );
      await until(() => stdout.text === lines(0, 2), 'initial lines');
      appendFileSync(log, entry('before rotate\n', 'stdout', timeOf(2)));
      renameSync(log, log + '.1');
      writeFileSync(log, entry('after rotate\n', 'stdout', timeOf(3)));
      await until(() => stdout.text.endsWith('after rotate\n'), 'rotated file');
      expect(stdout.text).to.equal(lines(0, 2) + 'before rotate\nafter rotate\n');
      // In-place truncation is only seen once the file is shorter than what was read (neither
      // Docker nor tsdock-mon truncates in place; copytruncate-style tools do).
      truncateSync(log, 0);
      await new Promise((r) => setTimeout(r, 400));
      writeFileSync(log, entry('after truncate\n', 'stdout', timeOf(4)));
      await until(() => stdout.text.endsWith('after truncate\n'), 'truncated file');
      stop();
      await done;
    });

    it('starts at the end with --tail 0 and ends on abort', async () => {
      writeLines(log, 0, 3);
      const stdout = new Sink();
      const abort = new AbortController();
      const done = readLogs(
        log,
        { tail: 0, timestamps: false, follow: true, signal: abort.signal },
        {
          stdout,
          stderr: new Sink(),
        },
      );
      await new Promise((r) => setTimeout(r, 50));
      appendFileSync(log, entry('new\n', 'stdout', timeOf(3)));
      await until(() => stdout.text === 'new\n', 'new line');
      abort.abort();
      await done;
    });

    it('waits for a log that does not exist yet', async () => {
      const stdout = new Sink();
      let stop!: () => void;
      const done = readLogs(
        log,
        { timestamps: false, follow: true, stop: new Promise<void>((r) => (stop = r)) },
        { stdout, stderr: new Sink() },
      );
      await new Promise((r) => setTimeout(r, 50));
      writeFileSync(log, entry('hello\n', 'stdout', timeOf(0)));
      await until(() => stdout.text === 'hello\n', 'first line');
      stop();
      await done;
    });
  });
});

describe('parseTimeArg', () => {
  const now = new Date('2024-05-06T07:08:09.500Z');
  const at = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;
  const local = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) =>
    BigInt(
      new Date(y, mo - 1, d, h, mi, s).getTime() -
        (new Date(y, mo - 1, d).getTimezoneOffset() - now.getTimezoneOffset()) * 60_000,
    ) * 1_000_000n;

  it('reads Go durations back from now, truncated to the second', () => {
    expect(parseTimeArg('10m', 'since', now)).to.equal(at('2024-05-06T06:58:09Z'));
    expect(parseTimeArg('1h30m', 'since', now)).to.equal(at('2024-05-06T05:38:09Z'));
    expect(parseTimeArg('1.5h', 'since', now)).to.equal(at('2024-05-06T05:38:09Z'));
    expect(parseTimeArg('90s', 'until', now)).to.equal(at('2024-05-06T07:06:39Z'));
    expect(parseTimeArg('-10m', 'until', now)).to.equal(at('2024-05-06T07:18:09Z'));
    expect(parseTimeArg('250ms', 'since', now)).to.equal(at('2024-05-06T07:08:09Z'));
  });

  it('reads RFC3339 times, with or without a zone', () => {
    expect(parseTimeArg('2024-01-02T03:04:05Z', 'since', now)).to.equal(at('2024-01-02T03:04:05Z'));
    expect(parseTimeArg('2024-01-02T03:04:05.123456789Z', 'since', now)).to.equal(
      at('2024-01-02T03:04:05Z') + 123456789n,
    );
    expect(parseTimeArg('2024-01-02T03:04:05+02:00', 'since', now)).to.equal(at('2024-01-02T01:04:05Z'));
    expect(parseTimeArg('2024-01-02T03:04:05-07:00', 'since', now)).to.equal(at('2024-01-02T10:04:05Z'));
    expect(parseTimeArg('2024-01-02T03:04:05', 'since', now)).to.equal(local(2024, 1, 2, 3, 4, 5));
    expect(parseTimeArg('2024-01-02T03:04', 'since', now)).to.equal(local(2024, 1, 2, 3, 4));
    expect(parseTimeArg('2024-01-02', 'since', now)).to.equal(local(2024, 1, 2));
    expect(parseTimeArg('2024-01-02T03:04:05.5', 'since', now)).to.equal(
      local(2024, 1, 2, 3, 4, 5) + 500_000_000n,
    );
    expect(parseTimeArg('2024-01-02Z', 'since', now)).to.equal(at('2024-01-02T00:00:00Z'));
  });

  it('reads unix seconds with an optional fraction', () => {
    expect(parseTimeArg('1700000000', 'since', now)).to.equal(1_700_000_000_000_000_000n);
    expect(parseTimeArg('1700000000.5', 'since', now)).to.equal(1_700_000_000_500_000_000n);
    expect(parseTimeArg('1700000000.000000001', 'since', now)).to.equal(1_700_000_000_000_000_001n);
    expect(parseTimeArg('0', 'since', now)).to.equal(0n);
  });

  it("fails with Docker's messages", () => {
    const err = (v: string, name: 'since' | 'until' = 'since') => {
      try {
        parseTimeArg(v, name, now);
      } catch (e) {
        expect(e).to.be.instanceOf(RequestError);
        expect((e as RequestError).exitCode).to.equal(1);
        return (e as Error).message;
      }
      throw new Error(`${v} parsed`);
    };
    expect(err('foo')).to.equal(
      'invalid value for "since": failed to parse value as time or duration: "foo"',
    );
    expect(err('10x', 'until')).to.equal(
      'invalid value for "until": failed to parse value as time or duration: "10x"',
    );
    expect(err('2024-13-01')).to.equal(
      'invalid value for "since": parsing time "2024-13-01": month out of range',
    );
    expect(err('2024-02-30')).to.equal(
      'invalid value for "since": parsing time "2024-02-30": day out of range',
    );
    expect(err('2024-01-0x')).to.equal(
      'invalid value for "since": parsing time "2024-01-0x" as "2006-01-02": cannot parse "0x" as "02"',
    );
    expect(err('2024-01-02T03:04:05Zjunk')).to.equal(
      'invalid value for "since": parsing time "2024-01-02T03:04:05Zjunk": extra text: "junk"',
    );
  });
});

describe('parseLogOpts', () => {
  it('reads max-size (decimal units, as Docker) and max-file', () => {
    expect(parseLogOpts([])).to.deep.equal({});
    expect(parseLogOpts(['max-size=10m', 'max-file=3'])).to.deep.equal({ maxSize: 10_000_000, maxFile: 3 });
    expect(parseLogOpts(['max-size=1k'])).to.deep.equal({ maxSize: 1000 });
    expect(parseLogOpts(['max-size=2048'])).to.deep.equal({ maxSize: 2048 });
    expect(parseLogOpts(['max-size=1.5MB', 'tag=x', 'mode=non-blocking', 'compress=false'])).to.deep.equal({
      maxSize: 1_500_000,
    });
  });

  it("rejects with Docker's messages", () => {
    const err = (opts: string[]) => {
      try {
        parseLogOpts(opts);
      } catch (e) {
        expect(e).to.be.instanceOf(UsageError);
        return (e as Error).message;
      }
      throw new Error('parsed');
    };
    expect(err(['foo=bar'])).to.equal("unknown log opt 'foo' for json-file log driver");
    expect(err(['max-size=abc'])).to.equal("failed to initialize logging driver: invalid size: 'abc'");
    expect(err(['max-size=0'])).to.equal(
      'failed to initialize logging driver: max-size must be a positive number',
    );
    expect(err(['max-size=1m', 'max-file=0'])).to.equal(
      'failed to initialize logging driver: max-file cannot be less than 1',
    );
    expect(err(['max-file=x'])).to.equal(
      'failed to initialize logging driver: strconv.Atoi: parsing "x": invalid syntax',
    );
    expect(err(['max-size=1m', 'compress=true'])).to.equal(
      'failed to initialize logging driver: compress cannot be true when max-file is less than 2 or max-size is not set',
    );
  });
});

describe('CRI log lines', () => {
  it('full and partial lines, both streams', () => {
    expect(decodeCriEntry('2024-05-01T10:00:00.000000001Z stdout F hello world')).to.deep.equal({
      log: 'hello world\n',
      stream: 'stdout',
      time: '2024-05-01T10:00:00.000000001Z',
    });
    expect(decodeCriEntry('2024-05-01T10:00:00Z stderr P part ')).to.deep.equal({
      log: 'part ',
      stream: 'stderr',
      time: '2024-05-01T10:00:00Z',
    });
    expect(decodeCriEntry('2024-05-01T10:00:00Z stdout F')).to.deep.equal({
      log: '\n',
      stream: 'stdout',
      time: '2024-05-01T10:00:00Z',
    });
    expect(decodeCriEntry('garbage')).to.equal(undefined);
  });
});
