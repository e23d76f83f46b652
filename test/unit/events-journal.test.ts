import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  encodeEntry,
  EventJournal,
  JOURNAL_LIMIT,
  nowNanos,
  type JournalEntry,
  type JournalTail,
} from '../../src/runtime/events/journal.js';

const writer = join(import.meta.dirname, '..', 'harness', 'journal-writer.ts');

function event(n: number, w = 'main'): JournalEntry {
  return {
    timeNano: nowNanos(),
    type: 'container',
    action: 'start',
    id: 'c'.repeat(64),
    attributes: { w, n: String(n) },
  };
}
const numbers = (entries: JournalEntry[]) => entries.map((e) => Number(e.attributes.n));
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
/** Follows the tail, collecting what it delivers and any error. */
function following(tail: JournalTail, pollMs?: number): { seen: JournalEntry[]; errors: unknown[] } {
  const seen: JournalEntry[] = [];
  const errors: unknown[] = [];
  tail.follow(
    (es) => seen.push(...es),
    (err) => errors.push(err),
    pollMs,
  );
  return { seen, errors };
}
const lines = async (path: string) =>
  (await readFile(path, 'utf8').catch(() => '')).split('\n').filter(Boolean);

describe('event journal', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tsdock-journal-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps the newest events and drops the oldest once past the limit (a file of `limit` plus the current one)', async () => {
    const j = new EventJournal(dir, { limit: 10, checkBytes: 1 });
    for (let n = 0; n < 35; n++) await j.append(event(n));
    expect(await lines(j.previousPath)).to.have.length(10);
    expect(await lines(j.currentPath)).to.have.length(5);
    const { history, tail } = await j.open();
    await tail.close();
    expect(numbers(history)).to.deep.equal(range(20, 35));
  });

  it("with dockerd's limit: at least the last 256 of 2000 events are kept, in order, and not all 2000", async () => {
    expect(JOURNAL_LIMIT).to.equal(256);
    const j = new EventJournal(dir);
    for (let n = 0; n < 2000; n++) await j.append(event(n));
    const { history, tail } = await j.open();
    await tail.close();
    const kept = numbers(history);
    expect(kept.length).to.be.at.least(256).and.below(2000);
    expect(kept).to.deep.equal(range(2000 - kept.length, 2000));
  });

  it('a tail reads every event appended after its snapshot exactly once, across rotations', async () => {
    const j = new EventJournal(dir, { limit: 5, checkBytes: 1 });
    for (let n = 0; n < 7; n++) await j.append(event(n));
    const { history, tail } = await j.open();
    expect(numbers(history)).to.deep.equal(range(0, 7));
    const seen: JournalEntry[] = [];
    let n = 7;
    // Reads between single appends, after one rotation, and after two (a file it never saw).
    for (const batch of [1, 1, 1, 4, 2, 6, 1, 8, 3]) {
      for (const end = n + batch; n < end; n++) await j.append(event(n));
      seen.push(...(await tail.read()));
    }
    // A writer that opened the current file just before a rotation writes after it, and after the
    // tail moved on to the new file: the line lands in what is now the previous file, still read.
    const before = n;
    const stalled = await open(j.currentPath, 'a');
    for (const end = n + 2; n < end; n++) await j.append(event(n));
    seen.push(...(await tail.read()));
    await stalled.write(encodeEntry(event(1000)));
    await stalled.close();
    seen.push(...(await tail.read()));
    await j.append(event(n++));
    seen.push(...(await tail.close()));
    expect(numbers(seen)).to.deep.equal([...range(7, before + 2), 1000, before + 2]);
  });

  it('follow: woken by the file system, it delivers appends as they come', async () => {
    const j = new EventJournal(dir);
    const { tail } = await j.open();
    const { seen, errors } = following(tail, 60_000); // no poll within the test: only inotify can deliver
    for (let n = 0; n < 3; n++) {
      await j.append(event(n));
      const end = Date.now() + 5000;
      while (seen.length <= n && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    }
    const rest = await tail.close();
    expect(errors).to.deep.equal([]);
    expect(numbers(seen)).to.deep.equal([0, 1, 2]);
    expect(rest).to.deep.equal([]);
  });

  const runWriters = (writers: string[], count: number, limit: number, checkBytes: number) =>
    Promise.all(
      writers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const child = spawn(
              process.execPath,
              ['--import', 'tsx', writer, dir, w, String(count), String(limit), String(checkBytes)],
              { stdio: ['ignore', 'ignore', 'inherit'] },
            );
            child.on('error', reject);
            child.on('exit', (code) =>
              code === 0 ? resolve() : reject(new Error(`writer ${w} exited ${code}`)),
            );
          }),
      ),
    );

  it('concurrent writer processes, rotating all the time: whole lines, at least `limit`, each writer a run of its newest', async () => {
    const limit = 5;
    const writers = ['a', 'b', 'c', 'd'];
    const count = 150;
    // A rotation check on every append: the lock and the rename race with the other writers' appends.
    await runWriters(writers, count, limit, 1);
    const j = new EventJournal(dir, { limit, checkBytes: 1 });
    const stored = [...(await lines(j.previousPath)), ...(await lines(j.currentPath))];
    expect(stored.length)
      .to.be.at.least(limit)
      .and.below(writers.length * count);
    const { history, tail } = await j.open();
    await tail.close();
    expect(history).to.have.length(stored.length); // every line parses
    for (const w of writers) {
      const kept = numbers(history.filter((e) => e.attributes.w === w)).sort((x, y) => x - y);
      if (kept.length) expect(kept).to.deep.equal(range(count - kept.length, count), `writer ${w}`);
    }
  });

  it("concurrent writer processes with dockerd's limit: a follower gets each event once", async () => {
    const j = new EventJournal(dir);
    const { tail } = await j.open();
    const { seen, errors } = following(tail);
    const writers = ['a', 'b', 'c', 'd'];
    await runWriters(writers, 100, JOURNAL_LIMIT, 64 * 1024);
    seen.push(...(await tail.close()));
    expect(errors).to.deep.equal([]);
    for (const w of writers)
      expect(numbers(seen.filter((e) => e.attributes.w === w))).to.deep.equal(range(0, 100), `writer ${w}`);
    expect(seen).to.have.length(400);
  });
});
