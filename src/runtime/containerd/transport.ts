/**
 * gRPC calls over tsdock's own small HTTP/2 client (h2.ts): unary calls — what a command like `run`,
 * `ps -s` or `rm` is made of — and server streams (content reads, lists, events). grpc-js (rpc.ts)
 * carries only the client-and-server streams (content writes). Its channel machinery (resolver, load
 * balancer, subchannel, call stack) cost ~10 ms of CPU per command, and node:http2 under it another
 * ~7 ms of loading, for what a client of a local socket uses of them (measured side by side, see
 * README's Performance). The wire format is gRPC's HTTP/2 mapping: length-prefixed messages, the
 * status in `grpc-status`/`grpc-message` (trailers, or the headers of a trailers-only answer).
 */
import { H2Code, H2Connection, type H2StreamError } from './h2.js';
import type { HeaderField } from './hpack.js';

/** gRPC status codes tsdock tells apart (google.rpc.Code). */
export const Status = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

/** The shape grpc-js gives its errors too, so one mapping (rpc.ts mapError) serves both. */
export interface CallError extends Error {
  code: number;
  details: string;
}

function callError(code: number, details: string): CallError {
  return Object.assign(new Error(`${code} ${details}`), { code, details });
}

export interface TransportCallOptions {
  metadata: Record<string, string>;
  /** Milliseconds; 0 = none. */
  timeoutMs: number;
  signal?: AbortSignal;
  maxReceiveBytes: number;
}

/** What a reset stream means to a gRPC client (as grpc-js maps it). */
function streamError(err: H2StreamError): CallError {
  if (err.h2Code === undefined || err.refused) return callError(Status.UNAVAILABLE, err.message);
  if (err.h2Code === H2Code.CANCEL) return callError(Status.CANCELLED, err.message);
  if (err.h2Code === H2Code.ENHANCE_YOUR_CALM) return callError(Status.RESOURCE_EXHAUSTED, err.message);
  return callError(Status.INTERNAL, err.message);
}

/** Where a call's answer goes: whole messages, then the end (error, or undefined for OK). */
interface Sink {
  message(m: Buffer): void;
  end(err?: CallError): void;
}

/** Splits a stream's data into gRPC messages (1 byte compressed flag, 4 bytes length, message). */
class MessageReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  constructor(private readonly max: number) {}

  /** The complete messages `d` finishes; throws a CallError on a message over the limit. */
  push(d: Buffer): Buffer[] {
    this.chunks.push(d);
    this.buffered += d.length;
    const out: Buffer[] = [];
    while (this.buffered >= 5) {
      if (this.chunks[0]!.length < 5) this.chunks = [Buffer.concat(this.chunks)];
      const head = this.chunks[0]!;
      if (head[0] !== 0) throw callError(Status.INTERNAL, 'Compressed message not expected');
      const len = head.readUInt32BE(1);
      if (len > this.max) {
        throw callError(
          Status.RESOURCE_EXHAUSTED,
          `Received message larger than max (${len} vs. ${this.max})`,
        );
      }
      if (this.buffered < 5 + len) break;
      const all = this.chunks.length === 1 ? head : Buffer.concat(this.chunks);
      out.push(all.subarray(5, 5 + len));
      const rest = all.subarray(5 + len);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
    }
    return out;
  }

  get partial(): boolean {
    return this.buffered > 0;
  }
}

/**
 * Bytes of whole messages a stream's reader may leave untaken before the peer is held back: data
 * is credited as it arrives while no more than this waits, and otherwise once the reader takes it
 * (the stream's window then runs out; see h2.ts). A message larger than the window still arrives:
 * its bytes are credited as they come, since what waits before it is taken first.
 */
const STREAM_HIGH_WATER = 1 << 20;

/** One HTTP/2 connection to containerd's socket, opened on the first call and shared by all. */
export class Transport {
  private conn?: H2Connection;
  private active = 0;

  constructor(private readonly address: string) {}

  /** Connecting early lets the socket and HTTP/2 handshake overlap with what a command does first. */
  warm(): void {
    this.connect();
  }

  private connect(): H2Connection {
    // A failed, closed or going-away connection is replaced on the next call, as grpc-js reconnects.
    if (this.conn?.usable) return this.conn;
    const c = new H2Connection(this.address);
    // The connection keeps the process alive only while a call is waiting on it (see open()).
    c.unref();
    this.conn = c;
    return c;
  }

  close(): void {
    this.conn?.close();
    this.conn = undefined;
  }

