import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../../cli/base.js';

export default class SystemDf extends TsdockCommand {
  static override description = 'Show docker disk usage';
  static override flags = {
    format: Flags.string({ description: 'Format output using a custom template' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(SystemDf.flags);
    requireArgs(this, args, { max: 0, usage: '[OPTIONS]' });
    const { diskUsage } = await import('../../runtime/verbs/system/df.js');
    await diskUsage(this.ctx, { format: flags.format });
  }
}
