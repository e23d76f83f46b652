/**
 * Docker's confirmation prompt (`Are you sure you want to continue? [y/N] `): the prune commands
 * ask it unless -f. Only `y` or `yes` (any case) confirm; end of input declines.
 */
import type { RuntimeContext } from './context.js';

/** `between`: what separates the warning from the question (`builder prune` asks on the same line). */
export async function confirm(ctx: RuntimeContext, warning: string, between = '\n'): Promise<boolean> {
  ctx.stdio.stdout.write(`${warning}${between}Are you sure you want to continue? [y/N] `);
  const stdin = ctx.stdio.stdin;
  const line = await new Promise<string>((resolve) => {
    let text = '';
    const done = () => {
      stdin.off('data', onData);
      stdin.off('end', done);
      stdin.off('error', done);
      (stdin as NodeJS.ReadStream).pause?.();
      resolve(text.split('\n')[0] ?? '');
    };
    const onData = (b: Buffer | string) => {
      text += b.toString();
      if (text.includes('\n')) done();
    };
    stdin.on('data', onData);
    stdin.once('end', done);
    stdin.once('error', done);
  });
  return /^\s*y(es)?\s*$/i.test(line);
}
