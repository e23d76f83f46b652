/** Docker's confirmation prompt (docker/cli PromptForConfirmation): only `y` or `yes` goes on. */
import type { RuntimeContext } from '../context.js';

export async function confirm(ctx: RuntimeContext, warning: string): Promise<boolean> {
  ctx.stdio.stdout.write(`${warning}\nAre you sure you want to continue? [y/N] `);
  const line = await new Promise<string>((resolve) => {
    let buf = '';
    const stdin = ctx.stdio.stdin;
    const onData = (d: Buffer | string) => {
      buf += d.toString();
      if (buf.includes('\n')) done();
    };
    const done = () => {
      stdin.removeListener('data', onData);
      stdin.removeListener('end', done);
      if ('pause' in stdin) stdin.pause();
      resolve(buf.split('\n')[0] ?? '');
    };
    stdin.on('data', onData);
    stdin.on('end', done);
  });
  return /^\s*y(es)?\s*$/i.test(line);
}
