/**
 * The live `stats` table on a terminal, drawn by ink: it rewrites only the lines that changed, so
 * the table updates in place without the flicker of clearing the screen every second.
 */
import { render, Text } from 'ink';

export interface LiveTable {
  update(text: string): void;
  stop(): void;
}

export function liveTable(out: NodeJS.WriteStream): LiveTable {
  // Ctrl-C is handled by the caller (it stops sampling and unmounts), not by ink.
  const view = render(<Text>{''}</Text>, { stdout: out, exitOnCtrlC: false, patchConsole: false });
  return {
    update: (text) => view.rerender(<Text>{text.replace(/\n$/, '')}</Text>),
    stop: () => view.unmount(),
  };
}
