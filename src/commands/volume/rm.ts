import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../../cli/base.js';

export default class VolumeRm extends TsdockCommand {
  static override description = 'Remove one or more volumes';
  static override aliases = ['volume:remove'];
  static override flags = {
    force: Flags.boolean({ char: 'f', description: 'Force the removal of one or more volumes' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(VolumeRm.flags);
    requireArgs(this, args, {
      min: 1,
      usage: '[OPTIONS] VOLUME [VOLUME...]',
    });
    const { volumeRemove } = await import('../../runtime/verbs/volume/rm.js');
    await volumeRemove(this.ctx, args, flags.force);
  }
}
