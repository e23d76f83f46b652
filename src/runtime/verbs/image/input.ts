/** Where load and import read an archive from, with Docker's messages when it cannot be read. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { RequestError } from '../../errors.js';

export function isTTY(s: NodeJS.ReadableStream | NodeJS.WritableStream): boolean {
  return (s as { isTTY?: boolean }).isTTY === true;
}

export async function openInput(path: string): Promise<Readable> {
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new RequestError(`read ${path}: is a directory`);
  } catch (err) {
    if (err instanceof RequestError) throw err;
    throw new RequestError(`open ${path}: no such file or directory`, { cause: err });
  }
  return createReadStream(path);
}
