/**
 * State that survives faults, on the real stack: a truncated or garbled record costs one line
 * naming the file while the command goes on with everything else (`ps` lists the rest and marks
 * the broken one, `stats` and `prune` skip it, `rm -f` removes it); a damaged network record, name
 * reservation or address lease is never taken for free; records of the previous format are read
 * and upgraded once; concurrent read-modify-writes of one record (rename, update) both land.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { cli, cliAsync, ok, target, testEnv, uniqueName } from '../harness/cli.js';
import { RUN_SUBNET } from './_setup.test.js';

const img = (): string => testEnv().image;
const NET = ['--network', 'none'];
/** <data-root>/<namespace>: where the suite's tsdock keeps its state. */
const stateRoot = (): string => join(testEnv().dataRoot, testEnv().namespace);
const containerDir = (id: string): string => join(stateRoot(), 'containers', id);
const idOf = (name: string): string => ok(['inspect', '--format', '{{.Id}}', name]).trim();

describe('state that survives faults', function () {
  this.timeout(120_000);
  before(function () {
    if (target !== 'tsdock') this.skip();
  });
  const made: string[] = [];
  const name = (p = 'st') => {
    const n = uniqueName(`tsdock-it-${p}`);
    made.push(n);
    return n;
  };
  after(() => {
    if (made.length) cli(['rm', '-f', ...made]);
  });

  it('a zero-length state.json: ps lists the rest and marks it, stats and prune skip it, rm -f removes it', () => {
    const good = name();
    const broken = name();
    ok(['run', '-d', ...NET, '--name', good, img(), 'sleep', '60']);
    ok(['create', ...NET, '--name', broken, img(), 'true']);
    const id = idOf(broken);
    const statePath = join(containerDir(id), 'state.json');
    writeFileSync(statePath, '');

    const ps = cli(['ps', '-a', '--format', '{{.Names}} {{.State}}']);
    expect(ps.code, ps.stderr).to.equal(0);
    expect(ps.stdout).to.include(`${good} running\n`);
    expect(ps.stdout).to.include(`${broken} dead\n`);
    expect(ps.stderr).to.equal(`WARNING: damaged record ${statePath}: empty file\n`);

    const stats = cli(['stats', '--no-stream', '-a', '--format', '{{.Name}}']);
    expect(stats.code, stats.stderr).to.equal(0);
    expect(stats.stdout).to.include(good);
    expect(stats.stdout).to.not.include(broken);
    expect(stats.stderr).to.include(`damaged record ${statePath}`);

    const prune = cli(['container', 'prune', '-f', '--filter', `label=tsdock-it-none=${broken}`]);
    expect(prune.code, prune.stderr).to.equal(0);
    expect(prune.stderr).to.include(`damaged record ${statePath}`);
    expect(existsSync(containerDir(id))).to.equal(true);

    // Commands about the broken one say which file, in one line.
    const inspect = cli(['inspect', broken]);
    expect(inspect.code).to.equal(1);
    expect(inspect.stderr.trim()).to.match(new RegExp(`damaged record ${statePath}: empty file$`));
    expect(inspect.stderr.trim().split('\n')).to.have.length(1);

    const rm = cli(['rm', '-f', broken]);
    expect(rm.code, rm.stderr).to.equal(0);
    expect(existsSync(containerDir(id))).to.equal(false);
    // Its name is free again.
    ok(['create', ...NET, '--name', broken, img(), 'true']);
  });

  it('a garbled container.json of a running container: listed by its reserved name, rm -f ends it all', () => {
    const broken = name();
    ok(['run', '-d', ...NET, '--name', broken, img(), 'sleep', '60']);
    const id = idOf(broken);
    const recordPath = join(containerDir(id), 'container.json');
    writeFileSync(recordPath, '{"id": "' + id + '", "name": ');
    const ps = cli(['ps', '-a', '--format', '{{.Names}} {{.State}}']);
    expect(ps.code, ps.stderr).to.equal(0);
    expect(ps.stdout).to.include(`${broken} dead\n`);
    expect(ps.stderr).to.match(new RegExp(`^WARNING: damaged record ${recordPath}: `));
    const rm = cli(['rm', '-f', broken]);
    expect(rm.code, rm.stderr).to.equal(0);
    expect(existsSync(containerDir(id))).to.equal(false);
    expect(cli(['ps', '-aq', '--no-trunc']).stdout).to.not.include(id);
  });

  it('a damaged network record: other networks work, nothing is created over it', () => {
    const net = name('stnet');
    ok(['network', 'create', net]);
    const netId = ok(['network', 'inspect', '--format', '{{.Id}}', net]).trim();
    const file = join(testEnv().dataRoot, 'network', 'networks', `${netId}.json`);
    const saved = readFileSync(file, 'utf8');
    made.pop(); // a network, removed below
    try {
      writeFileSync(file, saved.slice(0, 40));
      // The default bridge still runs containers.
      const r = cli(['run', '--rm', img(), 'true']);
      expect(r.code, r.stderr).to.equal(0);
      const ls = cli(['network', 'ls', '--format', '{{.Name}}']);
      expect(ls.code).to.equal(0);
      expect(ls.stdout).to.include('bridge\n');
      expect(ls.stderr).to.include(`damaged record ${file}`);
      // Its name and subnet may be anything: no network is created until it is repaired.
      const create = cli(['network', 'create', uniqueName('tsdock-it-stnet2')]);
      expect(create.code).to.equal(1);
      expect(create.stderr.trim().split('\n')).to.have.length(2); // the warning, then the refusal
      expect(create.stderr).to.match(new RegExp(`damaged record ${file}: .*cannot tell whether`));
    } finally {
      writeFileSync(file, saved);
      ok(['network', 'rm', net]);
    }
  });

  it('a damaged name reservation or address lease is never given out again', () => {
    const held = uniqueName('tsdock-it-held');
    const namesDir = join(stateRoot(), 'names');
    writeFileSync(join(namesDir, held), '{"id":');
    try {
      const r = cli(['create', ...NET, '--name', held, img(), 'true']);
      expect(r.code).to.equal(1); // as a name in use
      expect(r.stderr.split('\n')[0]).to.include(`damaged record ${join(namesDir, held)}`);
      // The repair a create runs leaves it where it is.
      ok(['run', '--rm', ...NET, img(), 'true']);
      expect(readFileSync(join(namesDir, held), 'utf8')).to.equal('{"id":');
    } finally {
      rmSync(join(namesDir, held), { force: true });
    }

    // A damaged lease on the default bridge's first free address: that address is not handed out.
    const leases = join(testEnv().dataRoot, 'network', 'leases');
    const bridgeId = ok(['network', 'inspect', '--format', '{{.Id}}', 'bridge']).trim();
    const dir = join(leases, bridgeId);
    const prefix = RUN_SUBNET.replace(/\.0\/24$/, '.');
    const taken = new Set(existsSync(dir) ? readdirSync(dir) : []);
    let free = 2;
    while (taken.has(`${prefix}${free}`)) free++;
    const lease = join(dir, `${prefix}${free}`);
    writeFileSync(lease, '');
    try {
      const ip = ok(['run', '--rm', img(), 'sh', '-c', "ip -o -4 addr show eth0 | awk '{print $4}'"]).trim();
      expect(ip).to.not.equal(`${prefix}${free}/24`);
      expect(existsSync(lease)).to.equal(true);
    } finally {
      rmSync(lease, { force: true });
    }
  });

  it('records of the previous format are read, and upgraded once by the next command', () => {
    const old = name();
    ok(['create', ...NET, '--name', old, img(), 'echo', 'from-v1']);
    const id = idOf(old);
    const recordPath = join(containerDir(id), 'container.json');
    const statePath = join(containerDir(id), 'state.json');
    // What the previous tsdock wrote: no format field, and no cgroupPath for the default parent.
    const record = JSON.parse(readFileSync(recordPath, 'utf8')) as Record<string, unknown>;
    delete record.formatVersion;
    delete record.cgroupPath;
    writeFileSync(recordPath, JSON.stringify(record, null, 1));
    const state = JSON.parse(readFileSync(statePath, 'utf8')) as Record<string, unknown>;
    delete state.formatVersion;
    writeFileSync(statePath, JSON.stringify(state, null, 1));

    expect(ok(['ps', '-a', '--filter', `name=${old}`, '--format', '{{.Names}} {{.State}}'])).to.equal(
      `${old} created\n`,
    );
    // ps only reads.
    expect(JSON.parse(readFileSync(recordPath, 'utf8'))).to.not.have.property('formatVersion');
    expect(ok(['start', '-a', old])).to.equal('from-v1\n');
    const upgraded = JSON.parse(readFileSync(recordPath, 'utf8')) as Record<string, unknown>;
    expect(upgraded.formatVersion).to.equal(2);
    expect(upgraded.cgroupPath).to.equal(`/tsdock/${id}`);
    expect((JSON.parse(readFileSync(statePath, 'utf8')) as Record<string, unknown>).formatVersion).to.equal(
      2,
    );

    // One of a later format is refused, not misread.
    writeFileSync(recordPath, JSON.stringify({ ...upgraded, formatVersion: 99 }));
    const r = cli(['inspect', old]);
    expect(r.code).to.equal(1);
    expect(r.stderr.trim()).to.equal(
      `damaged record ${recordPath}: written by a newer tsdock (format 99; this one reads up to 2)`,
    );
    writeFileSync(recordPath, JSON.stringify(upgraded));
  });

  it('rename and update of one container at once: both changes land (each under the lock)', async () => {
    const c = name();
    ok(['create', ...NET, '--name', c, img(), 'true']);
    const id = idOf(c);
    for (let i = 0; i < 5; i++) {
      const to = uniqueName('tsdock-it-renamed');
      const [renamed, updated] = await Promise.all([
        cliAsync(['rename', id, to]).done,
        cliAsync(['update', '--restart', `on-failure:${i + 1}`, id]).done,
      ]);
      expect(renamed.code, renamed.stderr).to.equal(0);
      expect(updated.code, updated.stderr).to.equal(0);
      const out = ok([
        'inspect',
        '--format',
        '{{.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}',
        id,
      ]);
      expect(out.trim()).to.equal(`/${to} ${i + 1}`);
      made.push(to);
    }
  });
  it('a monitor pid reused by another process after the monitor ended is never signalled', async () => {
    const c = name();
    ok(['run', '-d', ...NET, '--name', c, img(), 'true']);
    const id = idOf(c);
    const statePath = join(containerDir(id), 'state.json');
    const until = Date.now() + 15_000;
    while (ok(['inspect', '--format', '{{.State.Status}}', c]).trim() !== 'exited') {
      if (Date.now() > until) throw new Error('the container did not exit');
      await new Promise((r) => setTimeout(r, 100));
    }
    const state = JSON.parse(readFileSync(statePath, 'utf8')) as {
      monitorPid?: number;
      monitorStart?: number;
    };
    expect(state.monitorStart, 'the monitor start time is recorded').to.be.a('number');
    // The machine gave the ended monitor's pid to a process of someone else's: here, our own sleep.
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((r) => other.once('exit', (_c, sig) => r(sig)));
    try {
      writeFileSync(statePath, JSON.stringify({ ...state, monitorPid: other.pid }));
      const t0 = Date.now();
      const rm = cli(['rm', c]);
      expect(rm.code, rm.stderr).to.equal(0);
      expect(Date.now() - t0, 'rm does not wait for the other process to end').to.be.below(2500);
      expect(other.exitCode).to.equal(null);
      expect(other.signalCode).to.equal(null);
      expect(existsSync(containerDir(id))).to.equal(false);
    } finally {
      other.kill('SIGKILL');
      expect(await exited, 'only our own kill ended it').to.equal('SIGKILL');
    }
  });
});
