/**
 * TSDOCK_TRACE=1: milestones of a command on stderr, with the time since the process started, next
 * to the latency of each containerd call and stream (containerd/rpc.ts) and registry request
 * (http/request.ts). Enough to see where a slow command spends its time without a profiler.
 */
export const TRACE = process.env.TSDOCK_TRACE === '1';

export function traceMark(what: string): void {
  if (TRACE) process.stderr.write(`mark @${performance.now().toFixed(1)}ms ${what}\n`);
}

/** `what`, an `rpc` or `http` exchange, took since `t0` (a performance.now() reading). */
export function traceSpan(kind: 'rpc' | 'http', what: string, t0: number): void {
  const now = performance.now();
  process.stderr.write(`${kind} @${now.toFixed(0)}ms ${what} ${(now - t0).toFixed(1)}ms\n`);
}
