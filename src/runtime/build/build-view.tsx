/**
 * The build's live view on a terminal, as BuildKit's tty progress draws it: a header with the
 * elapsed time, one line per step (`=> [2/4] RUN echo hi   0.3s`, a spinner while it runs,
 * `CACHED`/`ERROR` when it ends) and, under a running step, its last few output lines. ink redraws
 * only what changed. Loaded only when stderr is a terminal (ink and React stay out of the bundle).
 */
import { Box, Text, render } from 'ink';
import Spinner from 'ink-spinner';
import type { ProgressSink, VertexState } from './progress.js';

const TAIL = 6;

function seconds(v: VertexState, now: number): string {
  return `${(((v.ended ?? now) - v.started) / 1000).toFixed(1)}s`;
}

function View({
  vertices,
  started,
  now,
  done,
}: {
  vertices: VertexState[];
  started: number;
  now: number;
  done: boolean;
}) {
  const state = done ? 'FINISHED' : '';
  return (
    <Box flexDirection="column">
      <Text>
        [+] Building {((now - started) / 1000).toFixed(1)}s (
        {vertices.filter((v) => v.status !== 'running').length}/{vertices.length}) {state}
      </Text>
      {vertices.map((v) => (
        <Box key={v.id} flexDirection="column">
          <Text color={v.status === 'error' ? 'red' : v.status === 'running' ? 'blue' : undefined}>
            {v.status === 'running' ? <Spinner type="dots" /> : '=>'} {v.status === 'cached' ? 'CACHED ' : ''}
            {v.status === 'error' ? 'ERROR ' : ''}
            {v.name} {v.status === 'cached' ? '' : seconds(v, now)}
          </Text>
          {v.status === 'running' || v.status === 'error'
            ? v.lines.slice(-TAIL).map((l, i) => (
                <Text key={i} dimColor>
                  {' => => '}
                  {l}
                </Text>
              ))
            : null}
        </Box>
      ))}
    </Box>
  );
}

export function ttyProgress(out: NodeJS.WriteStream): ProgressSink {
  const started = Date.now();
  const vertices: VertexState[] = [];
  const view = render(<View vertices={[]} started={started} now={started} done={false} />, {
    stdout: out,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  let timer: NodeJS.Timeout | undefined;
  const draw = (done = false) => {
    timer = undefined;
    view.rerender(
      <View
        vertices={vertices.map((v) => ({ ...v, lines: [...v.lines] }))}
        started={started}
        now={Date.now()}
        done={done}
      />,
    );
  };
  // Output can come in fast: redraw at most ten times a second, and every second for the clocks.
  const schedule = () => {
    timer ??= setTimeout(() => draw(), 100);
  };
  const tick = setInterval(schedule, 1000);
  const messages: string[] = [];
  return {
    update(v: VertexState) {
      if (!vertices.includes(v)) vertices.push(v);
      schedule();
    },
    message(text: string) {
      messages.push(text);
    },
    async close() {
      clearInterval(tick);
      if (timer) clearTimeout(timer);
      draw(true);
      view.unmount();
      for (const m of messages) out.write(`${m}\n`);
    },
  };
}
