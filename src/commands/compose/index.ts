import { HelpRequested } from '../../cli/base.js';
import { ComposeCommand, projectFlags } from '../../cli/compose.js';

/** `tsdock compose` alone: its help, listing the project options (hidden on each subcommand). */
export default class Compose extends ComposeCommand {
  static override description = 'Docker Compose: define and run multi-container applications';
  static override argsUsage = '[OPTIONS] COMMAND';
  static override flags = Object.fromEntries(
    Object.entries(projectFlags).map(([k, f]) => [
      k,
      { ...f, hidden: false, ...(k === 'project-name' ? { char: 'p' } : {}) },
    ]),
  ) as typeof projectFlags;

  async run(): Promise<void> {
    throw new HelpRequested();
  }
}
