/**
 * Base of every tsdock command. A command declares oclif flags (for help and the manifest), turns
 * what `dockerParse` returns into a typed options object, and calls one runtime function.
 * Errors are not handled here: they propagate to main.ts, which maps them to exit codes.
 */
import { Command } from '@oclif/core';
import { parseArgv, type FlagDefs, type Parsed } from './argv.js';
import { RuntimeContext, defaultGlobals } from '../runtime/context.js';

export class HelpRequested extends Error {}

export abstract class TsdockCommand extends Command {
  /** false for commands whose flags end at the first positional (run, create, exec). */
  static interspersed = true;
  static override strict = false;
  /** Set by main.ts before run(). */
  ctx: RuntimeContext = new RuntimeContext(defaultGlobals());
  /** The words the user typed for the command ("run", "container ls"), for hints. */
  commandPath = '';

  protected dockerParse(): Parsed {
    const ctor = this.constructor as typeof TsdockCommand;
    const defs = { ...(ctor.flags as unknown as FlagDefs), help: { type: 'boolean' } } as FlagDefs;
    const parsed = parseArgv(this.argv, defs, {
      interspersed: ctor.interspersed,
      commandPath: this.commandPath || ctor.id || '',
    });
    if (parsed.flags.help) throw new HelpRequested();
    return parsed;
  }
}
