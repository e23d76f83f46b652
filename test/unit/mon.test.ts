import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { SystemError } from '../../src/runtime/errors.js';
import { readLogs } from '../../src/runtime/logs/jsonfile.js';
import { connectAttach, FrameDecoder } from '../../src/runtime/container/stdio.js';
import {
  startMonitor,
  stopMonitor,
  type Monitor,
  type MonitorOptions,
} from '../../src/runtime/logs/monitor.js';

const source = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'native', 'tsdock-mon.c');

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Opens the FIFO for writing (the monitor holds the read end, so this doesn't block). */
function writer(path: string) {
  const fd = openSync(path, 'w');
  return {
    write(data: string | Buffer) {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    },
    close() {
      closeSync(fd);
    },
  };
}

interface Entry {
  log: string;
  stream: string;
  time: string;
}

function entries(path: string): Entry[] {
  const text = readFileSync(path, 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Entry);
}

describe('tsdock-mon', function () {
  this.timeout(20000);
  let work: string;
  let bin: string;
  const started: number[] = [];

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'tsdock-mon-test-'));
    bin = join(work, 'tsdock-mon');
    const cc = spawnSync('cc', ['-O2', '-Wall', '-Wextra', '-o', bin, source], { encoding: 'utf8' });
    expect(cc.status, cc.stderr).to.equal(0);
    expect(cc.stderr, 'compiles without warnings').to.equal('');
  });

  after(() => {
    for (const pid of started) if (alive(pid)) stopMonitor(pid);
    rmSync(work, { recursive: true, force: true });
  });

  let n = 0;
  async function start(opts: Partial<MonitorOptions> = {}): Promise<Monitor & { dir: string; log: string }> {
    const dir = join(work, `c${n++}`);
    const log = join(dir, 'json.log');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    const mon = await startMonitor({ monPath: bin, dir, logPath: log, stdin: false, ...opts });
    started.push(mon.pid);
    return { ...mon, dir, log };
  }

  async function finish(mon: Monitor, out: string | Buffer = '', err: string | Buffer = '') {
    const o = writer(mon.stdoutPath);
    const e = writer(mon.stderrPath);
    if (out.length) o.write(out);
    if (err.length) e.write(err);
    o.close();
    e.close();
    await until(() => existsSync(mon.exitMarker), 'exit marker');
  }

  it('starts detached in its own session and reports ready with the FIFO paths', async () => {
    const mon = await start({ stdin: true });
    expect(statSync(mon.stdoutPath).isFIFO()).to.equal(true);
    expect(statSync(mon.stderrPath).isFIFO()).to.equal(true);
    expect(statSync(mon.stdinPath!).isFIFO()).to.equal(true);
    expect(mon.stdoutPath.startsWith(join(mon.dir, 'io') + '/')).to.equal(true);
    const stat = readFileSync(`/proc/${mon.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    expect(Number(fields[3]), 'session id').to.equal(mon.pid);
    // Two starts never share FIFO names (a restart must not collide with the previous run).
    const again = await startMonitor({ monPath: bin, dir: mon.dir, logPath: mon.log, stdin: false });
    started.push(again.pid);
    expect(again.stdoutPath).to.not.equal(mon.stdoutPath);
    expect(again.exitMarker).to.not.equal(mon.exitMarker);
    await finish(mon);
    await finish(again);
  });

  it('serves the raw output on its attach socket as it comes, EOF after the last byte (stdout only)', async () => {
    const mon = await start({ stderr: false, attachSocket: true });
    expect(mon.stderrPath).to.equal('');
    const sock = await connectAttach(mon.attachSocket!);
    const frames: [number, string][] = [];
    const decoder = new FrameDecoder((s, d) => frames.push([s, d.toString()]));
    sock.on('data', (d: Buffer) => decoder.push(d));
    const ended = new Promise((r) => sock.once('end', r));
    const o = writer(mon.stdoutPath);
    // A prompt has no newline: the socket gets it at once, the log only with the line's end.
    o.write('/ # ');
    await until(() => frames.length === 1, 'the prompt on the socket');
    expect(frames).to.deep.equal([[1, '/ # ']]);
    expect(readFileSync(mon.log, 'utf8')).to.equal('');
    o.write('ls\r\n');
    o.close();
    await ended;
    await until(() => existsSync(mon.exitMarker), 'exit marker');
    expect(frames.map((f) => f[1]).join('')).to.equal('/ # ls\r\n');
    expect(entries(mon.log).map((e) => [e.stream, e.log])).to.deep.equal([['stdout', '/ # ls\r\n']]);
  });

  it('serves its attach socket from the 0700 io directory, not the abstract namespace', async () => {
    const mon = await start({ stderr: false, attachSocket: true });
    expect(mon.attachSocket).to.equal(join(mon.dir, 'io', mon.attachSocket!.split('/').pop()!));
    expect(statSync(mon.attachSocket!).isSocket()).to.equal(true);
    expect(statSync(dirname(mon.attachSocket!)).mode & 0o777).to.equal(0o700);
    const tag = mon.attachSocket!.split('/').pop()!;
    // Listed by the path it was bound at, not as an abstract @name (other monitors on this machine,
    // of an older tsdock, may still have abstract ones).
    const ours = readFileSync('/proc/net/unix', 'utf8')
      .split('\n')
      .filter((l) => l.includes(tag));
    expect(ours.length).to.be.above(0);
    for (const l of ours) expect(l.split(/\s+/).pop()!.startsWith('/'), l).to.equal(true);
    writer(mon.stdoutPath).close();
    await until(() => existsSync(mon.exitMarker), 'exit marker');
    // The marker comes first, then the clients are served what is left and the socket goes.
    await until(() => !existsSync(mon.attachSocket!), 'the socket to go with the run');
  });

  it('never waits for an attach client: one that stops reading is dropped, the log and the others go on', async () => {
    const mon = await start({ stderr: false, attachSocket: true });
    const idle = await connectAttach(mon.attachSocket!);
    idle.pause();
    const reader = await connectAttach(mon.attachSocket!);
    let read = 0;
    const decoder = new FrameDecoder((_s, d) => (read += d.length));
    reader.on('data', (d: Buffer) => decoder.push(d));
    // Our own write end keeps the stream open after the writer below is done.
    const hold = writer(mon.stdoutPath);
    const total = 12 << 20;
    const t0 = Date.now();
    const w = spawn('sh', ['-c', `yes 0123456789abcdef | head -c ${total} > '${mon.stdoutPath}'`]);
    const status = await new Promise((r) => w.once('exit', r));
    expect(status, 'the container wrote all its output without waiting').to.equal(0);
    expect(Date.now() - t0).to.be.below(10_000);
    await until(() => read === total, 'the reading client to get everything');
    // The idle one was dropped while the stream is still open: it gets the start, then EOF.
    let idleBytes = 0;
    idle.on('data', (d: Buffer) => (idleBytes += d.length));
    await new Promise((r) => {
      idle.once('end', r);
      idle.resume();
    });
    expect(existsSync(mon.exitMarker), 'dropped before the end of the output').to.equal(false);
    expect(idleBytes).to.be.below(total);
    hold.close();
    await until(() => existsSync(mon.exitMarker), 'exit marker');
    const logged = entries(mon.log).reduce((n, e) => n + Buffer.byteLength(e.log), 0);
    expect(logged, 'the log has everything').to.equal(total);
  });

  it('idle attach clients never lock a new one out: the one furthest behind, the oldest, makes room', async () => {
    const mon = await start({ stderr: false, attachSocket: true });
    const n = 300;
    const ended: boolean[] = [];
    const got: string[] = [];
    const socks = [];
    for (let i = 0; i < n; i++) {
      const s = await connectAttach(mon.attachSocket!);
      ended.push(false);
      got.push('');
      const decoder = new FrameDecoder((_s, d) => (got[i] += d.toString()));
      s.on('data', (d: Buffer) => decoder.push(d));
      s.on('end', () => (ended[i] = true));
      socks.push(s);
    }
    // 256 places: the 44 oldest went for the 44 that came after them.
    await until(() => ended.filter(Boolean).length === n - 256, 'the oldest clients to be let go');
    expect(ended.slice(0, n - 256).every(Boolean)).to.equal(true);
    const o = writer(mon.stdoutPath);
    o.write('hello\n');
    // Each socket's data arrives in its own event: wait for all the places, not just the newest.
    await until(() => got.filter((g) => g === 'hello\n').length >= 256, 'every place to get the output');
    expect(got[n - 1]).to.equal('hello\n');
    expect(
      got.slice(0, n - 256).every((g) => g === ''),
      'the clients let go got nothing',
    ).to.equal(true);
    expect(got.filter((g) => g === 'hello\n').length).to.equal(256);
    o.close();
    await until(() => existsSync(mon.exitMarker), 'exit marker');
    await until(() => ended.every(Boolean), 'EOF for every client');
    for (const s of socks) s.destroy();
  });

  it('writes one json-file entry per line, keeping stdout and stderr apart', async () => {
    const mon = await start();
    const o = writer(mon.stdoutPath);
    const e = writer(mon.stderrPath);
    o.write('one\ntwo\nthr');
    e.write('err1\n');
    o.write('ee\n');
    o.write('tail without newline');
    o.close();
    e.close();
    await until(() => existsSync(mon.exitMarker), 'exit marker');
    const all = entries(mon.log);
    expect(all.filter((x) => x.stream === 'stdout').map((x) => x.log)).to.deep.equal([
      'one\n',
      'two\n',
      'three\n',
      'tail without newline',
    ]);
    expect(all.filter((x) => x.stream === 'stderr').map((x) => x.log)).to.deep.equal(['err1\n']);
    for (const x of all) {
      expect(Object.keys(x)).to.deep.equal(['log', 'stream', 'time']);
      // Go's RFC3339Nano: trailing zeros of the fraction trimmed.
      expect(x.time).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,8}[1-9])?Z$/);
      expect(Math.abs(Date.parse(x.time) - Date.now())).to.be.below(60_000);
    }
    // The FIFOs were per run and are gone.
    expect(existsSync(mon.stdoutPath)).to.equal(false);
    expect(existsSync(mon.stderrPath)).to.equal(false);
  });

  it("escapes like Docker's jsonlog (HTML-safe, \\u00XX controls, \\ufffd for bad UTF-8, U+2028/9)", async () => {
    const mon = await start();
    const line = Buffer.concat([
      Buffer.from('<>&"\\\t\r\x01\x1f\x7f é '),
      Buffer.from([0xff, 0x20]), // invalid byte
      Buffer.from([0xe2, 0x80, 0xa8, 0xe2, 0x80, 0xa9]), // U+2028 U+2029
      Buffer.from([0xed, 0xa0, 0x80]), // encoded surrogate: three bad bytes
      Buffer.from([0xc0, 0xaf]), // overlong
      Buffer.from('😀\n'),
    ]);
    await finish(mon, line);
    const raw = readFileSync(mon.log, 'utf8');
    const logField = raw.slice('{"log":'.length, raw.indexOf(',"stream"'));
    expect(logField).to.equal(
      '"\\u003c\\u003e\\u0026\\"\\\\\\u0009\\r\\u0001\\u001f\x7f é \\ufffd \\u2028\\u2029' +
        '\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd😀\\n"',
    );
    expect(raw.endsWith('"}\n')).to.equal(true);
  });

  it('splits an unterminated line at 16 KiB as Docker does', async () => {
    const mon = await start();
    await finish(mon, 'x'.repeat(16384 + 100) + '\n' + 'y'.repeat(16384) + '\n');
    const logs = entries(mon.log).map((x) => x.log);
    expect(logs.map((l) => l.length)).to.deep.equal([16384, 101, 16384, 1]);
    expect(logs[0]).to.equal('x'.repeat(16384));
    expect(logs[1]).to.equal('x'.repeat(100) + '\n');
    expect(logs[3]).to.equal('\n');
  });

  it('rotates FILE → FILE.1 → … keeping max-file files', async () => {
    const mon = await start({ maxSize: 400, maxFile: 3 });
    const lines = Array.from(
      { length: 40 },
      (_, i) => `line ${String(i).padStart(2, '0')} ${'.'.repeat(30)}\n`,
    );
    await finish(mon, lines.join(''));
    expect(existsSync(mon.log + '.1')).to.equal(true);
    expect(existsSync(mon.log + '.2')).to.equal(true);
    expect(existsSync(mon.log + '.3')).to.equal(false);
    // Docker rotates once a file reached max-size, so a file ends at most one entry past it.
    const entrySize = readFileSync(mon.log, 'utf8').split('\n')[0].length + 1;
    for (const f of [mon.log, mon.log + '.1', mon.log + '.2']) {
      expect(statSync(f).size).to.be.at.most(400 + entrySize);
    }
    for (const f of [mon.log + '.1', mon.log + '.2']) expect(statSync(f).size).to.be.at.least(400);
    // Oldest to newest they hold the most recent lines, contiguous, ending with the last one.
    const kept = [mon.log + '.2', mon.log + '.1', mon.log].flatMap((f) => entries(f).map((x) => x.log));
    expect(kept).to.deep.equal(lines.slice(lines.length - kept.length));
  });

  it('a huge max-file rotates at once: only the files that exist are shifted', async () => {
    const mon = await start({ maxSize: 200, maxFile: 2 ** 31 - 1 });
    const lines = Array.from({ length: 30 }, (_, i) => `l${i} ${'-'.repeat(40)}\n`);
    const t0 = Date.now();
    await finish(mon, lines.join(''));
    expect(Date.now() - t0).to.be.below(3000);
    const files = [mon.log];
    for (let i = 1; existsSync(`${mon.log}.${i}`); i++) files.unshift(`${mon.log}.${i}`);
    expect(files.length).to.be.greaterThan(3);
    // Nothing was dropped: oldest to newest, every line once.
    expect(files.flatMap((f) => entries(f).map((x) => x.log))).to.deep.equal(lines);
  });

  it('writes whole JSON lines or none when the disk refuses (EFBIG/ENOSPC mid-entry)', async () => {
    // The monitor under a 1000-byte file-size limit, SIGXFSZ ignored: a write crossing the limit
    // is cut short, the next one fails, as on a full disk.
    const wrapper = join(work, 'mon-fsize.sh');
    writeFileSync(wrapper, `#!/bin/sh\ntrap '' XFSZ\nexec prlimit --fsize=1000 ${bin} "$@"\n`, {
      mode: 0o755,
    });
    const mon = await start({ monPath: wrapper });
    const lines = Array.from({ length: 20 }, (_, i) => `entry ${i} ${'x'.repeat(50)}\n`);
    await finish(mon, lines.join(''));
    const text = readFileSync(mon.log, 'utf8');
    expect(text.length).to.be.at.most(1000);
    expect(text.endsWith('\n')).to.equal(true);
    const kept = entries(mon.log).map((x) => x.log);
    expect(kept.length).to.be.within(1, 19);
    expect(kept).to.deep.equal(lines.slice(0, kept.length));
  });

  it('with max-file 1 starts the file over instead of keeping FILE.1', async () => {
    const mon = await start({ maxSize: 200 });
    const lines = Array.from({ length: 20 }, (_, i) => `l${i} ${'-'.repeat(40)}\n`);
    await finish(mon, lines.join(''));
    expect(existsSync(mon.log + '.1')).to.equal(false);
    const kept = entries(mon.log).map((x) => x.log);
    expect(kept.length).to.be.within(1, 5);
    expect(kept).to.deep.equal(lines.slice(lines.length - kept.length));
  });

  it('creates the exit marker and runs the exit command once both streams ended', async () => {
    const flag = join(work, 'hook-ran');
    const mon = await start({ exitCmd: ['sh', '-c', `echo "$0" > ${flag}`, 'from-hook'] });
    await finish(mon, 'bye\n');
    await until(() => existsSync(flag) && readFileSync(flag, 'utf8') === 'from-hook\n', 'exit command');
    expect(entries(mon.log).map((x) => x.log)).to.deep.equal(['bye\n']);
  });

  it('does not take a FIFO that no writer opened yet for EOF', async () => {
    const flag = join(work, 'hook-ran-2');
    const mon = await start({ exitCmd: ['touch', flag] });
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(mon.pid), 'waits for writers that never came').to.equal(true);
    const o = writer(mon.stdoutPath);
    o.write('only stdout\n');
    o.close();
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(mon.exitMarker), 'stderr never opened: not finished').to.equal(false);
    expect(existsSync(flag)).to.equal(false);
    expect(entries(mon.log).map((x) => x.log)).to.deep.equal(['only stdout\n']);
    writer(mon.stderrPath).close();
    await until(() => existsSync(flag), 'exit command');
    expect(existsSync(mon.exitMarker)).to.equal(true);
  });

  it('on SIGTERM keeps buffered partial lines and exits without the exit command', async () => {
    const flag = join(work, 'hook-ran-3');
    const mon = await start({ exitCmd: ['touch', flag] });
    const o = writer(mon.stdoutPath);
    o.write('complete\npartial');
    await until(
      () => existsSync(mon.log) && readFileSync(mon.log, 'utf8').includes('complete'),
      'first line',
    );
    stopMonitor(mon.pid);
    await until(() => !alive(mon.pid), 'monitor exit');
    o.close();
    expect(entries(mon.log).map((x) => x.log)).to.deep.equal(['complete\n', 'partial']);
    expect(existsSync(mon.exitMarker)).to.equal(false);
    expect(existsSync(flag)).to.equal(false);
    expect(existsSync(mon.stdoutPath)).to.equal(false);
  });

  it('reports a failure to start as a SystemError', async () => {
    const dir = join(work, 'bad');
    const err = await startMonitor({
      monPath: bin,
      dir,
      logPath: join(work, 'no', 'such', 'dir', 'x.log'),
      stdin: false,
    }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(SystemError);
    expect((err as Error).message).to.match(
      /^failed to start container monitor: open .*x\.log: No such file/,
    );
    const missing = await startMonitor({
      monPath: join(work, 'nope'),
      dir,
      logPath: join(dir, 'x.log'),
      stdin: false,
    }).catch((e: unknown) => e);
    expect(missing).to.be.instanceOf(SystemError);
  });

  it('feeds a follower that sees every line across rotations (monitor + reader end to end)', async () => {
    // Enough files that nothing is deleted while the follower catches up: a loss here is a bug.
    const mon = await start({ maxSize: 2000, maxFile: 50 });
    let text = '';
    const stdout = new Writable({
      write(chunk: Buffer, _enc, cb) {
        text += chunk.toString();
        cb();
      },
    });
    const stop = until(() => existsSync(mon.exitMarker), 'exit marker', 15000);
    const follower = readLogs(mon.log, { timestamps: false, follow: true, stop }, { stdout, stderr: stdout });
    const o = writer(mon.stdoutPath);
    const e = writer(mon.stderrPath);
    const expected: string[] = [];
    for (let burst = 0; burst < 60; burst++) {
      let chunk = '';
      for (let i = 0; i < 5; i++) chunk += `burst ${burst} line ${i} ${'~'.repeat(20)}\n`;
      expected.push(chunk);
      o.write(chunk);
      await new Promise((r) => setTimeout(r, 3));
    }
    o.close();
    e.close();
    await follower;
    expect(existsSync(mon.log + '.5'), 'rotated several times').to.equal(true);
    expect(text).to.equal(expected.join(''));
  });

  it('appends to an existing log (a restarted container keeps its history)', async () => {
    const first = await start();
    await finish(first, 'run 1\n');
    const second = await startMonitor({ monPath: bin, dir: first.dir, logPath: first.log, stdin: false });
    started.push(second.pid);
    await finish(second, 'run 2\n');
    expect(entries(first.log).map((x) => x.log)).to.deep.equal(['run 1\n', 'run 2\n']);
  });

  /**
   * A stand-in probe command: appends the time (ms since the monitor started) to `calls` and exits
   * with the status in `status` (what `tsdock internal health` reports: 0 healthy, 1 starting).
   */
  function probeScript(dir: string): { cmd: string[]; calls: () => number[]; status: (n: number) => void } {
    const script = join(dir, 'probe.sh');
    writeFileSync(
      script,
      '#!/bin/sh\nprintf "%s\\n" "$(date +%s%3N)" >> "$1/calls"\nexit "$(cat "$1/status")"\n',
      { mode: 0o755 },
    );
    writeFileSync(join(dir, 'status'), '1');
    return {
      cmd: [script, dir],
      calls: () =>
        existsSync(join(dir, 'calls'))
          ? readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n').map(Number)
          : [],
      status: (n) => writeFileSync(join(dir, 'status'), String(n)),
    };
  }

  it('schedules health probes: start interval while starting in the start period, then the interval', async () => {
    const probeDir = mkdtempSync(join(work, 'probe-'));
    const p = probeScript(probeDir);
    const t0 = Date.now();
    const mon = await start({
      health: { intervalMs: 1500, timeoutMs: 1000, startPeriodMs: 4000, startIntervalMs: 150, cmd: p.cmd },
    });
    // Starting, inside the start period: every START_INTERVAL after the previous probe ended.
    await until(() => p.calls().length >= 4, 'four probes', 5000);
    const early = p.calls().map((t) => t - t0);
    // (Upper bounds generous: a loaded machine delays a fork, never hastens it.)
    expect(early[0]).to.be.within(100, 1200);
    for (let i = 1; i < 4; i++) expect(early[i]! - early[i - 1]!).to.be.within(130, 1200);
    // Healthy: the interval (the start period's end, 4 s in, is still more than one interval away).
    p.status(0);
    const n = p.calls().length;
    await until(() => p.calls().length >= n + 2, 'two more probes', 8000);
    const later = p.calls();
    expect(later[n + 1]! - later[n]!).to.be.within(1450, 3000);
    await finish(mon);
    // No probe once the container's output has ended.
    const after = p.calls().length;
    await new Promise((r) => setTimeout(r, 800));
    expect(p.calls().length).to.equal(after);
  });

  it('runs the first probe one interval after the start when there is no start period', async () => {
    const probeDir = mkdtempSync(join(work, 'probe-'));
    const p = probeScript(probeDir);
    p.status(0);
    const t0 = Date.now();
    const mon = await start({
      health: { intervalMs: 400, timeoutMs: 1000, startPeriodMs: 0, startIntervalMs: 50, cmd: p.cmd },
    });
    await until(() => p.calls().length >= 2, 'two probes', 5000);
    const calls = p.calls().map((t) => t - t0);
    expect(calls[0]).to.be.within(350, 1500);
    expect(calls[1]! - calls[0]!).to.be.within(380, 1500);
    await finish(mon);
  });

  it('refuses a health schedule without its command', () => {
    const r = spawnSync(
      bin,
      ['--stdout', join(work, 'x'), '--log', join(work, 'x.log'), '--health', '1,1,0,1'],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status).to.equal(1);
    expect(r.stdout).to.contain('--health needs --health-cmd');
  });
});
