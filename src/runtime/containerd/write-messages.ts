/**
 * The WRITE messages of containerd's Content.Write, encoded as the source's bytes arrive: each
 * `chunk` bytes are copied once, into the buffer that is sent as the protobuf message, behind room
 * for the other fields (encoded as usual, then `data` appended — field order is free in protobuf).
 * Coalescing first and encoding the result would copy every byte twice more.
 */
import { Readable } from 'node:stream';

export interface WriteMessage {
  /** The encoded WriteContentRequest. */
  message: Buffer;
  /** The buffer under `message`, for `free` once containerd has answered. */
  buffer: Buffer;
  length: number;
}

export interface WriteMessagesOptions {
  /** Encodes the request's fields other than `data`, for the blob offset the message starts at. */
  fields: (offset: number) => Buffer;
  /** Blob offset of the source's first byte. */
  offset: number;
  /** Source bytes the ingest holds already: not sent. */
  skip: number;
  /** Bytes per message. */
  chunk: number;
  /** Where the source must end (the blob's size); 0 when unknown. */
  end: number;
  /**
   * Buffers of messages containerd has answered, to take the next bytes: V8 runs a full garbage
   * collection for every few dozen MB of buffers allocated, whatever the size of the heap.
   */
  free: Buffer[];
  /** Called with each source chunk's size (download progress). */
  onBytes?: (n: number) => void;
}

function putVarint(buf: Buffer, at: number, v: number): void {
  while (v >= 0x80) {
    buf[at++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  buf[at] = v;
}

const varintLength = (v: number): number => (v < 0x80 ? 1 : 1 + varintLength(Math.floor(v / 0x80)));

/** WriteContentRequest's `data`: field 6, length-delimited. */
const DATA_TAG = (6 << 3) | 2;

function prematureClose(at: number, end: number): Error {
  return Object.assign(new Error(`premature close: the source ended at byte ${at} of ${end}`), {
    code: 'ERR_STREAM_PREMATURE_CLOSE',
  });
}

/**
 * The messages for `source`. When the source fails or ends before `end`, the bytes it did give
 * are sent first and the failure after them (a resumed download continues from there).
 */
export async function* writeMessages(
  source: Buffer | AsyncIterable<Buffer>,
  o: WriteMessagesOptions,
): AsyncGenerator<WriteMessage> {
  const { chunk, fields, free, onBytes } = o;
  let { offset, skip } = o;
  const room = fields(Number.MAX_SAFE_INTEGER).length + 1 + varintLength(chunk);
  const ready: WriteMessage[] = [];
  let buf: Buffer | undefined;
  let n = 0;
  const finish = (b: Buffer) => {
    const head = fields(offset);
    const start = room - varintLength(n) - 1 - head.length;
    head.copy(b, start);
    b[start + head.length] = DATA_TAG;
    putVarint(b, start + head.length + 1, n);
    ready.push({ message: b.subarray(start, room + n), buffer: b, length: n });
    offset += n;
    buf = undefined;
    n = 0;
  };
  const take = (c: Buffer) => {
    onBytes?.(c.length);
    let i = Math.min(skip, c.length);
    skip -= i;
    offset += i;
    while (i < c.length) {
      buf ??= free.pop() ?? Buffer.allocUnsafe(room + chunk);
      const k = Math.min(chunk - n, c.length - i);
      c.copy(buf, room + n, i, i + k);
      n += k;
      i += k;
      if (n === chunk) finish(buf);
    }
  };
  let failure: unknown;
  try {
    if (source instanceof Readable) yield* fromReadable(source, take, ready);
    else {
      for await (const c of Buffer.isBuffer(source) ? [source] : source) {
        take(c);
        while (ready.length) yield ready.shift()!;
      }
    }
  } catch (err) {
    failure = err;
  }
  if (buf && n) finish(buf);
  while (ready.length) yield ready.shift()!;
  if (failure === undefined && o.end > 0 && offset < o.end) failure = prematureClose(offset, o.end);
  if (failure !== undefined) throw failure;
}

/**
 * A Readable through its 'data' events rather than its async iterator, paused while finished
 * messages wait: the iterator costs a promise per 64 KiB socket read, CPU taken from containerd on
 * a small machine, and a busier event loop answers containerd's HTTP/2 flow control later.
 */
async function* fromReadable(
  r: Readable,
  take: (c: Buffer) => void,
  ready: WriteMessage[],
): AsyncGenerator<WriteMessage> {
  let done = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const onData = (c: Buffer) => {
    take(c);
    if (ready.length) {
      r.pause();
      wake?.();
    }
  };
  const onEnd = () => {
    done = true;
    wake?.();
  };
  const onError = (err: unknown) => {
    failure ??= err;
    done = true;
    wake?.();
  };
  const onClose = () => {
    if (!r.readableEnded)
      failure ??= Object.assign(new Error('premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
    onEnd();
  };
  r.on('data', onData);
  r.on('end', onEnd);
  r.on('error', onError);
  r.on('close', onClose);
  try {
    for (;;) {
      while (ready.length) yield ready.shift()!;
      if (done) break;
      const woken = new Promise<void>((resolve) => (wake = resolve));
      r.resume();
      await woken;
      wake = undefined;
    }
    if (failure !== undefined) throw failure;
  } finally {
    r.off('data', onData);
    r.off('end', onEnd);
    r.off('error', onError);
    r.off('close', onClose);
    // The write stopped early (containerd refused it): the connection is not read any further.
    if (!done) r.destroy();
  }
}
