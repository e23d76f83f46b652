/** Output of commands over several objects: what they did, one object a line. */
import { PartialFailureError } from '../errors.js';

/**
 * The printing side of a command over several objects (`rm a b`, `volume rm x y`): each one done,
 * as typed, on a line of stdout, also when others failed (their lines are the error's message).
 */
export async function printDone(
  out: { print(text: string): void },
  run: Promise<readonly string[]>,
): Promise<void> {
  const lines = (refs: readonly string[]) => refs.map((r) => `${r}\n`).join('');
  try {
    out.print(lines(await run));
  } catch (err) {
    if (err instanceof PartialFailureError) out.print(lines(err.done as string[]));
    throw err;
  }
}
