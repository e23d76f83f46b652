/** Small helpers shared by unit tests. */

/** The message of what fn throws; fails the test if it throws nothing. */
export function errorMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}
