/**
 * A separate writer process for the journal's concurrency test: appends COUNT events numbered
 * 0…COUNT-1 as writer W, as fast as it can.
 * Usage: node --import tsx journal-writer.ts DIR W COUNT LIMIT CHECK_BYTES
 */
import { EventJournal, nowNanos } from '../../src/runtime/events/journal.js';

const [dir, w, count, limit, checkBytes] = process.argv.slice(2);
const journal = new EventJournal(dir!, { limit: Number(limit), checkBytes: Number(checkBytes) });
for (let n = 0; n < Number(count); n++) {
  await journal.append({
    timeNano: nowNanos(),
    type: 'container',
    action: 'start',
    id: 'c'.repeat(64),
    attributes: { w: w!, n: String(n) },
  });
}
