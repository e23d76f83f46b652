/**
 * Random ids and picks, from the kernel's generator (/dev/urandom) read directly, and hashes with
 * node:crypto loaded on first use: loading it costs ~2.4 ms, on the path of every `run`, for the 32
 * bytes of a container id.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { nodeCrypto } from '../builtins.js';

export function randomBytes(n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  const fd = openSync('/dev/urandom', 'r');
  try {
    for (let got = 0; got < n;) got += readSync(fd, out, got, n - got, null);
  } finally {
    closeSync(fd);
  }
  return out;
}

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** A uniform integer in [0, max), max ≤ 2^32. */
export function randomInt(max: number): number {
  // Values at or above the largest multiple of max would favour the low results: drawn again.
  const limit = 2 ** 32 - (2 ** 32 % max);
  for (;;) {
    const v = randomBytes(4).readUInt32BE(0);
    if (v < limit) return v % max;
  }
}

export function sha256Hex(data: string | Buffer): string {
  return nodeCrypto().createHash('sha256').update(data).digest('hex');
}
