/**
 * tsdock's state files: durable writes (fsync of the data before the rename, of the directory
 * after), damaged records reported with their path, earlier formats read and upgraded, names and
 * leases that cannot be read never taken for free.
 */
import { spawn } from 'node:child_process';
import fs, { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConflictError, CorruptRecordError } from '../../src/runtime/errors.js';
import { readOwner } from '../../src/runtime/network/ipam.js';
import {
  createExclusive,
  processStartTime,
  readJsonSync,
  sameProcess,
  tempWriterPid,
  writeJsonAtomic,
} from '../../src/runtime/state/files.js';
import { NameStore } from '../../src/runtime/state/names.js';
import { StatePaths } from '../../src/runtime/state/paths.js';
import {
  ContainerFiles,
  RECORD_FORMAT,
  upgradeRecord,
  type ContainerRecord,
} from '../../src/runtime/state/records.js';

describe('state files', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsdock-state-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a write is fsynced before its rename, and the directory after it', async () => {
    const events: string[] = [];
    const { fsync, renameSync, linkSync } = fs;
    fs.fsync = ((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
      events.push(fs.fstatSync(fd).isDirectory() ? 'fsync dir' : 'fsync file');
      return fsync(fd, cb);
    }) as typeof fs.fsync;
    fs.renameSync = (a: fs.PathLike, b: fs.PathLike) => {
      events.push('rename');
      return renameSync(a, b);
    };
    fs.linkSync = (a: fs.PathLike, b: fs.PathLike) => {
      events.push('link');
      return linkSync(a, b);
    };
    syncBuiltinESMExports();
    try {
      await writeJsonAtomic(join(dir, 'a.json'), { a: 1 });
      expect(events).to.deep.equal(['fsync file', 'rename', 'fsync dir']);
      events.length = 0;
      expect(await createExclusive(join(dir, 'lease'), '{"id":"x","pid":1}')).to.equal(true);
      expect(events).to.deep.equal(['fsync file', 'link', 'fsync dir']);
      events.length = 0;
      expect(await createExclusive(join(dir, 'lease'), '{}')).to.equal(false);
    } finally {
      Object.assign(fs, { fsync, renameSync, linkSync });
      syncBuiltinESMExports();
    }
    expect(readJsonSync(join(dir, 'a.json'))).to.deep.equal({ a: 1 });
    expect(fs.readdirSync(dir).sort()).to.deep.equal(['a.json', 'lease']);
  });

  it("a temporary file names its writer's pid, in each form the writers use; a record does not", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdock-tmpname-'));
    try {
      // The name writeJsonAtomic really uses, caught at its rename.
      const { renameSync } = fs;
      let used = '';
      fs.renameSync = (from: fs.PathLike, to: fs.PathLike) => {
        used = String(from);
        renameSync(from, to);
      };
      syncBuiltinESMExports();
      try {
        await writeJsonAtomic(join(dir, 'abc.json'), { a: 1 });
      } finally {
        fs.renameSync = renameSync;
        syncBuiltinESMExports();
      }
      expect(used, 'a temporary name was used').to.match(/\.tmp$/);
      expect(tempWriterPid(used.split('/').pop()!)).to.equal(process.pid);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(tempWriterPid('0123.json.4242.1a2b3c.tmp')).to.equal(4242);
    expect(tempWriterPid('.0123.json.4242.1a2b3c.tmp')).to.equal(4242);
    expect(tempWriterPid('.creds.json.77.tmp')).to.equal(77);
    expect(tempWriterPid('0123.json')).to.equal(undefined);
    expect(tempWriterPid('notes.tmp')).to.equal(undefined);
  });

  it('an empty or unparsable record is a CorruptRecordError naming the file; a missing one is undefined', () => {
    expect(readJsonSync(join(dir, 'none.json'))).to.equal(undefined);
    writeFileSync(join(dir, 'empty.json'), '');
    writeFileSync(join(dir, 'cut.json'), '{"status": "runn');
    for (const [f, why] of [
      ['empty.json', 'empty file'],
      ['cut.json', /JSON/],
    ] as const) {
      let err: unknown;
      try {
        readJsonSync(join(dir, f));
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(CorruptRecordError);
      expect((err as Error).message).to.match(new RegExp(`^damaged record ${join(dir, f)}: `));
      expect((err as Error).message).to.match(typeof why === 'string' ? new RegExp(why) : why);
      expect((err as Error).message).to.not.include('\n');
    }
  });

  it('container.json of format 1 is read in this format and written back once, under the lock', async () => {
    const files = new ContainerFiles(join(dir, 'c1'));
    mkdirSync(files.dir);
    const v1 = { id: 'c1', name: 'web', created: '2024-01-01T00:00:00Z', config: {}, hostConfig: {} };
    writeFileSync(files.recordPath, JSON.stringify(v1));
    const r = (await files.readRecord())!;
    expect(r.formatVersion).to.equal(RECORD_FORMAT);
    expect(r.cgroupPath).to.equal('/tsdock/c1');
    expect(files.outdated).to.equal(true);
    // Reading alone changes nothing on disk (ps reads without locks).
    expect(JSON.parse(readFileSync(files.recordPath, 'utf8'))).to.deep.equal(v1);
    await files.persistUpgrade();
    const stored = JSON.parse(readFileSync(files.recordPath, 'utf8')) as ContainerRecord;
    expect(stored.formatVersion).to.equal(RECORD_FORMAT);
    expect(stored.cgroupPath).to.equal('/tsdock/c1');
    expect(stored.name).to.equal('web');
    // A record of a later format is refused, not misread.
    expect(() =>
      upgradeRecord('/x/container.json', { ...stored, formatVersion: RECORD_FORMAT + 1 }),
    ).to.throw(CorruptRecordError, /written by a newer tsdock/);
    // state.json: format 1 read as is; a damaged one reads as dead where that is asked for.
    writeFileSync(files.statePath, '');
    expect(() => files.readStateSync()).to.throw(CorruptRecordError);
    expect(files.readStateOrDead()).to.include({ status: 'dead' });
    writeFileSync(files.statePath, JSON.stringify({ status: 'exited', exitCode: 3 }));
    expect(files.readStateSync()).to.include({ status: 'exited', exitCode: 3, formatVersion: RECORD_FORMAT });
  });

  it('a damaged name reservation is never taken for free', async () => {
    const paths = new StatePaths(dir);
    const names = new NameStore(paths, async () => false);
    mkdirSync(paths.names, { recursive: true });
    writeFileSync(join(paths.names, 'web'), '{"id": "abc", "pi');
    let err: unknown;
    try {
      await names.reserve('web', 'def');
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ConflictError);
    expect((err as Error).message).to.include(`damaged record ${join(paths.names, 'web')}`);
    expect(await names.reconcile(new Set())).to.deep.equal([]);
    expect(readFileSync(join(paths.names, 'web'), 'utf8')).to.equal('{"id": "abc", "pi');
    expect(await names.lookup('web')).to.equal(undefined);
  });

  it('a damaged lease reads as damaged, not as no owner', async () => {
    writeFileSync(join(dir, '10.0.0.2'), '');
    writeFileSync(join(dir, '10.0.0.3'), '{"id":"c","pid":1}');
    expect(await readOwner(join(dir, '10.0.0.2'))).to.equal('damaged');
    expect(await readOwner(join(dir, '10.0.0.3'))).to.deep.equal({ id: 'c', pid: 1 });
    expect(await readOwner(join(dir, 'none'))).to.equal(undefined);
  });
  it('a process is told from a later one given its pid by its start time, whatever its name', async () => {
    // A command name with a space and a parenthesis, as /proc/PID/stat shows it in field 2.
    const odd = join(dir, 'a) b');
    copyFileSync('/bin/sleep', odd);
    fs.chmodSync(odd, 0o755);
    const p = spawn(odd, ['30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => p.once('spawn', r));
      const start = processStartTime(p.pid!);
      const own = processStartTime(process.pid)!;
      expect(start).to.be.a('number');
      expect(start).to.be.at.least(own);
      expect(readFileSync(`/proc/${p.pid}/stat`, 'utf8')).to.include('(a) b)');
      expect(sameProcess(p.pid, start)).to.equal(true);
      expect(sameProcess(p.pid, start! - 1), 'another process that had the pid before').to.equal(false);
      expect(sameProcess(p.pid, undefined), 'no start recorded: the pid alone').to.equal(true);
    } finally {
      p.kill('SIGKILL');
      await new Promise((r) => p.once('exit', r));
    }
    expect(processStartTime(p.pid!)).to.equal(undefined);
    expect(sameProcess(p.pid, undefined)).to.equal(false);
  });
});
