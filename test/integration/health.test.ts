/**
 * Healthchecks end to end: probes run by nobody but the container's monitor (no tsdock process in
 * between the commands that look), `.State.Health` as Docker shows it, ps STATUS and its health
 * filter, events, a hung probe killed at its timeout, the image's HEALTHCHECK and --no-healthcheck,
 * and restart policies and --rm with probes running. Intervals are short to keep the suite quick.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { cli, ok, target, testEnv, uniqueName } from '../harness/cli.js';
import { buildBusyboxArchive } from '../harness/image.js';

const NET = ['--network', 'none'];
const img = (): string => testEnv().image;

interface Health {
  Status: string;
  FailingStreak: number;
  Log: { Start: string; End: string; ExitCode: number; Output: string }[];
}

const health = (name: string): Health | null =>
  JSON.parse(ok(['inspect', '-f', '{{json .State.Health}}', name])) as Health | null;

async function until<T>(what: string, get: () => T, done: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (done(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * This suite's tsdock processes other than the probe helpers the monitors start (`internal health`):
 * none may be needed for probes to run.
 */
function clientProcesses(): string[] {
  if (target !== 'tsdock') return [];
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      continue;
    }
    if (cmd.includes('bin/tsdock') && cmd.includes(testEnv().dataRoot) && !cmd.includes(' internal '))
      out.push(cmd);
  }
  return out;
}

