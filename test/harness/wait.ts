/** Polling for a condition the system reaches on its own time (a port answering, a probe passing). */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `fn`'s first truthy value, asked every `everyMs`; an error naming `what` after `ms`. */
export async function until<T>(
  fn: () => T | undefined | null | false,
  ms = 15_000,
  what = 'condition',
  everyMs = 200,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}
