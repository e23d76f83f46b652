import { TsdockCommand, requireArgs } from '../cli/base.js';
import Stop, { stopOptions } from './stop.js';

export default class Restart extends TsdockCommand {
  static override description = 'Restart one or more containers';
  static override aliases = ['container:restart'];
  static override argsUsage = '[OPTIONS] CONTAINER [CONTAINER...]';
  // Docker's restart takes exactly stop's flags.
  static override flags = Stop.flags;

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(Restart.flags);
    requireArgs(this, args, { min: 1 });
    const { restartContainers } = await import('../runtime/verbs/container/restart.js');
    await restartContainers(this.ctx, args, stopOptions(this, flags));
  }
}
