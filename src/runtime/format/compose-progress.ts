/**
 * docker compose's progress display for the resources an operation touches (`Network p_default
 * Created`, `Container p-web-1 Started`). On a terminal: the live `[+] Running 3/3` view, drawn
 * with ink (compose-progress-view.tsx), each resource on one line with its spinner or mark and
 * its time; elsewhere one plain line per event, as compose's plain writer prints them; nothing
 * with `--progress quiet`. Written to stderr, so stdout keeps what the command outputs.
 */
import { importEsm } from '../../esm-import.js';
import { ComposeScreen, type ComposeProgress, type ProgressEvent } from './compose-screen.js';

export type { ComposeProgress, EventStatus, ProgressEvent } from './compose-screen.js';
export { ComposeScreen } from './compose-screen.js';

/** How compose commands draw: `--ansi` and `--progress` (or COMPOSE_ANSI, COMPOSE_PROGRESS). */
export interface UiOptions {
  /** Colours and cursor movement: default when stdout is a terminal. */
  ansi: 'never' | 'always' | 'auto';
  /** tty (live view), plain (lines), quiet, or auto (tty on a terminal). */
  progress: 'auto' | 'tty' | 'plain' | 'quiet';
}

/** compose's plain writer: fmt.Fprintln(out, "", id, text, details). */
export class PlainComposeProgress implements ComposeProgress {
  constructor(private readonly out: NodeJS.WritableStream) {}
  on(e: ProgressEvent): void {
    this.out.write(` ${e.id} ${e.text} ${e.details ?? ''}\n`);
  }
  async close(): Promise<void> {}
}

export class QuietComposeProgress implements ComposeProgress {
  on(): void {}
  async close(): Promise<void> {}
}

/** The display for `out` (stderr): live on a terminal unless --progress says otherwise. */
export async function composeProgress(
  out: NodeJS.WritableStream,
  mode: 'auto' | 'tty' | 'plain' | 'quiet',
  title: string,
): Promise<ComposeProgress> {
  if (mode === 'quiet') return new QuietComposeProgress();
  const tty = (out as NodeJS.WriteStream).isTTY === true;
  if (mode === 'plain' || (mode === 'auto' && !tty)) return new PlainComposeProgress(out);
  // An ES module of its own (ink is ESM-only), loaded next to this file or the bundle.
  const { liveComposeProgress } = await importEsm<typeof import('./compose-progress-view.js')>(
    new URL('./compose-progress-view.js', import.meta.url).href,
  );
  return liveComposeProgress(out as NodeJS.WriteStream, new ComposeScreen(title));
}
