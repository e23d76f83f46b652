/**
 * Entry point. Parses Docker's global flags, finds the command in oclif's manifest (plain JSON, so
 * no command file is loaded but the one that runs), runs it, and turns any error into one line on
 * stderr and Docker's exit code. oclif's full runtime is loaded only to render help.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installRoot } from './paths.js';
import { RuntimeContext, defaultGlobals, type GlobalOptions } from './runtime/context.js';
import { TsdockError, UsageError, exitCodeOf } from './runtime/errors.js';
import { traceMark } from './runtime/trace.js';

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

/** Global flags come before the command, as with docker and nerdctl. */
export function parseGlobals(
  argv: string[],
  env: NodeJS.ProcessEnv,
): { globals: GlobalOptions; rest: string[] } {
  const globals = defaultGlobals(env);
  let i = 0;
  const takeValue = (flag: string, inline: string | undefined): string => {
    if (inline !== undefined) return inline;
    const v = argv[++i];
    if (v === undefined)
      throw new UsageError(`flag needs an argument: ${flag}`, { hint: "See 'tsdock --help'." });
    return v;
  };
  for (; i < argv.length; i++) {
    const word = argv[i]!;
    if (!word.startsWith('-') || word === '-') break;
    const eq = word.indexOf('=');
    const key = eq >= 0 ? word.slice(0, eq) : word;
    const inline = eq >= 0 ? word.slice(eq + 1) : undefined;
    switch (key) {
      case '--address':
      case '-a':
      case '--host':
      case '-H':
        globals.address = takeValue(key, inline).replace(/^unix:\/\//, '');
        break;
      case '--namespace':
      case '-n':
        globals.namespace = takeValue(key, inline);
        break;
      case '--data-root':
        globals.dataRoot = takeValue(key, inline);
        break;
      case '--debug':
      case '-D':
        globals.debug = true;
        break;
      case '--help':
      case '-h':
      case '--version':
      case '-v':
        return { globals, rest: argv.slice(i) };
      default:
        throw new UsageError(`unknown flag: ${key}`, { hint: "See 'tsdock --help'." });
    }
  }
  return { globals, rest: argv.slice(i) };
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

async function showHelp(argv: string[]): Promise<void> {
  const oclif = await import('@oclif/core');
  await oclif.run(
    [...argv.filter((a) => a !== '-h'), ...(argv.includes('--help') ? [] : ['--help'])],
    join(installRoot(), 'package.json'),
  );
}

export async function main(argv: string[]): Promise<number> {
  traceMark('main');
  let debug = process.env.TSDOCK_DEBUG === '1';
  let ctx: RuntimeContext | undefined;
  try {
    const { globals, rest } = parseGlobals(argv, process.env);
    debug = globals.debug;
    if (rest.length === 0 || rest[0] === '--help' || rest[0] === '-h' || rest[0] === 'help') {
      await showHelp(rest.slice(rest[0] === 'help' ? 1 : 0));
      return 0;
    }
    if (rest[0] === '--version' || rest[0] === '-v') {
      const pkg = JSON.parse(readFileSync(join(installRoot(), 'package.json'), 'utf8')) as {
        version: string;
      };
      process.stdout.write(`tsdock version ${pkg.version}\n`);
      return 0;
    }
    const found = findCommand(rest, builtInCommands ?? loadManifest());
    if (!found) {
      throw new UsageError(`unknown command: "${rest[0]}"`, { hint: "See 'tsdock --help'." });
    }
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
        await showHelp([...rest.slice(0, found.used), '--help']);
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
