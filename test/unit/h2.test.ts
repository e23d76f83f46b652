/**
 * tsdock's HTTP/2 client (containerd/h2.ts, through transport.ts) against Node's own HTTP/2 server
 * (nghttp2) on a unix socket: flow control both ways, padding, CONTINUATION, resets, GOAWAY, PING,
 * SETTINGS changes, deadlines and cancellation, server streams and their back-pressure.
 * containerd's Go server is the integration suite's.
 */
import { expect } from 'chai';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STREAM_WINDOW } from '../../src/runtime/containerd/h2.js';
import { Status, Transport, type CallError } from '../../src/runtime/containerd/transport.js';

type Handler = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, body: Buffer) => void;

function grpcFrame(msg: Buffer): Buffer {
  const f = Buffer.alloc(5 + msg.length);
  f.writeUInt32BE(msg.length, 1);
  msg.copy(f, 5);
  return f;
}

function reply(stream: http2.ServerHttp2Stream, msg: Buffer, trailers: http2.OutgoingHttpHeaders = {}): void {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', ...trailers }));
  stream.end(grpcFrame(msg));
}

describe('h2: gRPC calls over tsdock’s HTTP/2 client', function () {
  let dir: string;
  let sock: string;
  let server: http2.Http2Server;
  let handler: Handler;
  const sessions = new Set<http2.ServerHttp2Session>();

  let transport: Transport;

  async function listen(options: http2.ServerOptions = {}): Promise<void> {
    server = http2.createServer(options);
    server.on('session', (s) => {
      sessions.add(s);
      s.on('close', () => sessions.delete(s));
    });
    server.on('stream', (stream, headers) => {
      const parts: Buffer[] = [];
      stream.on('data', (d: Buffer) => parts.push(d));
      stream.on('end', () => handler(stream, headers, Buffer.concat(parts)));
      stream.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(sock, resolve));
  }

  const call = (body: Buffer, opts: Partial<Parameters<Transport['call']>[2]> = {}) =>
    transport.call('/test.Echo/Call', body, {
      metadata: { 'containerd-namespace': 'ns1' },
      timeoutMs: 5000,
      maxReceiveBytes: 64 << 20,
      ...opts,
    });

  const failure = async (p: Promise<unknown>): Promise<CallError> => {
    try {
      await p;
    } catch (err) {
      return err as CallError;
    }
    throw new Error('the call succeeded');
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsdock-h2-'));
    sock = join(dir, 's.sock');
    handler = (stream, _h, body) => reply(stream, body.subarray(5));
    await listen();
    transport = new Transport(sock);
  });

  afterEach(async () => {
    transport.close();
    for (const s of sessions) s.destroy();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends gRPC’s request headers and metadata, and returns the answer', async () => {
    let seen: http2.IncomingHttpHeaders = {};
    handler = (stream, h, body) => {
      seen = h;
      reply(stream, Buffer.concat([Buffer.from('re:'), body.subarray(5)]));
    };
    expect((await call(Buffer.from('hello'))).toString()).to.equal('re:hello');
    expect(seen).to.include({
      ':method': 'POST',
      ':scheme': 'http',
      ':path': '/test.Echo/Call',
      'content-type': 'application/grpc',
      te: 'trailers',
      'grpc-timeout': '5000m',
      'containerd-namespace': 'ns1',
    });
  });

  it('sends a body larger than the peer’s windows, waiting for its WINDOW_UPDATEs', async () => {
    const big = Buffer.alloc(300_000, 'x');
    big.write('start', 0);
    big.write('end', big.length - 3);
    expect((await call(big)).equals(big)).to.equal(true);
  });

  it('follows a peer that shrinks the initial window mid-connection', async () => {
    await call(Buffer.from('warm'));
    for (const s of sessions) s.settings({ initialWindowSize: 1000 });
    await new Promise((r) => setTimeout(r, 20));
    const body = Buffer.alloc(50_000, 'y');
    expect((await call(body)).equals(body)).to.equal(true);
  });

  it('receives large and padded answers, and many calls at once on one connection', async () => {
    server.close();
    for (const s of sessions) s.destroy();
    await listen({ paddingStrategy: http2.constants.PADDING_STRATEGY_MAX });
    transport.close();
    transport = new Transport(sock);
    handler = (stream, h, body) =>
      reply(stream, Buffer.alloc(Number(body.subarray(5).toString()), 'z'), { 'x-call': String(h['x-n']) });
    const big = await call(Buffer.from('1000000'));
    expect(big.length).to.equal(1_000_000);
    const sizes = Array.from({ length: 40 }, (_, i) => 1 + i * 997);
    const answers = await Promise.all(sizes.map((n) => call(Buffer.from(String(n)))));
    expect(answers.map((a) => a.length)).to.deep.equal(sizes);
  });

  it('reads header blocks continued in CONTINUATION frames', async () => {
    const long = 'm'.repeat(40_000);
    handler = (stream) => {
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '9', 'grpc-message': long },
        { endStream: true },
      );
    };
    const err = await failure(call(Buffer.from('x')));
    expect(err.code).to.equal(Status.FAILED_PRECONDITION);
    expect(err.details).to.equal(long);
  });

  it('turns a trailers-only answer into its status and percent-decoded message', async () => {
    handler = (stream) =>
      stream.respond(
        {
          ':status': 200,
          'content-type': 'application/grpc',
          'grpc-status': '5',
          'grpc-message': 'container%20%22abc%22%20not%20found',
        },
        { endStream: true },
      );
    const err = await failure(call(Buffer.from('x')));
    expect(err.code).to.equal(Status.NOT_FOUND);
    expect(err.details).to.equal('container "abc" not found');
  });

  it('maps a reset stream as grpc-js does: refused is UNAVAILABLE, others INTERNAL', async () => {
    handler = (stream) => stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
    expect((await failure(call(Buffer.from('x')))).code).to.equal(Status.UNAVAILABLE);
    handler = (stream) => stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    const err = await failure(call(Buffer.from('x')));
    expect(err.code).to.equal(Status.INTERNAL);
    expect(err.details).to.match(/RST_STREAM with code 2/);
  });

  it('gives up at the deadline and cancels the stream on the server', async () => {
    const reset = new Promise<number>((resolve) => {
      handler = (stream) => stream.on('close', () => resolve(stream.rstCode));
    });
    const err = await failure(call(Buffer.from('x'), { timeoutMs: 100 }));
    expect(err.code).to.equal(Status.DEADLINE_EXCEEDED);
    expect(await reset).to.equal(http2.constants.NGHTTP2_CANCEL);
  });

  it('cancels on an abort signal', async () => {
    handler = () => undefined;
    const ac = new AbortController();
    const p = call(Buffer.from('x'), { signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    expect((await failure(p)).code).to.equal(Status.CANCELLED);
  });

  it('answers the server’s PING', async () => {
    await call(Buffer.from('warm'));
    const [session] = [...sessions];
    const rtt = await new Promise<number>((resolve, reject) =>
      session!.ping((err, ms) => (err ? reject(err) : resolve(ms))),
    );
    expect(rtt).to.be.a('number');
  });

  it('after a GOAWAY, finishes what the server took and opens a new connection for the next call', async () => {
    // Through a pass-through proxy, which sees the client's side of each connection close (Node's
    // server session does not notice a client that leaves).
    const clientClosed: boolean[] = [];
    const proxy = net.createServer((c) => {
      const i = clientClosed.push(false) - 1;
      const up = net.connect(sock);
      c.pipe(up).pipe(c);
      c.on('close', () => {
        clientClosed[i] = true;
        up.destroy();
      });
      up.on('error', () => c.destroy());
    });
    const proxySock = join(dir, 'proxy.sock');
    await new Promise<void>((resolve) => proxy.listen(proxySock, resolve));
    transport.close();
    transport = new Transport(proxySock);
    let release: (() => void) | undefined;
    handler = (stream, _h, body) => {
      release = () => reply(stream, body.subarray(5));
    };
    const pending = call(Buffer.from('in flight'));
    await new Promise((r) => setTimeout(r, 30));
    const [first] = [...sessions];
    first!.goaway(http2.constants.NGHTTP2_NO_ERROR);
    await new Promise((r) => setTimeout(r, 30));
    release!();
    expect((await pending).toString()).to.equal('in flight');
    handler = (stream, _h, body) => reply(stream, body.subarray(5));
    expect((await call(Buffer.from('after'))).toString()).to.equal('after');
    // A second connection for the new call; the first closed once its last stream ended.
    for (let i = 0; i < 100 && !clientClosed[0]; i++) await new Promise((r) => setTimeout(r, 10));
    expect(clientClosed).to.deep.equal([true, false]);
    transport.close();
    await new Promise((resolve) => proxy.close(resolve));
  });

  it('fails calls with UNAVAILABLE when the connection drops, then reconnects', async () => {
    handler = () => {
      for (const s of sessions) s.destroy();
    };
    const err = await failure(call(Buffer.from('x')));
    expect(err.code).to.equal(Status.UNAVAILABLE);
    handler = (stream, _h, body) => reply(stream, body.subarray(5));
    expect((await call(Buffer.from('again'))).toString()).to.equal('again');
  });

  it('names the socket error when nothing listens', async () => {
    const t = new Transport(join(dir, 'nothing.sock'));
    const err = await failure(
      t.call('/x/Y', Buffer.alloc(0), { metadata: {}, timeoutMs: 1000, maxReceiveBytes: 1 << 20 }),
    );
    t.close();
    expect(err.code).to.equal(Status.UNAVAILABLE);
    expect(err.details).to.match(/connect ENOENT/);
  });

  it('refuses an answer above the receive limit', async () => {
    handler = (stream) => reply(stream, Buffer.alloc(10_000));
    const err = await failure(call(Buffer.from('x'), { maxReceiveBytes: 1000 }));
    expect(err.code).to.equal(Status.RESOURCE_EXHAUSTED);
  });

  const stream = (body: Buffer, opts: Partial<Parameters<Transport['call']>[2]> = {}) =>
    transport.serverStream('/test.Echo/Stream', body, {
      metadata: {},
      timeoutMs: 0,
      maxReceiveBytes: 64 << 20,
      ...opts,
    });

  /** Writes the messages one by one, each after the last was taken by the stream (its 'drain'). */
  async function writeAll(s: http2.ServerHttp2Stream, messages: Buffer[]): Promise<void> {
    for (const m of messages) {
      if (s.destroyed) return;
      if (!s.write(grpcFrame(m))) await new Promise((r) => s.once('drain', r));
    }
  }

  it('streams messages, whole across frames and several in one frame, up to the status', async () => {
    const sizes = [0, 1, 5, 100, 20_000, 3 << 20, 6 << 20, 7, 7, 7];
    handler = (s) => {
      s.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      s.on('wantTrailers', () => s.sendTrailers({ 'grpc-status': '0' }));
      // The three small ones in one write, so in one DATA frame.
      const frames = sizes.slice(0, 7).map((n, i) => grpcFrame(Buffer.alloc(n, i)));
      void writeAll(
        s,
        frames.map((f) => f.subarray(5)),
      ).then(() => s.end(Buffer.concat(sizes.slice(7).map((n, i) => grpcFrame(Buffer.alloc(n, 7 + i))))));
    };
    const got: Buffer[] = [];
    for await (const m of stream(Buffer.from('go'))) got.push(m);
    expect(got.map((m) => m.length)).to.deep.equal(sizes);
    got.forEach((m, i) => expect(m.every((b) => b === i)).to.equal(true));
  });

  it('holds the server back while the reader does not read (the stream window), then delivers all', async () => {
    const count = 200; // 20 MB
    let written = 0;
    handler = (s) => {
      s.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      s.on('wantTrailers', () => s.sendTrailers({ 'grpc-status': '0' }));
      void (async () => {
        for (let i = 0; i < count; i++) {
          if (!s.write(grpcFrame(Buffer.alloc(100_000, i % 256))))
            await new Promise((r) => s.once('drain', r));
          written++;
        }
        s.end();
      })();
    };
    const it = stream(Buffer.from('go'))[Symbol.asyncIterator]();
    expect((await it.next()).value).to.have.length(100_000);
    await new Promise((r) => setTimeout(r, 300));
    // The reader took one message: the server got no further than the window and the reader's
    // allowance (STREAM_WINDOW + 1 MB), plus what its own buffers hold.
    expect(written * 100_000).to.be.below(STREAM_WINDOW + (3 << 20));
    let n = 1;
    for (let r = await it.next(); !r.done; r = await it.next()) {
      expect(r.value[0]).to.equal(n % 256);
      n++;
    }
    expect(n).to.equal(count);
  });

  it('a reader that stops early cancels the stream', async () => {
    const reset = new Promise<number>((resolve) => {
      handler = (s) => {
        s.on('close', () => resolve(s.rstCode));
        s.respond({ ':status': 200, 'content-type': 'application/grpc' });
        void writeAll(
          s,
          Array.from({ length: 1000 }, () => Buffer.alloc(10_000)),
        );
      };
    });
    for await (const m of stream(Buffer.from('go'))) {
      expect(m).to.have.length(10_000);
      break;
    }
    expect(await reset).to.equal(http2.constants.NGHTTP2_CANCEL);
  });

  it('ends a stream with its error status after the messages before it', async () => {
    handler = (s) => {
      s.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      s.on('wantTrailers', () => s.sendTrailers({ 'grpc-status': '5', 'grpc-message': 'gone' }));
      s.end(Buffer.concat([grpcFrame(Buffer.from('a')), grpcFrame(Buffer.from('b'))]));
    };
    const got: string[] = [];
    const err = await failure(
      (async () => {
        for await (const m of stream(Buffer.from('go'))) got.push(m.toString());
      })(),
    );
    expect(got).to.deep.equal(['a', 'b']);
    expect(err.code).to.equal(Status.NOT_FOUND);
    expect(err.details).to.equal('gone');
  });

  it('stops a stream on its abort signal', async () => {
    handler = (s) => {
      s.respond({ ':status': 200, 'content-type': 'application/grpc' });
      s.write(grpcFrame(Buffer.from('first')));
    };
    const ac = new AbortController();
    const got: string[] = [];
    const err = await failure(
      (async () => {
        for await (const m of stream(Buffer.from('go'), { signal: ac.signal })) {
          got.push(m.toString());
          setTimeout(() => ac.abort(), 20);
        }
      })(),
    );
    expect(got).to.deep.equal(['first']);
    expect(err.code).to.equal(Status.CANCELLED);
  });
});
