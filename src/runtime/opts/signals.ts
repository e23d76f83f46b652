/** Signal names and numbers as Docker accepts them (`-s HUP`, `-s SIGHUP`, `-s 1`). */
import { constants } from 'node:os';
import { UsageError } from '../errors.js';

export const SIGKILL = 9;

const table = constants.signals as Record<string, number>;

export function parseSignal(raw: string): number {
  const s = raw.trim().toUpperCase();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n <= 0 || n > 64) throw new UsageError(`Invalid signal: ${raw}`);
    return n;
  }
  const name = s.startsWith('SIG') ? s : `SIG${s}`;
  const n = table[name];
  if (n === undefined) throw new UsageError(`Invalid signal: ${raw}`);
  return n;
}

export function signalName(n: number): string {
  return Object.entries(table).find(([, v]) => v === n)?.[0] ?? String(n);
}
