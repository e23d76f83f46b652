/**
 * Base of every tsdock command. A command declares oclif flags (for help and the manifest), turns
 * what `dockerParse` returns into a typed options object, and calls one runtime function.
 * Errors are not handled here: they propagate to main.ts, which maps them to exit codes.
 */
import { Command, type Interfaces } from '@oclif/core';
import { parseArgv, type FlagDefs, type Parsed } from './argv.js';
import type { FlagValues } from './flags.js';
import { RuntimeContext, defaultGlobals } from '../runtime/context.js';
import { ArgumentCountError, asRunFailure } from '../runtime/errors.js';

/** Thrown for --help; main.ts renders oclif's help. A marker, not a class check: bundling renames classes. */
export class HelpRequested extends Error {
  readonly helpRequested = true;
}

export abstract class TsdockCommand extends Command {
  /** false for commands whose flags end at the first positional (run, create, exec). */
  static interspersed = true;
  /** Docker's usage line after the command path, shown under flag errors. */
  static argsUsage?: string;
  /**
   * false for commands that never touch containerd or tsdock's state (login, completion …);
   * the others check its socket once their flags are read (RuntimeContext.checkContainerd).
   */
  static usesContainerd = true;
  /** run and create: a failure before the container runs is reported as docker run's (125, "tsdock: …"). */
  static reportsAsRun = false;
  static override strict = false;
  /** Set by main.ts before run(). */
  ctx: RuntimeContext = new RuntimeContext(defaultGlobals());
  /** The words the user typed for the command ("run", "container ls"), for hints. */
  commandPath = '';

  /** argv read with Docker's grammar against the command's declared flags (pass its static `flags`). */
  protected dockerParse<F extends Interfaces.FlagInput>(flags: F): Parsed<FlagValues<F>> {
    const ctor = this.constructor as typeof TsdockCommand;
    const defs: FlagDefs = { ...flags, help: { type: 'boolean' } };
    const {
      flags: values,
      args,
      given,
    } = parseArgv(this.argv, defs, {
      interspersed: ctor.interspersed,
      commandPath: this.commandPath || ctor.id || '',
      usage: ctor.argsUsage,
    });
    if (values.help) throw new HelpRequested();
    delete values.help;
    if (ctor.usesContainerd) {
      try {
        this.ctx.checkContainerd();
      } catch (err) {
        throw ctor.reportsAsRun ? asRunFailure(err, this.commandPath || ctor.id) : err;
      }
    }
    // argv.ts gives every declared flag a value of the type FlagValues derives from its declaration.
    return { flags: values as FlagValues<F>, args, given };
  }
}

/** docker/cli's cli.RequiresMinArgs / ExactArgs / RequiresRangeArgs messages (usage: the command's argsUsage). */
export function requireArgs(
  cmd: TsdockCommand,
  args: string[],
  opts: { min?: number; max?: number; exact?: number; usage?: string },
): void {
  const ctor = cmd.constructor as typeof TsdockCommand;
  const path = cmd.commandPath || ctor.id;
  const usage = opts.usage ?? ctor.argsUsage ?? '';
  // docker/cli 28: "docker: 'docker stop' requires at least 1 argument", Usage, where to get help.
  // cli.ExactArgs says "Run '… --help'", the other checks "See '… --help'".
  const fail = (what: string, verb = 'See') =>
    new ArgumentCountError(`tsdock: 'tsdock ${path}' ${what}`, {
      hint: `\nUsage:  tsdock ${path} ${usage}\n\n${verb} 'tsdock ${path} --help' for more information`,
    });
  const plural = (n: number) => (n === 1 ? 'argument' : 'arguments');
  if (opts.exact !== undefined && args.length !== opts.exact)
    throw fail(`requires ${opts.exact} ${plural(opts.exact)}`, 'Run');
  if (opts.min !== undefined && args.length < opts.min)
    throw fail(`requires at least ${opts.min} ${plural(opts.min)}`);
  if (opts.max === 0 && args.length > 0) throw fail('accepts no arguments', 'Run');
  if (opts.max !== undefined && args.length > opts.max)
    throw fail(`accepts at most ${opts.max} ${plural(opts.max)}`);
}
