/**
 * gRPC plumbing: one channel per socket, protobuf encode/decode with the static code generated from
 * protos/ at build time (nothing parses .proto text or builds codecs at run time), and containerd's
 * errors mapped to tsdock's error classes in one place.
 */
import * as grpc from '@grpc/grpc-js';
import generated from './protos.gen.cjs';
import { ConflictError, DaemonError, NotFoundError, type TsdockError } from '../errors.js';
import { TRACE, traceSpan } from '../trace.js';

/** What pbjs generates for every message: static codec functions on the message class. */
export interface MessageType {
  decode(buf: Uint8Array): object;
  encode(msg: object): { finish(): Uint8Array };
  fromObject(obj: Record<string, unknown>): object;
  toObject(msg: object, opts: object): Record<string, unknown>;
}

const types = new Map<string, MessageType | undefined>();

/** A message type by full name (`containerd.services.tasks.v1.ListTasksRequest`), if protos/ has it. */
export function lookupType(name: string): MessageType | undefined {
  if (!types.has(name)) {
    let node: unknown = generated;
    for (const part of name.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
    types.set(
      name,
      typeof (node as MessageType | undefined)?.decode === 'function' ? (node as MessageType) : undefined,
    );
  }
  return types.get(name);
}

export function type(name: string): MessageType {
  const t = lookupType(name);
  if (!t) throw new Error(`protos/ defines no message ${name}`);
  return t;
}

const CONVERT = { longs: Number, enums: String, bytes: Buffer, defaults: true };

export function decode(t: MessageType, buf: Buffer): Record<string, unknown> {
  return t.toObject(t.decode(buf), CONVERT);
}

export function encode(t: MessageType, obj: Record<string, unknown>): Buffer {
  const u = t.encode(t.fromObject(obj)).finish();
  // protobufjs finishes into a Buffer under Node; Buffer.from() would copy it once more.
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

export type GrpcError = TsdockError & { grpcCode?: number };

/** grpc-js's own wording when the channel cannot reach (or loses) the socket. */
const NO_CONNECTION =
  /No connection established|connect E[A-Z]+|Connection dropped|Failed to connect|Connection refused/i;

export function mapError(err: unknown, address: string): unknown {
  const e = err as grpc.ServiceError;
  if (typeof e?.code !== 'number') return err;
  const msg = e.details || e.message;
  let mapped: GrpcError;
  switch (e.code) {
    case grpc.status.NOT_FOUND:
      mapped = new NotFoundError(msg, { cause: err });
      break;
    case grpc.status.ALREADY_EXISTS:
    case grpc.status.FAILED_PRECONDITION:
      mapped = new ConflictError(msg, { cause: err });
      break;
    case grpc.status.UNAVAILABLE:
      // containerd itself answers UNAVAILABLE too (e.g. "ttrpc: closed" from a dead shim): only a
      // failure to reach the socket means containerd is not running.
      if (!NO_CONNECTION.test(msg)) {
        mapped = new DaemonError(msg, { cause: err });
        break;
      }
      mapped = new DaemonError(
        `Cannot connect to containerd at unix://${address}: is containerd running? ` +
          "Start it with 'containerd &' or 'systemctl start containerd'.",
        { cause: err },
      );
      break;
    default:
      mapped = new DaemonError(msg, { cause: err });
  }
  mapped.grpcCode = e.code;
  return mapped;
}

export interface CallOptions {
  /** Milliseconds; 0 = no deadline (Wait, Subscribe, streams). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export class Rpc {
  private client: grpc.Client;
  constructor(
    readonly address: string,
    private readonly metadata: () => grpc.Metadata,
  ) {
    this.client = new grpc.Client(`unix:${address}`, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': 64 << 20,
      'grpc.max_send_message_length': 64 << 20,
      'grpc.enable_http_proxy': 0,
    });
    // Connect now, not at the first call: the socket and HTTP/2 handshake then overlap with whatever
    // the command does before its first RPC.
    this.client.getChannel().getConnectivityState(true);
  }

  withMetadata(metadata: () => grpc.Metadata): Rpc {
    const r = Object.create(Rpc.prototype) as Rpc;
    Object.assign(r, { address: this.address, metadata, client: this.client });
    return r;
  }

  close(): void {
    this.client.close();
  }

  private options(o: CallOptions | undefined, fallbackMs: number): grpc.CallOptions {
    const ms = o?.timeoutMs ?? fallbackMs;
    return ms > 0 ? { deadline: Date.now() + ms } : {};
  }

  unary(
    path: string,
    reqType: string,
    resType: string,
    req: Record<string, unknown>,
    opts?: CallOptions,
  ): Promise<Record<string, unknown>> {
    const rq = type(reqType);
    const rs = type(resType);
    const t0 = TRACE ? performance.now() : 0;
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const call = this.client.makeUnaryRequest(
        path,
        (m: Record<string, unknown>) => encode(rq, m),
        (b: Buffer) => decode(rs, b),
        req,
        this.metadata(),
        this.options(opts, 30_000),
        (err, res) => (err ? reject(mapError(err, this.address)) : resolve(res!)),
      );
      opts?.signal?.addEventListener('abort', () => call.cancel(), { once: true });
    }).finally(() => {
      if (TRACE) traceSpan('rpc', path, t0);
    });
  }

  async *serverStream(
    path: string,
    reqType: string,
    resType: string,
    req: Record<string, unknown>,
    opts?: CallOptions,
  ): AsyncIterable<Record<string, unknown>> {
    const rq = type(reqType);
    const rs = type(resType);
    const call = this.client.makeServerStreamRequest(
      path,
      (m: Record<string, unknown>) => encode(rq, m),
      (b: Buffer) => decode(rs, b),
      req,
      this.metadata(),
      this.options(opts, 0),
    );
    const onAbort = () => call.cancel();
    opts?.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const msg of call as AsyncIterable<Record<string, unknown>>) yield msg;
    } catch (err) {
      if ((err as grpc.ServiceError).code === grpc.status.CANCELLED && opts?.signal?.aborted) return;
      throw mapError(err, this.address);
    } finally {
      opts?.signal?.removeEventListener('abort', onAbort);
      call.cancel();
    }
  }

  /**
   * A bidi stream used as request/response pairs (containerd's content Write answers every request).
   * A request may be given already encoded (a Buffer), as the content writer does for its data.
   */
  duplex(path: string, reqType: string, resType: string): Duplex {
    const rq = type(reqType);
    const rs = type(resType);
    const call = this.client.makeBidiStreamRequest(
      path,
      (m: Record<string, unknown> | Buffer) => (Buffer.isBuffer(m) ? m : encode(rq, m)),
      (b: Buffer) => decode(rs, b),
      this.metadata(),
      {},
    );
    return new Duplex(call, this.address, path);
  }
}

export class Duplex {
  private waiting: { resolve: (m: Record<string, unknown>) => void; reject: (e: unknown) => void }[] = [];
  private failed: unknown;
  constructor(
    private readonly call: grpc.ClientDuplexStream<Record<string, unknown> | Buffer, Record<string, unknown>>,
    address: string,
    path: string,
  ) {
    const t0 = TRACE ? performance.now() : 0;
    call.on('data', (m: Record<string, unknown>) => this.waiting.shift()?.resolve(m));
    call.on('error', (err) => {
      this.failed = mapError(err, address);
      for (const w of this.waiting.splice(0)) w.reject(this.failed);
    });
    call.on('end', () => {
      this.failed ??= new DaemonError('containerd closed the stream');
      for (const w of this.waiting.splice(0)) w.reject(this.failed);
    });
    this.finished = new Promise<void>((resolve) => {
      call.on('status', () => resolve());
      call.on('error', () => resolve());
    });
    if (TRACE) void this.finished.then(() => traceSpan('rpc', `${path} (stream)`, t0));
  }

  /** Settles once the server has ended the call (its status arrived). */
  private readonly finished: Promise<void>;

  send(m: Record<string, unknown> | Buffer): Promise<Record<string, unknown>> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.call.write(m);
    });
  }

  /**
   * Half-closes and waits (bounded) for the server to end the call: containerd still holds an ingest
   * until its Write handler returns, so a retry or Abort issued earlier can race it.
   */
  async close(): Promise<void> {
    this.call.end();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.finished, new Promise<void>((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
  }
}
