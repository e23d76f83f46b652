/**
 * tsdock's help, in docker/cli 28's layout (its cobra usage template), rendered from oclif's
 * manifest — plain JSON — so no command module and no oclif runtime is loaded to print it.
 *
 *   tsdock | tsdock --help | tsdock help     the root: Common, Management and other Commands, Global Options
 *   tsdock network | tsdock network --help    a group: its commands (and a group command's own options)
 *   tsdock run --help | tsdock help run       a command: usage line, description, aliases, options
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installRoot } from '../paths.js';
import { UnknownCommandError } from '../runtime/errors.js';
import { GLOBAL_FLAGS } from './globals.js';
import { commandList, flagUsages, namePadding, terminalColumns, type HelpFlag } from './help-layout.js';

/** A command as oclif's manifest records it (its statics included: argsUsage). */
export interface ManifestEntry {
  id: string;
  description?: string;
  aliases?: string[];
  hidden?: boolean;
  argsUsage?: string;
  /** false: the flags end at the first argument (run, exec). */
  interspersed?: boolean;
  flags?: Record<string, HelpFlag & { options?: string[] }>;
}

export interface HelpSource {
  commands: Record<string, ManifestEntry>;
  /** Descriptions of the command groups (package.json's oclif.topics). */
  topics: Record<string, string>;
}

/** docker/cli's "Common Commands", in its order (the commands annotated category-top). */
const COMMON = [
  'run',
  'exec',
  'ps',
  'build',
  'pull',
  'push',
  'images',
  'login',
  'logout',
  'search',
  'version',
  'info',
];

const DESCRIPTION = 'A Docker-compatible command line for containerd';

export function loadHelpSource(): HelpSource {
  const root = installRoot();
  const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8')) as {
    commands: Record<string, ManifestEntry>;
  };
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    oclif?: { topics?: Record<string, { description: string }> };
  };
  const topics = Object.fromEntries(
    Object.entries(pkg.oclif?.topics ?? {}).map(([k, v]) => [k, v.description]),
  );
  return { commands: manifest.commands, topics };
}

/** Every name a command answers to, as words ("container ls", "ps"). */
function namesOf(c: ManifestEntry): string[][] {
  return [c.id, ...(c.aliases ?? [])].map((n) => n.split(':'));
}

/**
 * The commands one level below a path ([] for the root): each child word with the command it
 * names (if any) and whether more words follow it (a group). A command with several names at this
 * level (container ls, list, ps) is listed once: under its id's name, else its first alias here.
 */
export function childEntries(
  src: HelpSource,
  path: string[],
): Map<string, { cmd?: ManifestEntry; group: boolean }> {
  const out = new Map<string, { cmd?: ManifestEntry; group: boolean }>();
  const prefix = path.join(' ');
  for (const c of Object.values(src.commands)) {
    if (c.hidden) continue;
    let listed = false;
    for (const words of namesOf(c)) {
      if (words.length <= path.length || words.slice(0, path.length).join(' ') !== prefix) continue;
      const word = words[path.length]!;
      const entry = out.get(word) ?? { group: false };
      if (words.length > path.length + 1) entry.group = true;
      else if (!listed) {
        entry.cmd = c;
        listed = true;
      } else continue;
      out.set(word, entry);
    }
  }
  return out;
}

export function findEntry(src: HelpSource, words: string[]): ManifestEntry | undefined {
  const key = words.join(':');
  return Object.values(src.commands).find((c) => c.id === key || (c.aliases ?? []).includes(key));
}

export function groupDescription(src: HelpSource, path: string[]): string {
  return src.topics[path.join(':')] ?? findEntry(src, path)?.description ?? '';
}

