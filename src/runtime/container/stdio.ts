/**
 * Byte plumbing between this client and a container's process: FIFOs the shim writes to, the
 * monitor's attach socket (Docker's stdcopy framing), and the stdin FIFO.
 */
import { childProcess } from '../builtins.js';
import { closeSync, constants, existsSync, openSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { Writable } from 'node:stream';
import { connect, Socket } from 'node:net';
import { promisify } from 'node:util';
import { SystemError } from '../errors.js';

export async function makeFifos(paths: string[]): Promise<void> {
  if (paths.length === 0) return;
  // Node has no mkfifo(3); coreutils' is everywhere containerd is.
  try {
    await promisify(childProcess().execFile)('mkfifo', ['-m', '0600', ...paths]);
  } catch (err) {
    throw new SystemError(`mkfifo: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`);
  }
}

/**
 * A FIFO's read end as a stream. Opened non-blocking, so it does not wait for the shim; libuv then
 * polls it like a pipe: no data until a writer comes, EOF once the last writer has gone.
 */
function openFifoReader(path: string): Socket {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  return new Socket({ fd, readable: true, writable: false });
}

/**
 * The read ends of a process's output FIFOs, each with a write end of this process's own held
 * open until the shim has opened its one. Without it, a read end that reads EOF before the shim's
 * writer has come is closed by the socket, and containerd 1.6's shim, whose open for writing
 * blocks until there is a reader, then waits for its 30 s timeout ("failed to start io pipe copy:
 * … opening w/o fifo"), the task or exec showing UNKNOWN to everyone meanwhile — an exec or an exit
 * hook then takes the container for not running.
 *
 * The price of the held end is that no EOF comes while it is held, so its lifetime is bound to
 * the one call after which the shim has its write ends open (or never will): `opening()` lets go
 * however that call ends. `close()` (every path out) destroys the streams and lets go too.
 */
export class OutputFifos {
  readonly streams: Socket[] = [];
  private held: number[] = [];

  constructor(paths: string[]) {
    try {
      for (const path of paths) {
        this.streams.push(openFifoReader(path));
        // Non-blocking is safe: our read end is open, so the open cannot fail with ENXIO or wait.
        this.held.push(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
      }
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /**
   * Runs the call during which the shim opens its write ends: an exec's start, a task's create.
   * Once it has returned or failed, EOF on a stream means the process's output has ended.
   */
  async opening<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } finally {
      this.release();
    }
  }

  /** Destroys the streams and lets go of the held write ends; safe to call more than once. */
  close(): void {
    this.release();
    for (const s of this.streams) s.destroy();
  }

  private release(): void {
    for (const fd of this.held.splice(0)) closeSync(fd);
  }
}

/**
 * The write end; the shim holds the read end from the moment the process is created. Opened
 * non-blocking: once the process has closed its stdin (`ping`, `exec 0<&-`), the shim has closed
 * the read end too, and a blocking open would wait in libuv's thread pool forever — where even
 * process.exit() waits for it. No reader then means nobody wants the input: it is dropped.
 */
export function openFifoWriter(path: string): Writable {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch {
    return new Writable({ write: (_chunk, _enc, done) => done() });
  }
  const w = new Socket({ fd, readable: false, writable: true });
  w.on('error', () => undefined);
  return w;
}

/**
 * Connects to a monitor's attach socket. A path is a filesystem socket, reached through
 * /proc/self/fd/N of its directory, so its length is not bound by sun_path's 108 bytes (the
 * monitor binds it the same way); a name without a `/` in front is the abstract socket of a
 * container started by an older tsdock.
 */
export async function connectAttach(socket: string): Promise<Socket> {
  let dirFd: number | undefined;
  let path = `\0${socket}`;
  if (socket.startsWith('/')) {
    dirFd = openSync(dirname(socket), constants.O_RDONLY | constants.O_DIRECTORY);
    path = `/proc/self/fd/${dirFd}/${basename(socket)}`;
  }
  const closeDir = () => {
    if (dirFd !== undefined) closeSync(dirFd);
    dirFd = undefined;
  };
  const once = () =>
    new Promise<Socket>((resolve, reject) => {
      const s = connect({ path });
      s.once('connect', () => {
        s.off('error', reject);
        resolve(s);
      });
      s.once('error', reject);
    });
  try {
    // EAGAIN: the monitor's listen backlog is full because it has not had the CPU to accept yet
    // (many clients at once on a busy machine); it is a moment's wait, not a failure.
    const giveUp = Date.now() + 5000;
    for (let wait = 5; ; wait = Math.min(wait * 2, 200)) {
      try {
        return await once();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN' || Date.now() > giveUp) throw err;
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  } finally {
    closeDir();
  }
}

/** EOF on an attach socket before the run's exit marker exists: the monitor dropped this client. */
export function droppedByMonitor(exitMarker: string | undefined): boolean {
  return exitMarker !== undefined && !existsSync(exitMarker);
}

/** Splits Docker's stdcopy frames (stream byte, 3 zero bytes, 32-bit big-endian length, payload). */
export class FrameDecoder {
  private pending = Buffer.alloc(0);
  constructor(private readonly sink: (stream: 1 | 2, data: Buffer) => void) {}

  push(chunk: Buffer): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buf.length >= 8) {
      const len = buf.readUInt32BE(4);
      if (buf.length < 8 + len) break;
      this.sink(buf[0] === 2 ? 2 : 1, buf.subarray(8, 8 + len));
      buf = buf.subarray(8 + len);
    }
    this.pending = Buffer.from(buf);
  }
}
