/**
 * The client side of containerd's Content.Write protocol, against a stand-in for the stream that
 * answers like containerd's local store: what is sent, in which chunks, from which offset, and what
 * happens when the source fails or ends early. (The integration suite runs it against containerd.)
 */
import { expect } from 'chai';
import { Readable } from 'node:stream';
import { writeContent, type WriteCall } from '../../src/runtime/containerd/content-write.js';
import { WriteAction, type WriteContentRequest } from '../../src/runtime/containerd/gen/content.js';
import { statusError } from '../../src/runtime/containerd/status.js';

type Sent = Partial<WriteContentRequest>;

/** A Write stream whose ingest already holds `held` bytes; records every request. */
function store(held: number, opts: { exists?: boolean } = {}): { call: WriteCall; sent: Sent[] } {
  const sent: Sent[] = [];
  const call: WriteCall = (requests) =>
    (async function* () {
      for await (const r of requests) {
        const req = r as Sent;
        sent.push({ ...req, data: req.data ? Buffer.from(req.data) : undefined });
        if (opts.exists) throw statusError(6, 'content sha256:x: already exists', '/c.sock', undefined);
        const offset = req.action === WriteAction.STAT ? held : (req.offset ?? 0) + (req.data?.length ?? 0);
        yield {
          action: req.action ?? WriteAction.STAT,
          startedAt: undefined,
          updatedAt: undefined,
          offset,
          total: req.total ?? 0,
          digest: '',
        };
      }
    })();
  return { call, sent };
}

const bytes = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => i % 251));
const writes = (sent: Sent[]) => sent.filter((s) => s.action === WriteAction.WRITE);

describe('content write', () => {
  it('STAT, 1 MiB WRITEs at their offsets, COMMIT with the size and labels', async () => {
    const blob = bytes((5 << 19) + 7); // 2.5 MiB and a bit
    const { call, sent } = store(0);
    const pieces = async function* () {
      for (let i = 0; i < blob.length; i += 300_000) yield blob.subarray(i, i + 300_000);
    };
    const stored = await writeContent(
      call,
      {},
      {
        ref: 'r',
        expected: 'sha256:x',
        total: blob.length,
        labels: { a: 'b' },
        source: pieces(),
      },
    );
    expect(stored).to.equal(true);
    expect(sent[0]).to.include({ action: WriteAction.STAT, ref: 'r', total: blob.length });
    const w = writes(sent);
    expect(w.map((x) => [x.offset, x.data!.length])).to.deep.equal([
      [0, 1 << 20],
      [1 << 20, 1 << 20],
      [2 << 20, blob.length - (2 << 20)],
    ]);
    expect(Buffer.concat(w.map((x) => x.data!)).equals(blob)).to.equal(true);
    expect(sent.at(-1)).to.deep.include({
      action: WriteAction.COMMIT,
      offset: blob.length,
      labels: { a: 'b' },
    });
  });

  it('resumes: the opener is asked from what the ingest holds, and bytes before it are skipped', async () => {
    const blob = bytes(3000);
    const { call, sent } = store(1200);
    let askedFrom = -1;
    const progress: number[] = [];
    await writeContent(
      call,
      {},
      {
        ref: 'r',
        expected: 'sha256:x',
        total: blob.length,
        // a registry that ignored the Range header and sends from 1000
        source: async (offset) => {
          askedFrom = offset;
          return { source: Readable.from([blob.subarray(1000, 2000), blob.subarray(2000)]), offset: 1000 };
        },
        onBytes: (n) => progress.push(n),
      },
    );
    expect(askedFrom).to.equal(1200);
    expect(progress).to.deep.equal([1000, 1000]);
    const w = writes(sent);
    expect(w.map((x) => x.offset)).to.deep.equal([1200]);
    expect(w[0]!.data!.equals(blob.subarray(1200))).to.equal(true);
    expect(sent.at(-1)).to.include({ action: WriteAction.COMMIT, offset: 3000 });
  });

  it('a source that fails has what it gave sent first, then the failure; no COMMIT', async () => {
    const blob = bytes(5000);
    const { call, sent } = store(0);
    const broken = async function* () {
      yield blob.subarray(0, 1500);
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    };
    const err = await writeContent(
      call,
      {},
      { ref: 'r', expected: 'sha256:x', total: 5000, source: broken() },
    ).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.equal('socket hang up');
    expect(writes(sent).map((x) => [x.offset, x.data!.length])).to.deep.equal([[0, 1500]]);
    expect(sent.some((s) => s.action === WriteAction.COMMIT)).to.equal(false);
  });

  it('a source that ends before the blob does is a premature close, after its bytes', async () => {
    const { call, sent } = store(0);
    const err = await writeContent(
      call,
      {},
      { ref: 'r', expected: 'sha256:x', total: 100, source: bytes(60) },
    ).then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    );
    expect(err?.code).to.equal('ERR_STREAM_PREMATURE_CLOSE');
    expect(err?.message).to.equal('premature close: the source ended at byte 60 of 100');
    expect(writes(sent)).to.have.length(1);
  });

  it('a blob the store has already is a success that sends nothing and closes an opened source', async () => {
    const { call, sent } = store(0, { exists: true });
    const source = Readable.from([bytes(10)]);
    expect(await writeContent(call, {}, { ref: 'r', expected: 'sha256:x', total: 10, source })).to.equal(
      false,
    );
    expect(sent.map((s) => s.action)).to.deep.equal([WriteAction.STAT]);
    expect(source.destroyed).to.equal(true);
  });
});