function rootHelp(src: HelpSource, cols: number): string {
  const kids = childEntries(src, []);
  const entries = [...kids.keys()].sort();
  const pad = namePadding(entries);
  const line = (name: string, description: string) => ({ name, description });
  const common = COMMON.filter((n) => kids.get(n)?.cmd).map((n) =>
    line(n, kids.get(n)!.cmd!.description ?? ''),
  );
  const management = entries
    .filter((n) => kids.get(n)!.group)
    .map((n) => line(n, groupDescription(src, [n])));
  const other = entries
    .filter((n) => !kids.get(n)!.group && !COMMON.includes(n))
    .map((n) => line(n, kids.get(n)!.cmd!.description ?? ''));
  return [
    'Usage:  tsdock [OPTIONS] COMMAND',
    '',
    DESCRIPTION,
    '',
    'Common Commands:',
    commandList(common, pad),
    '',
    'Management Commands:',
    commandList(management, pad),
    '',
    'Commands:',
    commandList(other, pad),
    '',
    'Global Options:',
    flagUsages(GLOBAL_FLAGS, cols).trimEnd(),
    '',
    "Run 'tsdock COMMAND --help' for more information on a command.",
    '',
  ].join('\n');
}

function groupHelp(src: HelpSource, path: string[], cols: number): string {
  const kids = childEntries(src, path);
  const names = [...kids.keys()].sort();
  const own = findEntry(src, path);
  const flags = Object.values(own?.flags ?? {}).filter((f) => !f.hidden);
  const where = `tsdock ${path.join(' ')}`;
  return [
    `Usage:  ${where}${flags.length ? ' [OPTIONS]' : ''} COMMAND`,
    '',
    groupDescription(src, path),
    ...(flags.length ? ['', 'Options:', flagUsages(flags, cols).trimEnd()] : []),
    '',
    'Commands:',
    commandList(
      names.map((n) => ({
        name: n,
        description: kids.get(n)!.cmd?.description ?? groupDescription(src, [...path, n]),
      })),
      namePadding(names),
    ),
    '',
    `Run '${where} COMMAND --help' for more information on a command.`,
    '',
  ].join('\n');
}

/**
 * docker/cli's "Aliases" line: the command under its group first (the id, then the group's other
 * names for it), the top-level shortcuts last.
 */
function aliasLine(c: ManifestEntry): string {
  const names = namesOf(c).map((w) => w.join(' '));
  const grouped = names.filter((n) => n.includes(' '));
  const top = names.filter((n) => !n.includes(' '));
  return [...grouped, ...top].map((n) => `tsdock ${n}`).join(', ');
}

function commandHelp(c: ManifestEntry, typed: string[], cols: number): string {
  const flags = Object.values(c.flags ?? {}).filter((f) => !f.hidden);
  const usage = `tsdock ${typed.join(' ')}${c.argsUsage ? ` ${c.argsUsage}` : ''}`;
  return [
    `Usage:  ${usage}`,
    '',
    c.description ?? '',
    ...((c.aliases ?? []).length ? ['', 'Aliases:', `  ${aliasLine(c)}`] : []),
    ...(flags.length ? ['', 'Options:', flagUsages(flags, cols).trimEnd()] : []),
    '',
  ].join('\n');
}

/**
 * The help text for the words after `tsdock` (`[]`, `['network']`, `['container', 'ls']`), or a
 * UsageError for words that name nothing (docker's "unknown help topic").
 */
export function renderHelp(
  words: string[],
  src: HelpSource = loadHelpSource(),
  cols = terminalColumns(),
): string {
  if (words.length === 0) return rootHelp(src, cols);
  const cmd = findEntry(src, words);
  const isGroup = childEntries(src, words).size > 0;
  if (isGroup) return groupHelp(src, words, cols);
  if (cmd && !cmd.hidden) return commandHelp(cmd, words, cols);
  throw new UnknownCommandError(`unknown help topic: ${words.join(' ')}`);
}

/** Whether the words name a group of commands (`network`, `container`): run alone, it shows its help. */
export function isGroup(words: string[], src: HelpSource = loadHelpSource()): boolean {
  return words.length > 0 && childEntries(src, words).size > 0;
}
