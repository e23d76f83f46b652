/**
 * The client side of HTTP/2 (RFC 9113) over one socket, as much as gRPC's unary calls and server
 * streams need: streams of one request (headers, then a body) and an answer of any length, flow
 * control both ways, SETTINGS, PING, RST_STREAM and GOAWAY. Not node:http2: loading it pulls in tls,
 * http, crypto and assert with it, ~7 ms of every command's start-up on this machine (measured;
 * README's Performance), while what a gRPC client of a local socket uses of it is this much.
 * grpc-js (rpc.ts) still carries the client-and-server streams (content writes).
 *
 * Receiving, the connection's window is the largest HTTP/2 allows and each stream's is STREAM_WINDOW:
 * a stream's reader gives credit back as it takes the data (consume()), so a slow reader of a long
 * stream holds the peer back instead of buffering all it sends. Sending, this side keeps to the
 * peer's windows and frame size.
 */
import * as net from 'node:net';
import { encodeHeaders, HpackDecoder, type HeaderField } from './hpack.js';

const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
const DATA = 0;
const HEADERS = 1;
const RST_STREAM = 3;
const SETTINGS = 4;
const PUSH_PROMISE = 5;
const PING = 6;
const GOAWAY = 7;
const WINDOW_UPDATE = 8;
const CONTINUATION = 9;

const END_STREAM = 0x1;
const ACK = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;

const SETTINGS_HEADER_TABLE_SIZE = 1;
const SETTINGS_ENABLE_PUSH = 2;
const SETTINGS_INITIAL_WINDOW_SIZE = 4;
const SETTINGS_MAX_FRAME_SIZE = 5;

/** HTTP/2 error codes this side sends or tells apart. */
export const H2Code = {
  NO_ERROR: 0,
  PROTOCOL_ERROR: 1,
  FLOW_CONTROL_ERROR: 3,
  FRAME_SIZE_ERROR: 6,
  REFUSED_STREAM: 7,
  CANCEL: 8,
  COMPRESSION_ERROR: 9,
  ENHANCE_YOUR_CALM: 11,
} as const;

const MAX_WINDOW = 2 ** 31 - 1;
const DEFAULT_WINDOW = 65_535;
/**
 * Each stream's receive window: what the peer may send before the reader takes any of it. Large
 * enough that a unary answer (a container list, an image's manifest) never waits for credit.
 */
export const STREAM_WINDOW = 4 << 20;
/** The largest frame this side accepts: the default, never raised. */
const MAX_FRAME = 16_384;
/** Connection-level credit is given back in large steps (the window is 2 GiB). */
const WINDOW_REFILL = 2 ** 30;

/** Why a stream ended without its END_STREAM. */
export class H2StreamError extends Error {
  constructor(
    message: string,
    /** The RST_STREAM or GOAWAY code; undefined when the connection itself failed. */
    readonly h2Code: number | undefined,
    /** The peer did not process the request (refused, or beyond its GOAWAY): safe to send again. */
    readonly refused: boolean,
  ) {
    super(message);
  }
}

export interface StreamEvents {
  /** A header block: the response's headers, or (endStream) its trailers or a trailers-only answer. */
  headers(fields: Record<string, string>, endStream: boolean): void;
  data(chunk: Buffer): void;
  /** The peer's END_STREAM, after the last headers or data. */
  end(): void;
  error(err: H2StreamError): void;
}

interface Stream {
  id: number;
  events: StreamEvents;
  /** Request body not yet sent (it waits for window). */
  pending?: Buffer;
  sendWindow: number;
  /** Bytes the reader took that the peer has not been credited with yet. */
  consumed: number;
}

