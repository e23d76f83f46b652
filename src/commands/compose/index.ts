import { TsdockCommand } from '../../cli/base.js';
import { HelpRequested } from '../../cli/base.js';

export default class Compose extends TsdockCommand {
  static override description = 'Docker Compose: define and run multi-container applications';
  static override argsUsage = '[OPTIONS] COMMAND';

  async run(): Promise<void> {
    throw new HelpRequested();
  }
}
