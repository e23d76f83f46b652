/**
 * TSDOCK_TRACE=1: milestones of a command on stderr, with the time since the process started, next
 * to each RPC's latency (containerd/rpc.ts). Enough to see where a slow command spends its time
 * without a profiler.
 */
const TRACE = process.env.TSDOCK_TRACE === '1';

export function traceMark(what: string): void {
  if (TRACE) process.stderr.write(`mark @${performance.now().toFixed(1)}ms ${what}\n`);
}