function frame(type: number, flags: number, id: number, length: number): Buffer {
  const h = Buffer.allocUnsafe(9);
  h.writeUIntBE(length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(id, 5);
  return h;
}

function settingsPayload(entries: Array<[number, number]>): Buffer {
  const b = Buffer.allocUnsafe(entries.length * 6);
  entries.forEach(([id, v], i) => {
    b.writeUInt16BE(id, i * 6);
    b.writeUInt32BE(v, i * 6 + 2);
  });
  return b;
}

function u32(value: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(value, 0);
  return b;
}

function fieldsRecord(fields: readonly HeaderField[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [n, v] of fields) out[n] = out[n] === undefined ? v : `${out[n]},${v}`;
  return out;
}

/** Strips a padded frame's pad length and padding (and a HEADERS frame's priority fields). */
function unpad(payload: Buffer, flags: number, priority: boolean): Buffer {
  let start = 0;
  let end = payload.length;
  if (flags & PADDED) {
    if (payload.length < 1) throw new ConnectionError(H2Code.PROTOCOL_ERROR, 'padded frame without padding');
    end -= payload[0]!;
    start = 1;
  }
  if (priority && flags & PRIORITY) start += 5;
  if (end < start) throw new ConnectionError(H2Code.PROTOCOL_ERROR, 'padding longer than its frame');
  return payload.subarray(start, end);
}

class ConnectionError extends Error {
  constructor(
    readonly h2Code: number,
    message: string,
  ) {
    super(message);
  }
}

export class H2Connection {
  private readonly socket: net.Socket;
  private readonly decoder = new HpackDecoder();
  private readonly streams = new Map<number, Stream>();
  private nextId = 1;
  private sendWindow = DEFAULT_WINDOW;
  private peerInitialWindow = DEFAULT_WINDOW;
  private peerMaxFrame = 16_384;
  /** Bytes received since this side last gave the connection window back. */
  private received = 0;
  private input?: Buffer;
  /** A header block that continues in CONTINUATION frames. */
  private block?: { id: number; endStream: boolean; parts: Buffer[] };
  private goneAway = false;
  private closed = false;
  /** The first block this side sends starts with a table size update (see request()). */
  private firstBlock = true;

  constructor(path: string) {
    this.socket = net.connect(path);
    const settings = settingsPayload([
      [SETTINGS_ENABLE_PUSH, 0],
      [SETTINGS_INITIAL_WINDOW_SIZE, STREAM_WINDOW],
    ]);
    // Written before the socket connects: net buffers it, and the preface goes out first.
    this.socket.write(
      Buffer.concat([
        Buffer.from(PREFACE, 'latin1'),
        frame(SETTINGS, 0, 0, settings.length),
        settings,
        frame(WINDOW_UPDATE, 0, 0, 4),
        u32(MAX_WINDOW - DEFAULT_WINDOW),
      ]),
    );
    this.socket.on('data', (chunk: Buffer) => this.receive(chunk));
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => this.fail(new Error('Connection dropped')));
  }

  /** False once the connection failed, closed, or the peer sent GOAWAY: new streams need another. */
  get usable(): boolean {
    return !this.closed && !this.goneAway;
  }

  ref(): void {
    this.socket.ref();
  }

  unref(): void {
    this.socket.unref();
  }

  close(): void {
    this.fail(new Error('Connection closed by the client'), true);
  }

  /** Opens a stream, sends `fields` and then `body` (END_STREAM with its end); returns the id. */
  request(fields: readonly HeaderField[], body: Buffer, events: StreamEvents): number {
    if (!this.usable) throw new Error('HTTP/2 connection not usable');
    const id = this.nextId;
    this.nextId += 2;
    if (this.nextId > MAX_WINDOW) this.goneAway = true; // stream ids used up: the next call reconnects
    let block = encodeHeaders(fields);
    if (this.firstBlock) {
      // A dynamic table of size 0 for the peer's decoder: this side never indexes, and so never
      // has to follow the peer's SETTINGS_HEADER_TABLE_SIZE (RFC 7541 §4.2, §6.3).
      block = Buffer.concat([Buffer.of(0x20), block]);
      this.firstBlock = false;
    }
    const out: Buffer[] = [];
    let off = 0;
    let type = HEADERS;
    do {
      const part = block.subarray(off, off + this.peerMaxFrame);
      off += part.length;
      let flags = off >= block.length ? END_HEADERS : 0;
      if (type === HEADERS && body.length === 0) flags |= END_STREAM;
      out.push(frame(type, flags, id, part.length), part);
      type = CONTINUATION;
    } while (off < block.length);
    const s: Stream = { id, events, sendWindow: this.peerInitialWindow, consumed: 0 };
    if (body.length > 0) s.pending = body;
    this.streams.set(id, s);
    this.sendData(s, out);
    this.socket.write(out.length === 1 ? out[0]! : Buffer.concat(out));
    return id;
  }

  /**
   * The reader took `n` bytes of the stream's data: the peer may send that much more. Credit goes
   * back in steps of half the window, not per frame.
   */
  consume(id: number, n: number): void {
    const s = this.streams.get(id);
    if (!s || this.closed) return;
    s.consumed += n;
    if (s.consumed < STREAM_WINDOW / 2) return;
    this.socket.write(Buffer.concat([frame(WINDOW_UPDATE, 0, id, 4), u32(s.consumed)]));
    s.consumed = 0;
  }

  /** Abandons a stream (RST_STREAM CANCEL); none of its events fire after this. */
  cancel(id: number): void {
    if (!this.streams.delete(id) || this.closed) return;
    this.socket.write(Buffer.concat([frame(RST_STREAM, 0, id, 4), u32(H2Code.CANCEL)]));
    this.closeIfDone();
  }

  private sendData(s: Stream, out: Buffer[]): void {
    while (s.pending && this.sendWindow > 0 && s.sendWindow > 0) {
      const n = Math.min(s.pending.length, this.peerMaxFrame, this.sendWindow, s.sendWindow);
      const chunk = s.pending.subarray(0, n);
      const last = n === s.pending.length;
      out.push(frame(DATA, last ? END_STREAM : 0, s.id, n), chunk);
      this.sendWindow -= n;
      s.sendWindow -= n;
      s.pending = last ? undefined : s.pending.subarray(n);
    }
  }

  /** Sends what waited for window. */
  private pump(): void {
    const out: Buffer[] = [];
    for (const s of this.streams.values()) if (s.pending) this.sendData(s, out);
    if (out.length > 0) this.socket.write(Buffer.concat(out));
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    const buf = this.input ? Buffer.concat([this.input, chunk]) : chunk;
    let pos = 0;
    try {
      while (buf.length - pos >= 9) {
        const length = buf.readUIntBE(pos, 3);
        if (length > MAX_FRAME)
          throw new ConnectionError(H2Code.FRAME_SIZE_ERROR, 'frame larger than allowed');
        if (buf.length - pos < 9 + length) break;
        const type = buf[pos + 3]!;
        const flags = buf[pos + 4]!;
        const id = buf.readUInt32BE(pos + 5) & 0x7fffffff;
        const payload = buf.subarray(pos + 9, pos + 9 + length);
        pos += 9 + length;
        this.frame(type, flags, id, payload);
        if (this.closed) return;
      }
    } catch (err) {
      const code = err instanceof ConnectionError ? err.h2Code : H2Code.COMPRESSION_ERROR;
      this.socket.write(Buffer.concat([frame(GOAWAY, 0, 0, 8), u32(0), u32(code)]));
      this.fail(new Error(`HTTP/2 protocol error: ${(err as Error).message}`), true);
      return;
    }
    this.input = pos < buf.length ? buf.subarray(pos) : undefined;
  }

  private frame(type: number, flags: number, id: number, payload: Buffer): void {
    if (this.block && (type !== CONTINUATION || id !== this.block.id)) {
      throw new ConnectionError(H2Code.PROTOCOL_ERROR, 'header block interrupted');
    }
    switch (type) {
      case DATA: {
        if (id === 0) throw new ConnectionError(H2Code.PROTOCOL_ERROR, 'DATA on stream 0');
        // Padding counts against the window too.
        // The connection's window goes back as data arrives: each stream's own window holds back.
        this.received += payload.length;
        if (this.received >= WINDOW_REFILL) {
          this.socket.write(Buffer.concat([frame(WINDOW_UPDATE, 0, 0, 4), u32(this.received)]));
          this.received = 0;
        }
        const data = unpad(payload, flags, false);
        const s = this.streams.get(id);
        if (!s) return;
        // Padding is nobody's to read: credited at once.
        if (data.length < payload.length) this.consume(id, payload.length - data.length);
        if (data.length > 0) s.events.data(data);
        if (flags & END_STREAM && this.streams.has(id)) this.finish(s);
        return;
      }
      case HEADERS: {
        if (id === 0) throw new ConnectionError(H2Code.PROTOCOL_ERROR, 'HEADERS on stream 0');
        const fragment = unpad(payload, flags, true);
        const endStream = (flags & END_STREAM) !== 0;
        if (flags & END_HEADERS) this.headerBlock(id, fragment, endStream);
        else this.block = { id, endStream, parts: [fragment] };
        return;
      }
      case CONTINUATION: {
        if (!this.block) throw new ConnectionError(H2Code.PROTOCOL_ERROR, 'CONTINUATION without HEADERS');
        this.block.parts.push(payload);
        if (flags & END_HEADERS) {
          const { id: sid, endStream, parts } = this.block;
          this.block = undefined;
          this.headerBlock(sid, Buffer.concat(parts), endStream);
        }
        return;
      }
      case RST_STREAM: {
        if (payload.length !== 4) throw new ConnectionError(H2Code.FRAME_SIZE_ERROR, 'RST_STREAM size');
        const s = this.streams.get(id);
        if (!s) return;
        this.streams.delete(id);
        const code = payload.readUInt32BE(0);
        s.events.error(
          new H2StreamError(`Received RST_STREAM with code ${code}`, code, code === H2Code.REFUSED_STREAM),
        );
        this.closeIfDone();
        return;
      }
      case SETTINGS: {
        if (id !== 0) throw new ConnectionError(H2Code.PROTOCOL_ERROR, 'SETTINGS on a stream');
        if (flags & ACK) return;
        if (payload.length % 6 !== 0) throw new ConnectionError(H2Code.FRAME_SIZE_ERROR, 'SETTINGS size');
        for (let i = 0; i < payload.length; i += 6)
          this.setting(payload.readUInt16BE(i), payload.readUInt32BE(i + 2));
        this.socket.write(frame(SETTINGS, ACK, 0, 0));
        this.pump();
        return;
      }
      case PING: {
        if (payload.length !== 8) throw new ConnectionError(H2Code.FRAME_SIZE_ERROR, 'PING size');
        if (!(flags & ACK)) this.socket.write(Buffer.concat([frame(PING, ACK, 0, 8), payload]));
        return;
      }
      case GOAWAY: {
        if (payload.length < 8) throw new ConnectionError(H2Code.FRAME_SIZE_ERROR, 'GOAWAY size');
        const last = payload.readUInt32BE(0) & 0x7fffffff;
        const code = payload.readUInt32BE(4);
        this.goneAway = true;
        // Streams above `last` were never processed; those at or below it may still complete.
        for (const s of [...this.streams.values()]) {
          if (s.id <= last) continue;
          this.streams.delete(s.id);
          s.events.error(new H2StreamError(`Received GOAWAY with code ${code}`, code, true));
        }
        this.closeIfDone();
        return;
      }
      case WINDOW_UPDATE: {
        if (payload.length !== 4) throw new ConnectionError(H2Code.FRAME_SIZE_ERROR, 'WINDOW_UPDATE size');
        const inc = payload.readUInt32BE(0) & 0x7fffffff;
        if (id === 0) this.sendWindow += inc;
        else {
          const s = this.streams.get(id);
          if (s) s.sendWindow += inc;
        }
        if (this.sendWindow > MAX_WINDOW)
          throw new ConnectionError(H2Code.FLOW_CONTROL_ERROR, 'window overflow');
        this.pump();
        return;
      }
      case PUSH_PROMISE:
        throw new ConnectionError(H2Code.PROTOCOL_ERROR, 'PUSH_PROMISE though push is disabled');
      default:
      // PRIORITY and unknown types: nothing to do (RFC 9113 §4.1, §5.5).
    }
  }

  private setting(id: number, value: number): void {
    switch (id) {
      case SETTINGS_INITIAL_WINDOW_SIZE: {
        if (value > MAX_WINDOW)
          throw new ConnectionError(H2Code.FLOW_CONTROL_ERROR, 'initial window too large');
        const delta = value - this.peerInitialWindow;
        this.peerInitialWindow = value;
        for (const s of this.streams.values()) s.sendWindow += delta;
        return;
      }
      case SETTINGS_MAX_FRAME_SIZE:
        if (value < 16_384 || value > 16_777_215)
          throw new ConnectionError(H2Code.PROTOCOL_ERROR, 'invalid SETTINGS_MAX_FRAME_SIZE');
        this.peerMaxFrame = value;
        return;
      case SETTINGS_HEADER_TABLE_SIZE: // this side's encoder keeps no table (see request())
      default:
    }
  }

  private headerBlock(id: number, block: Buffer, endStream: boolean): void {
    // Decoded even for a stream this side gave up on: the decoder's table follows every block.
    const fields = this.decoder.decode(block);
    const s = this.streams.get(id);
    if (!s) return;
    s.events.headers(fieldsRecord(fields), endStream);
    if (endStream && this.streams.has(id)) this.finish(s);
  }

  private finish(s: Stream): void {
    this.streams.delete(s.id);
    // The answer came before all of the request was sent: the rest is not wanted.
    if (s.pending) this.socket.write(Buffer.concat([frame(RST_STREAM, 0, s.id, 4), u32(H2Code.NO_ERROR)]));
    s.events.end();
    this.closeIfDone();
  }

  /** A connection that takes no new streams is closed once its last one ends. */
  private closeIfDone(): void {
    if (this.goneAway && this.streams.size === 0)
      this.fail(new Error('Connection closed after GOAWAY'), true);
  }

  /** `flush`: what was written still goes out (a GOAWAY, a cancel) before the socket closes. */
  private fail(err: Error, flush = false): void {
    if (this.closed) return;
    this.closed = true;
    // Once flushed, the socket is destroyed rather than left half-closed: a peer need not close
    // its side (Node's HTTP/2 server does not).
    if (flush) this.socket.end(() => this.socket.destroy());
    else this.socket.destroy();
    const open = [...this.streams.values()];
    this.streams.clear();
    for (const s of open) s.events.error(new H2StreamError(err.message, undefined, false));
  }
}
