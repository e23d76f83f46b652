import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../../cli/base.js';

export default class VolumePrune extends TsdockCommand {
  static override description = 'Remove unused local volumes';
  static override flags = {
    all: Flags.boolean({ char: 'a', description: 'Remove all unused volumes, not just anonymous ones' }),
    force: Flags.boolean({ char: 'f', description: 'Do not prompt for confirmation' }),
    filter: Flags.string({ description: 'Provide filter values (e.g. "label=<label>")', multiple: true }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(VolumePrune.flags);
    requireArgs(this, args, { max: 0, usage: '[OPTIONS]' });
    const { volumePrune } = await import('../../runtime/verbs/volume/prune.js');
    await volumePrune(this.ctx, {
      all: flags.all,
      force: flags.force,
      filters: flags.filter,
    });
  }
}
