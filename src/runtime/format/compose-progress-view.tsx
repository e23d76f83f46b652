/**
 * The live `[+] Running 3/3` view of compose commands on a terminal: ink redraws the task lines
 * as events arrive, a spinner beside those still working, their times ticking. Loaded only when
 * stderr is a terminal (ink and React stay out of the bundle).
 */
import { Box, Text, render } from 'ink';
import type { ComposeProgress, ComposeScreen, ProgressEvent } from './compose-screen.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const COLOUR: Record<string, string> = { done: 'green', working: 'green', warning: 'yellow', error: 'red' };

function View({ header, lines, statuses }: { header: string; lines: string[]; statuses: string[] }) {
  return (
    <Box flexDirection="column">
      <Text color="blue">{header}</Text>
      {lines.map((l, i) => (
        <Text key={i} color={COLOUR[statuses[i] ?? 'done']}>
          {l}
        </Text>
      ))}
    </Box>
  );
}

export function liveComposeProgress(out: NodeJS.WriteStream, screen: ComposeScreen): ComposeProgress {
  let frame = 0;
  const element = () => (
    <View
      header={screen.header()}
      lines={screen.lines((out.columns || 80) - 1, Date.now(), SPINNER[frame % SPINNER.length])}
      statuses={screen.tasks.map((t) => t.status)}
    />
  );
  const view = render(element(), { stdout: out, exitOnCtrlC: false, patchConsole: false });
  // The spinner and the timers move ten times a second, as compose's do.
  const timer = setInterval(() => {
    frame++;
    view.rerender(element());
  }, 100);
  return {
    on(e: ProgressEvent) {
      screen.on(e);
    },
    async close() {
      clearInterval(timer);
      view.rerender(element());
      view.unmount();
    },
  };
}
