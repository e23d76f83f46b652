import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../../cli/base.js';

export default class VolumeInspect extends TsdockCommand {
  static override description = 'Display detailed information on one or more volumes';
  static override flags = {
    format: Flags.string({ char: 'f', description: 'Format output using a custom template' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(VolumeInspect.flags);
    requireArgs(this, args, {
      min: 1,
      usage: '[OPTIONS] VOLUME [VOLUME...]',
    });
    const { volumeInspect } = await import('../../runtime/verbs/volume/inspect.js');
    await volumeInspect(this.ctx, args, flags.format);
  }
}