describe('healthchecks', function () {
  this.timeout(90_000);
  // Each probe is a short-lived process (the machine has few cores): every test removes its
  // containers when it ends, so no probes of one test run during the next.
  const made: string[] = [];
  const name = (p: string) => {
    const n = uniqueName(`tsdock-it-${p}`);
    made.push(n);
    return n;
  };
  afterEach(() => {
    if (made.length) cli(['rm', '-f', ...made.splice(0)]);
  });
  /** A detached container with these health flags (and command), named after `prefix`. */
  const probed = (prefix: string, flags: string[], cmd = ['sleep', '60']): string => {
    const c = name(prefix);
    ok(['run', '-d', ...NET, '--name', c, ...flags, img(), ...cmd]);
    return c;
  };
  const healthUntil = (c: string, what: string, done: (h: Health) => boolean, ms?: number) =>
    until(what, () => health(c)!, done, ms);

  it('goes from starting to healthy with no tsdock process running in between; ps and events say so', async () => {
    const since = new Date().toISOString();
    const c = probed(
      'hok',
      // The first probe fails (and makes the file), the next ones pass: no timing of the machine's.
      [
        ...['--health-cmd', 'test -e /tmp/ready || { touch /tmp/ready; exit 1; }'],
        ...['--health-interval', '1s', '--health-retries', '5'],
      ],
    );
    const first = health(c)!;
    expect(first.Status).to.equal('starting');
    // A loaded machine may have run the first (failing) probe already.
    expect(first.Log.length).to.be.at.most(1);
    expect(first.FailingStreak).to.equal(first.Log.length);
    expect(ok(['ps', '--filter', `name=${c}`, '--format', '{{.Status}}']).trim()).to.match(
      /^Up .* \(health: starting\)$/,
    );
    // Nothing of tsdock runs now but the container's monitor and the probes it starts.
    for (let i = 0; i < 5; i++) {
      expect(clientProcesses()).to.deep.equal([]);
      await sleep(500);
    }
    const h = await healthUntil(c, 'healthy', (v) => v.Status === 'healthy', 30_000);
    expect(h.Status).to.equal('healthy');
    expect(h.FailingStreak).to.equal(0);
    expect(h.Log.length).to.be.within(2, 5);
    const last = h.Log[h.Log.length - 1]!;
    expect(last.ExitCode).to.equal(0);
    expect(Date.parse(last.End)).to.be.at.least(Date.parse(last.Start));
    // The first, failing probe made the file; its entry is in the log unless five later probes
    // (a loaded machine polls slowly) pushed it out, as Docker's log keeps only the last five.
    expect(cli(['exec', c, 'test', '-e', '/tmp/ready']).code).to.equal(0);
    if (h.Log.length < 5) expect(h.Log.some((l) => l.ExitCode === 1)).to.equal(true);
    expect(Date.parse(h.Log[0]!.Start)).to.be.greaterThan(Date.parse(since));
    expect(ok(['ps', '--filter', `name=${c}`, '--format', '{{.Status}}']).trim()).to.match(
      /^Up .* \(healthy\)$/,
    );
    expect(ok(['ps', '-q', '--filter', 'health=healthy', '--filter', `name=${c}`]).trim()).to.not.equal('');
    expect(ok(['ps', '-q', '--filter', 'health=starting', '--filter', `name=${c}`]).trim()).to.equal('');
    const events = ok([
      'events',
      '--since',
      since,
      '--until',
      new Date().toISOString(),
      '--filter',
      `container=${c}`,
      '--format',
      '{{.Action}}',
    ]).split('\n');
    expect(events).to.include('health_status: healthy');
    expect(events).to.include('exec_start: /bin/sh -c test -e /tmp/ready || { touch /tmp/ready; exit 1; }');
    expect(events.filter((e) => e.startsWith('health_status'))).to.deep.equal(['health_status: healthy']);
  });

  it('a failing probe makes it unhealthy after --health-retries, with its output in the log', async () => {
    const c = probed('hbad', [
      '--health-cmd',
      // Two pipes to the same buffer (as Docker's): the pause keeps their order.
      'echo out; sleep 0.1; echo err >&2; exit 3',
      ...['--health-interval', '500ms', '--health-retries', '2'],
    ]);
    const h = await healthUntil(c, 'unhealthy', (v) => v.Status === 'unhealthy');
    expect(h.FailingStreak).to.be.at.least(2);
    expect(h.Log[0]).to.include({ ExitCode: 3, Output: 'out\nerr\n' });
    expect(ok(['ps', '--filter', `name=${c}`, '--format', '{{.Status}}']).trim()).to.match(
      /^Up .* \(unhealthy\)$/,
    );
    expect(ok(['ps', '-q', '--filter', 'health=unhealthy', '--filter', `name=${c}`]).trim()).to.not.equal('');
    // The streak keeps counting and the log keeps the last five.
    const later = await healthUntil(
      c,
      'a full log',
      (v) => v.Log.length === 5 && v.FailingStreak >= 6,
      20_000,
    );
    expect(later.Status).to.equal('unhealthy');
    const r = cli(['ps', '--filter', 'health=sick']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain('Unrecognised filter value for health: sick');
  });

  it('a probe that hangs is killed at --health-timeout', async () => {
    const c = probed('hhang', [
      ...['--health-cmd', 'echo started; exec sleep 30', '--health-timeout', '300ms'],
      ...['--health-interval', '500ms', '--health-retries', '1'],
    ]);
    const h = await healthUntil(c, 'unhealthy', (v) => v.Status === 'unhealthy');
    expect(h.Log[0]!.ExitCode).to.equal(-1);
    // Current moby adds what the probe printed; older engines (20.10) give only the first part.
    const older = target === 'docker' && h.Log[0]!.Output === 'Health check exceeded timeout (300ms)';
    if (!older) expect(h.Log[0]!.Output).to.equal('Health check exceeded timeout (300ms): started\n');
    // Killed, not left behind: no probe's sleep outlives its timeout by much.
    await sleep(500);
    const procs = ok(['exec', c, 'ps', '-o', 'args']);
    expect(procs.split('\n').filter((l) => l.trim() === 'sleep 30').length).to.be.at.most(1);
  });

  it('keeps 4 KiB of a probe’s output, then "..."', async () => {
    const c = probed('hbig', [
      ...['--health-cmd', 'head -c 5000 /dev/zero | tr "\\0" x', '--health-interval', '500ms'],
    ]);
    const h = await healthUntil(c, 'a probe', (v) => v.Log.length > 0);
    expect(h.Log[0]!.Output).to.equal(`${'x'.repeat(4096)}...`);
    expect(h.Status).to.equal('healthy');
  });

  it("honours the image's HEALTHCHECK; --no-healthcheck turns it off", async function () {
    const work = mkdtempSync(join(tmpdir(), 'tsdock-health-'));
    const image = 'tsdock-test/healthy:latest';
    try {
      await buildBusyboxArchive(join(work, 'img.tar'), {
        name: image,
        config: {
          Healthcheck: { Test: ['CMD', 'true'], Interval: 500e6, Retries: 2 },
          Cmd: ['sleep', '60'],
        },
      });
      ok(['load', '-i', join(work, 'img.tar')]);
      const c = name('himg');
      ok(['run', '-d', ...NET, '--name', c, image]);
      expect(JSON.parse(ok(['inspect', '-f', '{{json .Config.Healthcheck}}', c]))).to.deep.equal({
        Test: ['CMD', 'true'],
        Interval: 500e6,
        Retries: 2,
      });
      await until(
        'healthy',
        () => health(c)!,
        (v) => v.Status === 'healthy',
      );
      // The flags override field by field.
      const o = name('hover');
      ok(['create', ...NET, '--name', o, '--health-interval', '1s', image]);
      expect(JSON.parse(ok(['inspect', '-f', '{{json .Config.Healthcheck}}', o]))).to.deep.equal({
        Test: ['CMD', 'true'],
        Interval: 1e9,
        Retries: 2,
      });
      // Created, never started: no health yet.
      expect(health(o)).to.equal(null);
      expect(ok(['ps', '-aq', '--filter', 'health=none', '--filter', `name=${o}`]).trim()).to.not.equal('');
      const n = name('hnone');
      ok(['run', '-d', ...NET, '--name', n, '--no-healthcheck', image]);
      expect(JSON.parse(ok(['inspect', '-f', '{{json .Config.Healthcheck.Test}}', n]))).to.deep.equal([
        'NONE',
      ]);
      await sleep(600);
      expect(ok(['inspect', '-f', '{{.State.Health}}', n]).trim()).to.equal('<nil>');
      expect(ok(['ps', '--filter', `name=${n}`, '--format', '{{.Status}}']).trim()).to.match(/^Up [^(]*$/);
    } finally {
      cli(['rm', '-f', ...made.splice(0)]);
      cli(['rmi', image]);
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('probes go on across a restart policy, and --rm removes the container with probes running', async function () {
    // A probe's exec racing the exit leaves containerd 1.6's task UNKNOWN for up to half a minute;
    // the exit (and so the restart) is recorded once it shows.
    this.timeout(240_000);
    const c = probed(
      'hrestart',
      ['--restart', 'on-failure:1', '--health-cmd', 'true', '--health-interval', '500ms'],
      ['sh', '-c', 'sleep 2; exit 1'],
    );
    await healthUntil(c, 'healthy', (v) => v.Status === 'healthy');
    const field = (f: string) => () => ok(['inspect', '-f', f, c]).trim();
    await until('restarted', field('{{.RestartCount}}'), (v) => v === '1', 70_000);
    await healthUntil(c, 'healthy again', (v) => v.Status === 'healthy', 10_000);
    await until('exited', field('{{.State.Status}}'), (v) => v === 'exited', 70_000);

    const r = probed('hrm', ['--rm', '--health-cmd', 'true', '--health-interval', '300ms'], ['sleep', '1.5']);
    await until(
      'gone',
      () => cli(['inspect', r]).code,
      (code) => code !== 0,
    );
    await sleep(500);
    expect(cli(['inspect', r]).code).to.equal(1);
  });

  it('refuses bad health flags as docker does', () => {
    const run = (args: string[]) => cli(['run', '--rm', ...NET, ...args, img(), 'true']);
    let r = run(['--no-healthcheck', '--health-cmd', 'true']);
    expect(r.code).to.equal(125);
    expect(r.stderr).to.contain('--no-healthcheck conflicts with --health-* options');
    r = run(['--health-interval', 'soon']);
    expect(r.code).to.equal(125);
    expect(r.stderr).to.contain('invalid argument "soon" for "--health-interval" flag');
    r = run(['--health-retries', '-1']);
    expect(r.code).to.equal(125);
    expect(r.stderr).to.contain('--health-retries cannot be negative');
  });
});
