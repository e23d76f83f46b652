/**
 * Build progress as BuildKit reports it. Every piece of work is a numbered vertex (`#5 [2/4] RUN
 * echo hi`) that logs lines (`#5 0.215 hi` for a step's output, with seconds since it started)
 * and ends `CACHED`, `DONE 0.3s` or `ERROR: …`. The plain printer writes that text as it happens
 * (BuildKit's `--progress=plain`); the terminal view (progress-tty-view.tsx) redraws the same
 * events with ink. Events are also kept so a failure can quote the failing step's last lines.
 */

export type VertexStatus = 'running' | 'cached' | 'done' | 'error';

export interface VertexState {
  id: number;
  name: string;
  status: VertexStatus;
  started: number;
  ended?: number;
  /** Output and log lines, newest last (bounded). */
  lines: string[];
  error?: string;
}

export interface ProgressSink {
  /** A vertex started or changed (its lines, its status). */
  update(v: VertexState, newLine?: string): void;
  /** Build-level messages (warnings) outside any vertex. */
  message(text: string): void;
  close(): Promise<void>;
}

const KEEP_LINES = 200;

export class Vertex {
  private partial: Record<1 | 2, string> = { 1: '', 2: '' };
  constructor(
    readonly state: VertexState,
    private readonly sink: ProgressSink,
  ) {}

  /** A log line of the vertex's own (`transferring context: 2B done`). */
  log(line: string): void {
    this.push(line);
  }

  /** A step's output, cut into lines, each prefixed with its time since the step started. */
  output(stream: 1 | 2, data: Buffer): void {
    const text = this.partial[stream] + data.toString('utf8');
    const lines = text.split('\n');
    this.partial[stream] = lines.pop() ?? '';
    for (const l of lines) this.push(`${this.elapsed()} ${l}`);
  }

  private flushOutput(): void {
    for (const s of [1, 2] as const) {
      if (this.partial[s] !== '') this.push(`${this.elapsed()} ${this.partial[s]}`);
      this.partial[s] = '';
    }
  }

  private elapsed(): string {
    return ((Date.now() - this.state.started) / 1000).toFixed(3);
  }

  private push(line: string): void {
    this.state.lines.push(line);
    if (this.state.lines.length > KEEP_LINES) this.state.lines.shift();
    this.sink.update(this.state, line);
  }

  cached(): void {
    this.flushOutput();
    this.state.status = 'cached';
    this.state.ended = Date.now();
    this.sink.update(this.state);
  }

  done(): void {
    this.flushOutput();
    this.state.status = 'done';
    this.state.ended = Date.now();
    this.sink.update(this.state);
  }

  fail(message: string): void {
    this.flushOutput();
    this.state.status = 'error';
    this.state.error = message;
    this.state.ended = Date.now();
    this.sink.update(this.state);
  }
}

export class Progress {
  private next = 1;
  readonly vertices: VertexState[] = [];
  constructor(readonly sink: ProgressSink) {}

  vertex(name: string): Vertex {
    const state: VertexState = { id: this.next++, name, status: 'running', started: Date.now(), lines: [] };
    this.vertices.push(state);
    const v = new Vertex(state, this.sink);
    this.sink.update(state);
    return v;
  }

  message(text: string): void {
    this.sink.message(text);
  }
}

function seconds(v: VertexState): string {
  return (((v.ended ?? Date.now()) - v.started) / 1000).toFixed(1);
}

/** BuildKit's plain output: each vertex's lines as they come, a blank line between vertices. */
export class PlainSink implements ProgressSink {
  private lastId = 0;
  constructor(private readonly out: NodeJS.WritableStream) {}

  private header(v: VertexState): void {
    if (this.lastId === v.id) return;
    this.lastId = v.id;
  }

  update(v: VertexState, newLine?: string): void {
    if (newLine !== undefined) {
      this.header(v);
      this.out.write(`#${v.id} ${newLine}\n`);
      return;
    }
    switch (v.status) {
      case 'running':
        this.out.write(`${v.id > 1 ? '\n' : ''}#${v.id} ${v.name}\n`);
        this.lastId = v.id;
        break;
      case 'cached':
        this.out.write(`#${v.id} CACHED\n`);
        break;
      case 'done':
        this.out.write(`#${v.id} DONE ${seconds(v)}s\n`);
        break;
      case 'error':
        this.out.write(`#${v.id} ERROR: ${v.error}\n`);
        break;
    }
  }

  message(text: string): void {
    this.out.write(`${text}\n`);
  }

  async close(): Promise<void> {
    /* nothing buffered */
  }
}

/** `-q` and `--progress=quiet`: nothing but the result. */
export class QuietSink implements ProgressSink {
  update(): void {}
  message(): void {}
  async close(): Promise<void> {}
}
