/**
 * Entry point. Parses Docker's global flags, finds the command in oclif's manifest (plain JSON, so
 * no command file is loaded but the one that runs), runs it, and turns any error into one line on
 * stderr and Docker's exit code. Help is rendered from the same manifest (cli/help.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installRoot } from './paths.js';
import { RuntimeContext } from './runtime/context.js';
import { TsdockError, UnknownCommandError, UsageError, exitCodeOf } from './runtime/errors.js';
import { parseGlobals } from './cli/globals.js';
import { traceMark } from './runtime/trace.js';
import { hoistComposeFlags } from './cli/compose-argv.js';

interface ManifestCommand {
  id: string;
  aliases?: string[];
  relativePath?: string[];
}

type CommandModule = {
  default: new (argv: string[], config: unknown) => import('./cli/base.js').TsdockCommand;
};
/**
 * Set by the bundled entry: command id → its chunk, and the ids and aliases from oclif's manifest
 * (built in, so a command does not read and parse the 70 kB manifest, ~1 ms). Unbundled, files are
 * found by the manifest.
 */
let loadCommand: ((id: string) => Promise<unknown> | undefined) | undefined;
let builtInCommands: Record<string, ManifestCommand> | undefined;
export function setCommandLoader(
  fn: (id: string) => Promise<unknown> | undefined,
  commands?: Record<string, ManifestCommand>,
): void {
  loadCommand = fn;
  builtInCommands = commands;
}

function loadManifest(): Record<string, ManifestCommand> {
  return (
    JSON.parse(readFileSync(join(installRoot(), 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, ManifestCommand>;
    }
  ).commands;
}

/** Longest match of the leading words against command ids and aliases ("container ls", "ps"). */
export function findCommand(
  words: string[],
  commands: Record<string, ManifestCommand>,
): { cmd: ManifestCommand; used: number } | undefined {
  const index = new Map<string, ManifestCommand>();
  for (const c of Object.values(commands)) {
    index.set(c.id, c);
    for (const a of c.aliases ?? []) index.set(a.replace(/ /g, ':'), c);
  }
  for (let n = Math.min(3, words.length); n > 0; n--) {
    const key = words.slice(0, n).join(':');
    const cmd = index.get(key);
    if (cmd) return { cmd, used: n };
  }
  return undefined;
}

/**
 * Help (cli/help.ts), printed where docker/cli prints it: asked for (`--help`, `help`) on stdout;
 * shown because the command line stopped short (`tsdock`, `tsdock network`) on stderr, status 0.
 */
async function showHelp(words: string[], asked: boolean): Promise<void> {
  const { renderHelp } = await import('./cli/help.js');
  const text = renderHelp(words);
  if (asked) process.stdout.write(text);
  else process.stderr.write(text);
}

/**
 * Words that name no command. A group alone (`tsdock network`) shows its help, as docker/cli does;
 * otherwise docker/cli 28's "unknown command", naming the group the words went wrong in.
 */
async function noCommand(rest: string[]): Promise<number> {
  const { isGroup } = await import('./cli/help.js');
  const n = rest.findIndex((w) => w.startsWith('-'));
  const words = n < 0 ? rest : rest.slice(0, n);
  const flags = rest.slice(words.length);
  if (isGroup(words)) {
    if (flags.length === 0 || flags.includes('--help') || flags.includes('-h')) {
      await showHelp(words, flags.length > 0);
      return 0;
    }
    throw new UsageError(`unknown flag: ${flags[0]!.replace(/=.*/, '')}`, {
      hint: `See 'tsdock ${words.join(' ')} --help'.`,
    });
  }
  for (let k = words.length - 1; k > 0; k--) {
    if (!isGroup(words.slice(0, k))) continue;
    const path = `tsdock ${words.slice(0, k).join(' ')}`;
    throw new UnknownCommandError(`tsdock: unknown command: ${path} ${words[k]}`, {
      hint: `\nUsage:  ${path} COMMAND\n\nRun '${path} --help' for more information`,
    });
  }
  throw new UnknownCommandError(`tsdock: unknown command: tsdock ${rest[0]}`, {
    hint: "\nRun 'tsdock --help' for more information",
  });
}

export async function main(argv: string[]): Promise<number> {
  traceMark('main');
  let debug = process.env.TSDOCK_DEBUG === '1';
  let ctx: RuntimeContext | undefined;
  try {
    const parsed = parseGlobals(argv, process.env);
    const globals = parsed.globals;
    let rest = parsed.rest;
    debug = globals.debug;
    if (rest.length === 0 || rest[0] === '--help' || rest[0] === '-h' || rest[0] === 'help') {
      await showHelp(rest.slice(rest[0] === 'help' ? 1 : rest.length), rest.length > 0);
      return 0;
    }
    if (rest[0] === '--version' || rest[0] === '-v') {
      const pkg = JSON.parse(readFileSync(join(installRoot(), 'package.json'), 'utf8')) as {
        version: string;
      };
      process.stdout.write(`tsdock version ${pkg.version}\n`);
      return 0;
    }
    // docker compose's project options come before its subcommand: moved after it (compose-argv.ts).
    if (rest[0] === 'compose') rest = hoistComposeFlags(rest);
    const found = findCommand(rest, builtInCommands ?? loadManifest());
    if (!found) return await noCommand(rest);
    const rel = found.cmd.relativePath ?? ['dist', 'commands', ...found.cmd.id.split(':')];
    const mod = ((await loadCommand?.(found.cmd.id)) ??
      (await import(
        join(installRoot(), ...rel) + (rel[rel.length - 1]!.endsWith('.js') ? '' : '.js')
      ))) as CommandModule;
    traceMark(`command ${found.cmd.id} loaded`);
    const cmdArgv = rest.slice(found.used);
    // oclif's Config is only needed for help; commands get a minimal stand-in.
    const cmd = new mod.default(cmdArgv, {
      bin: 'tsdock',
      runHook: async () => ({ successes: [], failures: [] }),
    });
    ctx = new RuntimeContext(globals);
    cmd.ctx = ctx;
    cmd.commandPath = rest.slice(0, found.used).join(' ');
    try {
      await cmd.run();
    } catch (err) {
      if ((err as { helpRequested?: boolean }).helpRequested) {
        await showHelp(rest.slice(0, found.used), true);
        return 0;
      }
      throw err;
    }
    return 0;
  } catch (err) {
    return report(err, debug);
  } finally {
    ctx?.close();
  }
}

function report(err: unknown, debug: boolean): number {
  const code = exitCodeOf(err);
  if (err instanceof TsdockError) {
    if (err.message) process.stderr.write(`${err.message}\n`);
    if (err.hint) process.stderr.write(`${err.hint}\n`);
    if (debug && err.cause) process.stderr.write(`${String((err.cause as Error).stack ?? err.cause)}\n`);
  } else {
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`Error: ${msg.split('\n')[0]}\n`);
    if (debug && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  }
  return code;
}
