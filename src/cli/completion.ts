/**
 * Shell completion. `tsdock completion bash|zsh|fish` prints a small script (completions/); it asks
 * `tsdock internal complete WORD…` (the words typed so far, the last one being completed) and
 * offers what it prints: one `candidate<TAB>description` per line, then a directive line
 * (`:files` — complete file names instead, `:nospace` — no space after the candidate, `:`).
 *
 * What to offer is decided here from the manifest, as help is: command and group names, a
 * command's flags, a flag's values (its declared options, Docker's vocabularies such as restart
 * policies, or names of live objects), and positional arguments by the kinds Docker's usage line
 * names (CONTAINER, IMAGE, NETWORK, VOLUME, PATH …). Live names are listed by a verb.
 */
import { readFileSync } from 'node:fs';
import { rootPath } from '../paths.js';
import { RuntimeContext } from '../runtime/context.js';
import { UsageError } from '../runtime/errors.js';
import { GLOBAL_FLAGS, parseGlobals } from './globals.js';
import type { HelpFlag } from './help-layout.js';
import { childEntries, findEntry, groupDescription, type HelpSource, type ManifestEntry } from './help.js';

export type LiveKind =
  | { kind: 'containers'; state?: 'running' | 'stopped' | 'paused'; suffix?: string }
  | { kind: 'images' }
  | { kind: 'networks' }
  | { kind: 'volumes' };

export interface Completion {
  /** Fixed candidates (names of commands, flags, values) with a description. */
  items: [string, string][];
  /** Names of objects to list now (containers, images …). */
  live: LiveKind[];
  /** Let the shell complete file names. */
  files: boolean;
  /** What the candidates continue (`--network=`): given back in front of each. */
  prefix: string;
  noSpace: boolean;
}

const none = (): Completion => ({ items: [], live: [], files: false, prefix: '', noSpace: false });

/** Which containers Docker's own completion offers for a command (default: all of them). */
const CONTAINER_STATE: Record<string, 'running' | 'stopped' | 'paused'> = {
  attach: 'running',
  exec: 'running',
  kill: 'running',
  pause: 'running',
  stats: 'running',
  stop: 'running',
  top: 'running',
  start: 'stopped',
  unpause: 'paused',
};

/** Commands whose first argument is a new name: nothing to complete. */
const NAMES_A_NEW_OBJECT = new Set(['network:create', 'volume:create']);

const SIGNALS = [
  'SIGHUP',
  'SIGINT',
  'SIGQUIT',
  'SIGKILL',
  'SIGUSR1',
  'SIGUSR2',
  'SIGTERM',
  'SIGSTOP',
  'SIGCONT',
];

/** Values of flags by their (Docker-wide) names, where the declaration does not list them. */
function flagValues(f: HelpFlag & { options?: string[] }, c: Completion): void {
  const values = (list: string[]) => list.forEach((v) => c.items.push([v, '']));
  switch (f.name) {
    case 'network':
    case 'net':
      c.live.push({ kind: 'networks' });
      return;
    case 'volumes-from':
    case 'link':
      c.live.push({ kind: 'containers' });
      return;
    case 'volume':
      c.live.push({ kind: 'volumes' });
      c.files = true;
      return;
    case 'restart':
      return values(['no', 'always', 'on-failure', 'unless-stopped']);
    case 'signal':
    case 'stop-signal':
      return values(SIGNALS);
    case 'log-driver':
      return values(['json-file', 'none']);
    case 'format':
      return values(['json', 'table']);
    case 'platform':
      return values(['linux/amd64', 'linux/arm64']);
    case 'env-file':
    case 'label-file':
    case 'cidfile':
    case 'iidfile':
    case 'file':
    case 'input':
    case 'output':
      c.files = true;
      return;
  }
  if (f.options) values(f.options);
}

/**
 * The kinds of a command's positional arguments, from Docker's usage line: one entry per argument,
 * the last one repeated when it ends in `...`.
 */
