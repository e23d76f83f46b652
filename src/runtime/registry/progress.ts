/**
 * Where pull/push progress goes: on a terminal a live view (progress-view.tsx, drawn by ink, with a
 * spinner beside the layers still moving); elsewhere only the lines without a progress bar, one per
 * event, exactly as `docker pull | cat` shows them; with `-q` nothing.
 */
import { importEsm } from '../../esm-import.js';
import { progressBar, type Bytes, type ProgressSink } from './jsonmessage.js';

/** Non-terminal output: progress-bar updates are dropped, everything else is one line. */
export class PlainProgress implements ProgressSink {
  constructor(private readonly out: NodeJS.WritableStream) {}
  status(text: string): void {
    this.out.write(`${text}\n`);
  }
  layer(id: string, status: string, bytes?: Bytes): void {
    if (bytes && progressBar(bytes, 0) !== '') return;
    this.out.write(`${id}: ${status}\n`);
  }
  async close(): Promise<void> {}
}

export class QuietProgress implements ProgressSink {
  status(): void {}
  layer(): void {}
  async close(): Promise<void> {}
}

/** A progress sink for `out`: ink on a terminal, plain lines otherwise, nothing with -q. */
export async function progressFor(out: NodeJS.WritableStream, quiet: boolean): Promise<ProgressSink> {
  if (quiet) return new QuietProgress();
  const tty = (out as NodeJS.WriteStream).isTTY === true;
  if (!tty) return new PlainProgress(out);
  // An ES module of its own (ink is ESM-only), loaded next to this file or the bundle.
  const { liveProgress } = await importEsm<typeof import('./progress-view.js')>(
    new URL('./progress-view.js', import.meta.url).href,
  );
  return liveProgress(out as NodeJS.WriteStream);
}
