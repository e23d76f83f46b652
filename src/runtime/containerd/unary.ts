/**
 * Unary gRPC calls straight over node:http2 — the calls a command like `run`, `ps -s` or `rm` is made
 * of. grpc-js (rpc.ts) still carries every stream (events, content reads and writes), where its flow
 * control and cancellation earn their keep; for a request/response pair its channel machinery
 * (resolver, load balancer, subchannel, call stack), loaded and run on every CLI invocation, cost
 * ~10 ms of CPU per command against this (measured side by side, see README's Performance). The
 * wire format is gRPC's HTTP/2 mapping: one length-prefixed message each way, the status in
 * `grpc-status`/`grpc-message` (trailers, or the headers of a trailers-only answer).
 */
import * as http2 from 'node:http2';
import * as net from 'node:net';

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

/** One HTTP/2 connection to containerd's socket, opened on the first call and shared by all. */
export class UnaryTransport {
  private session?: http2.ClientHttp2Session;
  /** Why the connection failed, for the calls it takes down with it. */
  private failure?: Error;
  private active = 0;

  constructor(private readonly address: string) {}

  /** Connecting early lets the socket and HTTP/2 handshake overlap with what a command does first. */
  warm(): void {
    this.connect();
  }

  private connect(): http2.ClientHttp2Session {
    const live = this.session;
    if (live && !live.closed && !live.destroyed) return live;
    this.failure = undefined;
    const s = http2.connect('http://localhost', { createConnection: () => net.connect(this.address) });
    s.on('error', (err) => {
      this.failure = err;
    });
    // A broken or closed connection is replaced on the next call, as grpc-js reconnects.
    const drop = () => {
      if (this.session === s) this.session = undefined;
    };
    s.on('close', drop);
    s.on('goaway', drop);
    // The connection keeps the process alive only while a call is waiting on it (see call()).
    s.unref();
    this.session = s;
    return s;
  }

  close(): void {
    this.session?.close();
    this.session = undefined;
  }

  call(path: string, body: Uint8Array, opts: UnaryOptions): Promise<Buffer> {
    const session = this.connect();
    if (this.active++ === 0) session.ref();
    const headers: http2.OutgoingHttpHeaders = {
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...opts.metadata,
    };
    // grpc-timeout takes at most 8 digits.
    if (opts.timeoutMs > 0)
      headers['grpc-timeout'] =
        opts.timeoutMs < 1e8 ? `${opts.timeoutMs}m` : `${Math.ceil(opts.timeoutMs / 1000)}S`;
    const frame = Buffer.allocUnsafe(5 + body.length);
    frame[0] = 0;
    frame.writeUInt32BE(body.length, 1);
    frame.set(body, 5);

    return new Promise<Buffer>((resolve, reject) => {
      let settled = false;
      let status: number | undefined;
      let message = '';
      const chunks: Buffer[] = [];
      let received = 0;
      let timer: NodeJS.Timeout | undefined;
      const stream = session.request(headers);
      const done = (err?: CallError, res?: Buffer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (--this.active === 0) session.unref();
        if (err) {
          if (!stream.closed) stream.close(http2.constants.NGHTTP2_CANCEL);
          reject(err);
        } else resolve(res!);
      };
      const onAbort = () => done(callError(Status.CANCELLED, 'Cancelled on client'));
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      if (opts.timeoutMs > 0) {
        timer = setTimeout(
          () =>
            done(callError(Status.DEADLINE_EXCEEDED, `Deadline exceeded after ${opts.timeoutMs / 1000}s`)),
          opts.timeoutMs,
        );
      }
      const onStatus = (h: http2.IncomingHttpHeaders) => {
        const s = h['grpc-status'];
        if (s === undefined) return;
        status = Number(s);
        const m = h['grpc-message'];
        if (typeof m === 'string') {
          try {
            message = decodeURIComponent(m);
          } catch {
            message = m;
          }
        }
      };
      stream.on('response', (h) => {
        const code = h[':status'];
        if (code !== 200 && h['grpc-status'] === undefined) {
          done(callError(Status.UNKNOWN, `Received HTTP status code ${code}`));
          return;
        }
        onStatus(h);
      });
      stream.on('trailers', onStatus);
      stream.on('data', (d: Buffer) => {
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
      });
      stream.on('error', (err: NodeJS.ErrnoException) => {
        // A connection that never came up fails its streams with a generic cancel: name the cause.
        const cause = this.failure ?? err;
        done(callError(Status.UNAVAILABLE, cause.message));
      });
      stream.on('close', () => {
        if (status === undefined) {
          const cause = this.failure;
          done(callError(Status.UNAVAILABLE, cause ? cause.message : 'Connection dropped'));
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
      });
      stream.end(frame);
    });
  }
}