export function argumentKinds(usage: string | undefined): { kinds: string[][]; repeats: boolean } {
  const line = (usage ?? '').split('\n')[0]!.replace(/\s*\|\s*/g, '|');
  const tokens: string[] = [];
  let depth = 0;
  let tok = '';
  for (const ch of `${line} `) {
    if (ch === '[') depth++;
    if (ch === ']') depth--;
    if (ch === ' ' && depth === 0) {
      if (tok) tokens.push(tok);
      tok = '';
    } else tok += ch;
  }
  const args = tokens.filter((t) => t !== '[OPTIONS]');
  const kinds = args.map((t) =>
    t
      .replace(/^\[|\]$/g, '')
      .replace(/\.\.\.$/, '')
      .replace(/\[.*$/, '')
      .split('|'),
  );
  return { kinds, repeats: args.at(-1)?.endsWith('...]') ?? false };
}

function positional(cmd: ManifestEntry, index: number, c: Completion): void {
  if (NAMES_A_NEW_OBJECT.has(cmd.id)) return;
  const { kinds, repeats } = argumentKinds(cmd.argsUsage);
  const here = kinds[index] ?? (repeats ? kinds.at(-1) : undefined) ?? [];
  const state = CONTAINER_STATE[cmd.id];
  for (const k of here) {
    if (k === 'CONTAINER') c.live.push({ kind: 'containers', ...(state ? { state } : {}) });
    else if (k.startsWith('CONTAINER:')) {
      c.live.push({ kind: 'containers', suffix: ':' });
      c.files = true;
      c.noSpace = true;
    } else if (/IMAGE$|^REPOSITORY$|^NAME$/.test(k) && !(k === 'NAME' && here.includes('ID')))
      c.live.push({ kind: 'images' });
    else if (k === 'NETWORK') c.live.push({ kind: 'networks' });
    else if (k === 'VOLUME') c.live.push({ kind: 'volumes' });
    else if (k === 'ID')
      c.live.push({ kind: 'containers' }, { kind: 'images' }, { kind: 'networks' }, { kind: 'volumes' });
    else if (/PATH$|^file$|^-$/.test(k)) c.files = true;
  }
}

function flagNames(flags: HelpFlag[], c: Completion): void {
  for (const f of flags) if (!f.hidden) c.items.push([`--${f.name}`, f.description ?? '']);
}

/** What to offer for the last of `words` (the words after `tsdock`; the last may be empty). */
export function completionsFor(words: string[], src: HelpSource): Completion {
  const c = none();
  const cur = words.at(-1) ?? '';
  const done = words.slice(0, -1);
  let i = 0;
  // Global flags before the command (and their values).
  while (i < done.length && done[i]!.startsWith('-')) {
    const name = done[i]!.replace(/=.*$/, '');
    const g = GLOBAL_FLAGS.find((f) => `--${f.name}` === name || `-${f.char}` === name);
    if (g?.type === 'option' && !done[i]!.includes('=')) i++;
    i++;
  }
  const rest = done.slice(i);
  if (i > done.length) return c; // completing a global flag's value
  const lead = rest.findIndex((w) => w.startsWith('-'));
  const words0 = lead < 0 ? rest : rest.slice(0, lead);
  let cmd: ManifestEntry | undefined;
  let used = 0;
  for (let n = Math.min(3, words0.length); n > 0 && !cmd; n--) {
    const found = findEntry(src, words0.slice(0, n));
    if (found && !found.hidden) {
      cmd = found;
      used = n;
    }
  }
  const groupPath = cmd ? words0.slice(0, used) : words0;
  const kids = childEntries(src, groupPath);
  // A group (or the top): the commands in it, unless a flag is being typed.
  if ((!cmd || rest.length === used) && kids.size > 0 && !cur.startsWith('-')) {
    if (cmd || groupPath.length === rest.length)
      for (const [name, e] of kids)
        c.items.push([name, e.cmd?.description ?? groupDescription(src, [...groupPath, name])]);
    return c;
  }
  if (!cmd) {
    if (rest.length === 0 && cur.startsWith('-')) flagNames(GLOBAL_FLAGS, c);
    return c;
  }

  const flags = Object.values(cmd.flags ?? {});
  const byLong = (n: string) => flags.find((f) => f.name === n);
  const byChar = (ch: string) => flags.find((f) => f.char === ch);
  let expecting: (HelpFlag & { options?: string[] }) | undefined;
  let count = 0;
  let flagsEnded = false;
  for (const w of rest.slice(used)) {
    if (expecting) {
      expecting = undefined;
      continue;
    }
    if (!flagsEnded && w === '--') {
      flagsEnded = true;
      continue;
    }
    if (!flagsEnded && w.startsWith('-') && w !== '-') {
      if (w.startsWith('--')) {
        const f = byLong(w.slice(2).replace(/=.*$/, ''));
        if (f?.type === 'option' && !w.includes('=')) expecting = f;
      } else {
        for (let k = 1; k < w.length; k++) {
          const f = byChar(w[k]!);
          if (f?.type === 'option') {
            if (k === w.length - 1) expecting = f;
            break;
          }
        }
      }
      continue;
    }
    count++;
    if (cmd.interspersed === false) flagsEnded = true;
  }
  if (expecting) {
    flagValues(expecting, c);
    return c;
  }
  if (!flagsEnded && cur.startsWith('--') && cur.includes('=')) {
    const f = byLong(cur.slice(2, cur.indexOf('=')));
    if (f?.type === 'option') {
      c.prefix = cur.slice(0, cur.indexOf('=') + 1);
      flagValues(f, c);
    }
    return c;
  }
  if (!flagsEnded && cur.startsWith('-')) {
    flagNames(flags, c);
    return c;
  }
  if (flagsEnded && count > 0 && cmd.interspersed === false) {
    c.files = true; // the container's command and its arguments
    return c;
  }
  positional(cmd, count, c);
  return c;
}

/** The lines `internal complete` prints: candidates starting with the word, then the directive. */
export function completionLines(c: Completion, cur: string, liveNames: string[]): string {
  const typed = cur.slice(c.prefix.length);
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const [value, description] of [...c.items, ...liveNames.map((n): [string, string] => [n, ''])]) {
    if (!value.startsWith(typed) || seen.has(value)) continue;
    seen.add(value);
    lines.push(description ? `${c.prefix}${value}\t${description}` : `${c.prefix}${value}`);
  }
  lines.push(c.files ? ':files' : c.noSpace ? ':nospace' : ':');
  return `${lines.join('\n')}\n`;
}

/**
 * The context to list live names in: the global flags typed on the line being completed
 * (`tsdock --namespace k8s.io rm <TAB>`) over the completing process's own.
 */
export function contextForLine(words: string[], ctx: RuntimeContext): RuntimeContext {
  if (!words[0]?.startsWith('-')) return ctx;
  try {
    return new RuntimeContext(parseGlobals(words, process.env).globals);
  } catch {
    return ctx; // a global flag still being typed
  }
}

export const SHELLS = ['bash', 'zsh', 'fish'] as const;

/** The script for a shell: completions/ in the install (packagers may install these files as they are). */
export function completionScript(name: string): string {
  const shell = SHELLS.find((s) => s === name);
  if (!shell) throw new UsageError(`tsdock completion: unsupported shell "${name}" (bash, zsh or fish)`);
  const file = { bash: 'tsdock.bash', zsh: '_tsdock', fish: 'tsdock.fish' }[shell];
  return readFileSync(rootPath('completions', file), 'utf8');
}
