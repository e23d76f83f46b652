/**
 * The live pull/push view on a terminal: ink redraws only the lines that changed, and layers still
 * moving get an ink-spinner after their text, so the line itself reads exactly as Docker's.
 * Loaded only when stdout is a terminal (ink and React stay out of the bundle).
 */
import { Box, Text, render } from 'ink';
import Spinner from 'ink-spinner';
import { Screen, type Bytes, type ProgressSink, type ScreenLine } from './jsonmessage.js';

function View({ lines }: { lines: ScreenLine[] }) {
  return (
    <Box flexDirection="column">
      {lines.map((l, i) => (
        <Text key={i}>
          {l.text}
          {l.active ? (
            <Text>
              {' '}
              <Spinner type="dots" />
            </Text>
          ) : null}
        </Text>
      ))}
    </Box>
  );
}

export function liveProgress(out: NodeJS.WriteStream): ProgressSink {
  const screen = new Screen(() => out.columns || 80);
  const view = render(<View lines={[]} />, { stdout: out, exitOnCtrlC: false, patchConsole: false });
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    timer = undefined;
    view.rerender(<View lines={screen.lines.map((l) => ({ ...l }))} />);
  };
  // Byte counts change on every chunk; redraw at most ten times a second.
  const schedule = () => {
    timer ??= setTimeout(draw, 100);
  };
  return {
    status(text: string) {
      screen.status(text);
      schedule();
    },
    layer(id: string, status: string, bytes?: Bytes) {
      screen.layer(id, status, bytes);
      schedule();
    },
    async close() {
      if (timer) clearTimeout(timer);
      draw();
      // Not waitUntilExit(): with nothing else pending it can leave the event loop empty, and node
      // would exit 0 before the caller reports an error.
      view.unmount();
    },
  };
}
