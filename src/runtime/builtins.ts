/**
 * Node built-ins that a module needs only in some of its calls, required on first use instead of
 * with the module: node:crypto (~2.4 ms to load) for hashing, node:child_process (~1.5 ms) for the
 * moment a process is started — for `run`, after the container's requests are on their way to
 * containerd rather than before the first of them.
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

export function nodeCrypto(): typeof import('node:crypto') {
  return load('node:crypto') as typeof import('node:crypto');
}

export function childProcess(): typeof import('node:child_process') {
  return load('node:child_process') as typeof import('node:child_process');
}
