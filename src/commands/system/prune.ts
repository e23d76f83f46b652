import { Flags } from '@oclif/core';
import { TsdockCommand } from '../../cli/base.js';

export default class SystemPrune extends TsdockCommand {
  static override description = 'Remove unused data';
  static override flags = {
    force: Flags.boolean({ char: 'f', description: 'Do not prompt for confirmation' }),
  };

  async run(): Promise<void> {
    const { flags } = this.dockerParse(SystemPrune.flags);
    const { systemPrune } = await import('../../runtime/verbs/system/prune.js');
    await systemPrune(this.ctx, flags.force);
  }
}