  /** One request message, one answer. */
  call(path: string, body: Uint8Array, opts: TransportCallOptions): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      let answer: Buffer | undefined;
      const call = this.open(path, body, opts, {
        message: (m) => {
          if (answer !== undefined)
            call.fail(callError(Status.UNIMPLEMENTED, 'Received more than one message'));
          answer = m;
        },
        end: (err) => {
          if (err) reject(err);
          else if (answer === undefined) reject(callError(Status.UNIMPLEMENTED, 'Received no message'));
          else resolve(answer);
        },
      });
      // A unary answer is read as it comes: all of it is credited at once.
      call.autoCredit = true;
    });
  }

  /** One request message, a stream of answers; a reader that stops early cancels the call. */
  async *serverStream(path: string, body: Uint8Array, opts: TransportCallOptions): AsyncGenerator<Buffer> {
    const queue: Buffer[] = [];
    let queued = 0;
    let ended = false;
    let failure: CallError | undefined;
    let wake: (() => void) | undefined;
    const call = this.open(path, body, opts, {
      message: (m) => {
        queue.push(m);
        queued += m.length;
        wake?.();
      },
      end: (err) => {
        ended = true;
        failure = err;
        wake?.();
      },
    });
    call.highWater = STREAM_HIGH_WATER;
    try {
      for (;;) {
        const m = queue.shift();
        if (m !== undefined) {
          queued -= m.length;
          call.taken(queued);
          yield m;
          continue;
        }
        if (failure) throw failure;
        if (ended) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      if (!ended) call.fail(callError(Status.CANCELLED, 'Cancelled on client'));
    }
  }

  /** Opens the stream and follows it to its status; the sink gets the messages and the end. */
  private open(path: string, body: Uint8Array, opts: TransportCallOptions, sink: Sink) {
    const conn = this.connect();
    const fields: HeaderField[] = [
      [':method', 'POST'],
      [':scheme', 'http'],
      [':path', path],
      [':authority', 'localhost'],
      ['content-type', 'application/grpc'],
      ['te', 'trailers'],
    ];
    // grpc-timeout takes at most 8 digits.
    if (opts.timeoutMs > 0)
      fields.push([
        'grpc-timeout',
        opts.timeoutMs < 1e8 ? `${opts.timeoutMs}m` : `${Math.ceil(opts.timeoutMs / 1000)}S`,
      ]);
    for (const [k, v] of Object.entries(opts.metadata)) fields.push([k, v]);
    const frame = Buffer.allocUnsafe(5 + body.length);
    frame[0] = 0;
    frame.writeUInt32BE(body.length, 1);
    frame.set(body, 5);

    const reader = new MessageReader(opts.maxReceiveBytes);
    let id = -1;
    let settled = false;
    let status: number | undefined;
    let message = '';
    let responded = false;
    let timer: NodeJS.Timeout | undefined;
    /** Bytes of whole messages the reader has not taken, and credit held back meanwhile. */
    let untaken = 0;
    let owed = 0;
    const call = {
      autoCredit: false,
      highWater: Infinity,
      /** The reader took messages; `left` bytes of whole messages remain untaken. */
      taken: (left: number) => {
        untaken = left;
        if (owed > 0 && untaken <= call.highWater && id >= 0) {
          conn.consume(id, owed);
          owed = 0;
        }
      },
      fail: (err: CallError) => done(err),
    };
    const done = (err?: CallError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (--this.active === 0) conn.unref();
      if (err && id >= 0) conn.cancel(id);
      sink.end(err);
    };
    const onAbort = () => done(callError(Status.CANCELLED, 'Cancelled on client'));
    if (this.active++ === 0) conn.ref();
    if (opts.signal?.aborted) {
      onAbort();
      return call;
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.timeoutMs > 0) {
      timer = setTimeout(
        () => done(callError(Status.DEADLINE_EXCEEDED, `Deadline exceeded after ${opts.timeoutMs / 1000}s`)),
        opts.timeoutMs,
      );
    }
    id = conn.request(fields, frame, {
      headers: (h) => {
        if (!responded) {
          responded = true;
          if (h[':status'] !== '200' && h['grpc-status'] === undefined) {
            done(callError(Status.UNKNOWN, `Received HTTP status code ${h[':status']}`));
            return;
          }
        }
        const s = h['grpc-status'];
        if (s === undefined) return;
        status = Number(s);
        const m = h['grpc-message'];
        if (m !== undefined) {
          try {
            message = decodeURIComponent(m);
          } catch {
            message = m;
          }
        }
      },
      data: (d) => {
        if (settled) return;
        let messages: Buffer[];
        try {
          messages = reader.push(d);
        } catch (err) {
          done(err as CallError);
          return;
        }
        for (const m of messages) {
          untaken += m.length;
          sink.message(m);
        }
        if (call.autoCredit || untaken <= call.highWater) conn.consume(id, d.length);
        else owed += d.length;
      },
      error: (err) => done(streamError(err)),
      end: () => {
        if (status === undefined) done(callError(Status.UNKNOWN, 'Server ended the call without a status'));
        else if (status !== Status.OK) done(callError(status, message));
        else if (reader.partial) done(callError(Status.INTERNAL, 'Malformed response message'));
        else done();
      },
    });
    return call;
  }
}
