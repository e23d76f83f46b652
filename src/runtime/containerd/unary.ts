/**
 * Unary gRPC calls over tsdock's own small HTTP/2 client (h2.ts) — the calls a command like `run`,
 * `ps -s` or `rm` is made of. grpc-js (rpc.ts) still carries every stream (events, content reads and
 * writes), where its flow control and cancellation earn their keep; for a request/response pair its
 * channel machinery (resolver, load balancer, subchannel, call stack) cost ~10 ms of CPU per command,
 * and node:http2 under it another ~7 ms of loading (measured side by side, see README's
 * Performance). The wire format is gRPC's HTTP/2 mapping: one length-prefixed message each way,
 * the status in `grpc-status`/`grpc-message` (trailers, or the headers of a trailers-only answer).
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

export interface UnaryOptions {
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

/** One HTTP/2 connection to containerd's socket, opened on the first call and shared by all. */
export class UnaryTransport {
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
    // The connection keeps the process alive only while a call is waiting on it (see call()).
    c.unref();
    this.conn = c;
    return c;
  }

  close(): void {
    this.conn?.close();
    this.conn = undefined;
  }

  call(path: string, body: Uint8Array, opts: UnaryOptions): Promise<Buffer> {
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

    return new Promise<Buffer>((resolve, reject) => {
      let settled = false;
      let status: number | undefined;
      let message = '';
      let responded = false;
      const chunks: Buffer[] = [];
      let received = 0;
      let timer: NodeJS.Timeout | undefined;
      // The stream's id, once it is open (an abort can come first).
      const stream = { id: -1 };
      const done = (err?: CallError, res?: Buffer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (--this.active === 0) conn.unref();
        if (err) {
          if (stream.id >= 0) conn.cancel(stream.id);
          reject(err);
        } else resolve(res!);
      };
      const onAbort = () => done(callError(Status.CANCELLED, 'Cancelled on client'));
      if (this.active++ === 0) conn.ref();
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      if (opts.timeoutMs > 0) {
        timer = setTimeout(
          () =>
            done(callError(Status.DEADLINE_EXCEEDED, `Deadline exceeded after ${opts.timeoutMs / 1000}s`)),
          opts.timeoutMs,
        );
      }
      stream.id = conn.request(fields, frame, {
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
          received += d.length;
          if (received > opts.maxReceiveBytes + 5) {
            done(
              callError(
                Status.RESOURCE_EXHAUSTED,
                `Received message larger than max (${received} vs. ${opts.maxReceiveBytes})`,
              ),
            );
            return;
          }
          chunks.push(d);
        },
        error: (err) => done(streamError(err)),
        end: () => {
          if (status === undefined) {
            done(callError(Status.UNKNOWN, 'Server ended the call without a status'));
            return;
          }
          if (status !== Status.OK) {
            done(callError(status, message));
            return;
          }
          const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
          if (all.length < 5 || all[0] !== 0) {
            done(callError(Status.INTERNAL, 'Malformed response message'));
            return;
          }
          done(undefined, all.subarray(5, 5 + all.readUInt32BE(1)));
        },
      });
    });
  }
}
