/**
 * gRPC plumbing: unary calls and server streams over tsdock's HTTP/2 client (transport.ts),
 * client-and-server streams through grpc-js (loaded on the first one only), protobuf encode/decode
 * with the static code generated from protos/ at build time (nothing parses .proto text or builds
 * codecs at run time), and containerd's errors mapped to tsdock's error classes in one place.
 */
import type * as Grpc from '@grpc/grpc-js';
import generated from './protos.gen.cjs';
import { Status, Transport } from './transport.js';
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
  const e = err as { code?: unknown; details?: string; message: string };
  if (typeof e?.code !== 'number') return err;
  const msg = e.details || e.message;
  let mapped: GrpcError;
  switch (e.code) {
    case Status.NOT_FOUND:
      mapped = new NotFoundError(msg, { cause: err });
      break;
    case Status.ALREADY_EXISTS:
    case Status.FAILED_PRECONDITION:
      mapped = new ConflictError(msg, { cause: err });
      break;
    case Status.UNAVAILABLE:
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
  mapped.grpcCode = e.code as number;
  return mapped;
}

export interface CallOptions {
  /** Milliseconds; 0 = no deadline (Wait, Subscribe, streams). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Request metadata (containerd-namespace, containerd-lease), lower-case keys. */
export type Metadata = Record<string, string>;

const MAX_MESSAGE = 64 << 20;

/** The connection(s) to one socket, shared by every Rpc view of it (see withMetadata). */
class Channels {
  readonly transport: Transport;
  private grpcClient?: Grpc.Client;
  constructor(readonly address: string) {
    this.transport = new Transport(address);
    this.transport.warm();
  }

  /** grpc-js and its channel, for content writes: required on first use, not at start-up. */
  async streams(): Promise<{ grpc: typeof Grpc; client: Grpc.Client }> {
    const grpc = await import('@grpc/grpc-js');
    this.grpcClient ??= new grpc.Client(`unix:${this.address}`, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': MAX_MESSAGE,
      'grpc.max_send_message_length': MAX_MESSAGE,
      'grpc.enable_http_proxy': 0,
    });
    return { grpc, client: this.grpcClient };
  }

  close(): void {
    this.transport.close();
    this.grpcClient?.close();
  }
}

function grpcMetadata(grpc: typeof Grpc, m: Metadata): Grpc.Metadata {
  const out = new grpc.Metadata();
  for (const [k, v] of Object.entries(m)) out.set(k, v);
  return out;
}

export class Rpc {
  private readonly channels: Channels;
  constructor(
    readonly address: string,
    private readonly metadata: () => Metadata,
    shared?: Rpc,
  ) {
    this.channels = shared?.channels ?? new Channels(address);
  }

  /** A view with other metadata over the same connections. */
  withMetadata(metadata: () => Metadata): Rpc {
    return new Rpc(this.address, metadata, this);
  }

  close(): void {
    this.channels.close();
  }

  async unary(
    path: string,
    reqType: string,
    resType: string,
    req: Record<string, unknown>,
    opts?: CallOptions,
  ): Promise<Record<string, unknown>> {
    const rq = type(reqType);
    const rs = type(resType);
    const t0 = TRACE ? performance.now() : 0;
    try {
      const body = await this.channels.transport.call(path, encode(rq, req), {
        metadata: this.metadata(),
        timeoutMs: opts?.timeoutMs ?? 30_000,
        signal: opts?.signal,
        maxReceiveBytes: MAX_MESSAGE,
      });
      return decode(rs, body);
    } catch (err) {
      throw mapError(err, this.address);
    } finally {
      if (TRACE) traceSpan('rpc', path, t0);
    }
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
    const stream = this.channels.transport.serverStream(path, encode(rq, req), {
      metadata: this.metadata(),
      timeoutMs: opts?.timeoutMs ?? 0,
      signal: opts?.signal,
      maxReceiveBytes: MAX_MESSAGE,
    });
    try {
      for await (const body of stream) yield decode(rs, body);
    } catch (err) {
      if ((err as { code?: number }).code === Status.CANCELLED && opts?.signal?.aborted) return;
      throw mapError(err, this.address);
    }
  }

  /**
   * A bidi stream used as request/response pairs (containerd's content Write answers every request).
   * A request may be given already encoded (a Buffer), as the content writer does for its data.
   */
  async duplex(path: string, reqType: string, resType: string): Promise<Duplex> {
    const rq = type(reqType);
    const rs = type(resType);
    const { grpc, client } = await this.channels.streams();
    const call = client.makeBidiStreamRequest(
      path,
      (m: Record<string, unknown> | Buffer) => (Buffer.isBuffer(m) ? m : encode(rq, m)),
      (b: Buffer) => decode(rs, b),
      grpcMetadata(grpc, this.metadata()),
      {},
    );
    return new Duplex(call, this.address, path);
  }
}

export class Duplex {
  private waiting: { resolve: (m: Record<string, unknown>) => void; reject: (e: unknown) => void }[] = [];
  private failed: unknown;
  constructor(
    private readonly call: Grpc.ClientDuplexStream<Record<string, unknown> | Buffer, Record<string, unknown>>,
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
