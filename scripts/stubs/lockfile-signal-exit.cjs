// signal-exit v3 as proper-lockfile uses it (one hook, run once when the process ends: the locks
// it holds are removed), for the bundle (scripts/bundle.mjs). signal-exit loads node:assert and
// listens to every catchable signal, ~2.3 ms of each command that takes a lock; this keeps the same
// behaviour for the ways a tsdock process ends: exit, and SIGINT, SIGTERM or SIGHUP that no other
// listener handles (the hooks run, then the signal is raised again, as signal-exit does).
'use strict';

const hooks = new Set();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const listeners = new Map();
let installed = false;

function runHooks() {
  const all = [...hooks];
  hooks.clear();
  for (const hook of all) {
    try {
      hook();
    } catch {
      /* as signal-exit: one failing hook does not stop the others */
    }
  }
}

function onSignal(sig) {
  // Someone else listens (run's signal proxy): the signal is theirs, the process goes on.
  if (process.listenerCount(sig) > 1) return;
  for (const [s, l] of listeners) process.removeListener(s, l);
  runHooks();
  process.kill(process.pid, sig);
}

module.exports = function onExit(hook) {
  hooks.add(hook);
  if (!installed) {
    installed = true;
    process.once('exit', runHooks);
    for (const sig of SIGNALS) {
      const l = () => onSignal(sig);
      listeners.set(sig, l);
      process.on(sig, l);
    }
  }
  return () => hooks.delete(hook);
};
