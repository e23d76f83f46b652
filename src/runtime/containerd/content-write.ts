/**
 * containerd's Content.Write, a bidirectional stream answered message by message: STAT (how much of
 * the ingest `ref` is there already), WRITE chunks from that offset on, COMMIT with the expected
 * size and digest, which containerd checks.
 */
import { PassThrough, Readable } from 'node:stream';
import { DaemonError } from '../errors.js';
import {
  WriteAction,
  type DeepPartial,
  type WriteContentRequest,
  type WriteContentResponse,
} from './gen/content.js';
import type { RpcOptions } from './rpc.js';
import { GrpcStatus, grpcCode } from './status.js';
import type { WriteRequest } from './types.js';

/** The generated client's Write method. */
export type WriteCall = (
  requests: AsyncIterable<DeepPartial<WriteContentRequest>>,
  options?: RpcOptions,
) => AsyncIterable<WriteContentResponse>;

const CHUNK = 1 << 20;
/**
 * WRITE messages sent ahead of their answers. containerd handles a stream's messages in order, so
 * nothing is lost by not waiting; waiting for each answer left containerd idle (it hashes each
 * chunk) while the next chunk was read, and that left us idle while it hashed.
 */
const WRITES_AHEAD = 4;
/** How long a finished write waits for containerd to end the call (see the `finally` below). */
const END_WAIT_MS = 5000;

function prematureClose(at: number, end: number): Error {
  return Object.assign(new Error(`premature close: the source ended at byte ${at} of ${end}`), {
    code: 'ERR_STREAM_PREMATURE_CLOSE',
  });
}

/**
 * The source's bytes past the first `skip`, in chunks of `size` (the last one shorter). When the
 * source fails, what it gave is yielded before the failure: a resumed write continues from there.
 */
async function* chunks(
  source: Buffer | AsyncIterable<Buffer>,
  skip: number,
  size: number,
  onBytes?: (n: number) => void,
): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let n = 0;
  const whole = () => {
    const out = parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
    parts = [];
    n = 0;
    return out;
  };
  try {
    for await (const piece of Buffer.isBuffer(source) ? [source] : source) {
      onBytes?.(piece.length);
      let rest = piece.subarray(Math.min(skip, piece.length));
      skip -= piece.length - rest.length;
      while (rest.length > 0) {
        const k = Math.min(size - n, rest.length);
        parts.push(rest.subarray(0, k));
        n += k;
        rest = rest.subarray(k);
        if (n === size) yield whole();
      }
    }
  } catch (err) {
    if (n > 0) yield whole();
    throw err;
  }
  if (n > 0) yield whole();
}

/** True when this call stored the blob (and its labels), false when the store had it already. */
export async function writeContent(write: WriteCall, options: RpcOptions, r: WriteRequest): Promise<boolean> {
  const requests = new PassThrough({ objectMode: true });
  const send = (m: DeepPartial<WriteContentRequest>) => requests.write(m);
  const cut = new AbortController();
  const answers = write(requests, { ...options, signal: cut.signal })[Symbol.asyncIterator]();
  const answer = async (): Promise<WriteContentResponse> => {
    const a = await answers.next();
    if (a.done) throw new DaemonError(`containerd ended the write of ${r.ref} early`);
    return a.value;
  };
  const { ref, total, expected } = r;
  let opened = typeof r.source === 'function' ? undefined : r.source;
  try {
    send({ action: WriteAction.STAT, ref, total, expected });
    const held = (await answer()).offset;
    let source: Buffer | AsyncIterable<Buffer>;
    let start = 0;
    if (typeof r.source === 'function') ({ source, offset: start } = await r.source(held));
    else source = r.source;
    opened = source;
    if (start > held) throw new Error(`ingest ${ref} holds ${held} bytes, the source starts at ${start}`);
    // What the ingest holds already is skipped in the source; containerd checks size and digest on commit.
    let offset = held;
    let due = 0;
    for await (const data of chunks(source, held - start, CHUNK, r.onBytes)) {
      send({ action: WriteAction.WRITE, ref, offset, total, expected, data });
      offset += data.length;
      if (++due >= WRITES_AHEAD) {
        await answer();
        due--;
      }
    }
    for (; due > 0; due--) await answer();
    if (total > 0 && offset < total) throw prematureClose(offset, total);
    // The offset must be the bytes written: containerd truncates an ingest on a request at offset 0.
    send({ action: WriteAction.COMMIT, ref, offset, total, expected, labels: r.labels ?? {} });
    await answer();
    return true;
  } catch (err) {
    if (grpcCode(err) !== GrpcStatus.ALREADY_EXISTS) throw err;
    // The blob is there: a source opened but not read must not stay open.
    if (opened instanceof Readable) opened.destroy();
    return false;
  } finally {
    // containerd holds the ingest until its Write handler returns: the call is half-closed and its
    // end awaited (bounded), so a retry or an Abort that follows does not find the ingest locked.
    requests.end();
    const timer = setTimeout(() => cut.abort(), END_WAIT_MS);
    try {
      while (!(await answers.next()).done);
    } catch {
      /* the call failed: that failure was reported above, or the write succeeded before it */
    }
    clearTimeout(timer);
  }
}
