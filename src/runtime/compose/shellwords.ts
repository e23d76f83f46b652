/**
 * A command written as one string (`command: sh -c "echo hi"`) split into words as compose-go does
 * (mattn/go-shellwords without variable expansion): blanks separate words, single quotes keep
 * everything, double quotes and backslashes escape.
 */
import { ComposeError } from '../errors.js';

export function splitShellWords(line: string): string[] {
  const words: string[] = [];
  let buf = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else buf += c;
      continue;
    }
    if (c === '\\') {
      const next = line[i + 1];
      if (next === undefined) break;
      i++;
      // Inside double quotes only \" \\ \$ \` and a newline are escapes; elsewhere any character.
      if (quote === '"' && !'"\\$`\n'.includes(next)) buf += '\\';
      if (next !== '\n') buf += next;
      inWord = true;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = undefined;
      else buf += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) words.push(buf);
      buf = '';
      inWord = false;
      continue;
    }
    buf += c;
    inWord = true;
  }
  if (quote) throw new ComposeError(`invalid command line string: ${line}`);
  if (inWord) words.push(buf);
  return words;
}
