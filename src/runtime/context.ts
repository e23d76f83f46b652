/**
 * What every runtime function gets: the global options and a lazily opened containerd client.
 * The client module (HTTP/2 transport, protobuf code) is imported on first use only, so commands that
 * never talk to containerd (`--help`, `version` client part, pure parsing errors) stay fast.
 */
import type { ContainerdClient } from './containerd/client.js';
import { writeSync } from 'node:fs';
import { loadConfig, type TsdockConfig } from './config.js';
import { checkSocket } from './containerd/socket.js';

export interface GlobalOptions {
  /** containerd socket path (`--address`, CONTAINERD_ADDRESS). */
  address: string;
  /** containerd namespace (`--namespace`, CONTAINERD_NAMESPACE). */
  namespace: string;
  /** tsdock's own state: names, logs, per-container files (`--data-root`). */
  dataRoot: string;
  debug: boolean;
}

export function defaultGlobals(env: NodeJS.ProcessEnv = process.env): GlobalOptions {
  return {
    address: env.CONTAINERD_ADDRESS || '/run/containerd/containerd.sock',
    namespace: env.CONTAINERD_NAMESPACE || 'default',
    dataRoot: env.TSDOCK_DATA_ROOT || '/var/lib/tsdock',
    debug: env.TSDOCK_DEBUG === '1',
  };
}

export interface Stdio {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * The process's own streams, each made on first use: Node builds process.stdin (a ReadStream and the
 * stream machinery behind it) when it is first touched, a few ms that `ps` and most commands never need.
 */
function processStdio(): Stdio {
  return {
    get stdin() {
      return process.stdin;
    },
    get stdout() {
      return process.stdout;
    },
    get stderr() {
      return process.stderr;
    },
  };
}

export class RuntimeContext {
  private clientPromise?: Promise<ContainerdClient>;
  private configCache?: TsdockConfig;
  readonly stdio: Stdio;
  /** stdio is the process's own (not a test's or a caller's streams). */
  private readonly ownStdio: boolean;
  constructor(
    readonly globals: GlobalOptions,
    stdio?: Stdio,
  ) {
    this.stdio = stdio ?? processStdio();
    this.ownStdio = stdio === undefined;
  }

  /**
   * A command's output, written at once. With the process's own stdout it goes straight to fd 1:
   * process.stdout is a stream that Node builds on first use (the net or tty module and the stream
   * machinery, ~3 ms), which a command printing one block of text does not need. Writes to a pipe,
   * file or terminal are synchronous on Linux either way, so the order with other writes is kept.
   */
  print(text: string): void {
    if (!this.ownStdio) {
      this.stdio.stdout.write(text);
      return;
    }
    const buf = Buffer.from(text);
    for (let off = 0; off < buf.length;) {
      try {
        off += writeSync(1, buf, off);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // A reader that went away (`tsdock ps | head -1`): the rest has nowhere to go.
        if (code === 'EPIPE') return;
        // A non-blocking stdout inherited from the parent: the stream knows how to wait.
        if (code === 'EAGAIN') {
          process.stdout.write(buf.subarray(off));
          return;
        }
        throw err;
      }
    }
  }

  /**
   * Says plainly when containerd's socket is missing or not this user's to use, before a command
   * reads anything (a list would otherwise come out empty). Once per context.
   */
  checkContainerd(): void {
    if (this.checked) return;
    checkSocket(this.globals.address);
    this.checked = true;
  }
  private checked = false;

  /**
   * The same context (containerd connection, configuration) writing to other streams: for a verb
   * called by another (compose calling `create`, `network rm` …) whose own output is not wanted.
   */
  withStdio(stdio: Partial<Stdio>): RuntimeContext {
    const parent = this.stdio;
    const child = new RuntimeContext(this.globals, {
      get stdin() {
        return stdio.stdin ?? parent.stdin;
      },
      get stdout() {
        return stdio.stdout ?? parent.stdout;
      },
      get stderr() {
        return stdio.stderr ?? parent.stderr;
      },
    });
    child.clientPromise = this.client();
    child.configCache = this.configCache;
    child.checked = this.checked;
    return child;
  }

  client(): Promise<ContainerdClient> {
    this.clientPromise ??= import('./containerd/client.js').then(
      (m) => new m.ContainerdClient(this.globals.address, this.globals.namespace),
    );
    return this.clientPromise;
  }

  /** tsdock's configuration file (see config.ts), read once per command. */
  get config(): TsdockConfig {
    this.configCache ??= loadConfig();
    return this.configCache;
  }

  /** The data root for the current namespace: state of one namespace never mixes with another's. */
  get stateDir(): string {
    return `${this.globals.dataRoot}/${this.globals.namespace}`;
  }

  close(): void {
    void this.clientPromise?.then((c) => c.close()).catch(() => undefined);
  }
}
