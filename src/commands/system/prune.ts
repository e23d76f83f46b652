import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../../cli/base.js';

export default class SystemPrune extends TsdockCommand {
  static override description = 'Remove unused data';
  static override argsUsage = '[OPTIONS]';
  static override flags = {
    all: Flags.boolean({ char: 'a', description: 'Remove all unused images not just dangling ones' }),
    filter: Flags.string({
      description: 'Provide filter values (e.g. "label=<key>=<value>")',
      multiple: true,
    }),
    force: Flags.boolean({ char: 'f', description: 'Do not prompt for confirmation' }),
    volumes: Flags.boolean({ description: 'Prune anonymous volumes' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(SystemPrune.flags);
    requireArgs(this, args, { max: 0 });
    const { systemPrune } = await import('../../runtime/verbs/system/prune.js');
    await systemPrune(this.ctx, {
      force: flags.force,
      all: flags.all,
      volumes: flags.volumes,
      filters: flags.filter,
    });
  }
}
