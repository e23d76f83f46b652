/** Output of commands over several objects: what they did, one object a line. */
import { PartialFailureError } from '../errors.js';

/**
 * The printing side of a command over several objects (`rm a b`, `volume rm x y`): each one done,
 * as typed, on a line of stdout, also when others failed (their lines are the error's message).
 */
export async function printDone(
  out: { write(text: string): unknown },
  run: Promise<readonly string[]>,
): Promise<void> {
  try {
    for (const ref of await run) out.write(`${ref}\n`);
  } catch (err) {
    if (err instanceof PartialFailureError) for (const ref of err.done) out.write(`${ref}\n`);
    throw err;
  }
}
