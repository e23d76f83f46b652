import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../../cli/base.js';

export default class ImagePrune extends TsdockCommand {
  static override description = 'Remove unused images';
  static override argsUsage = '[OPTIONS]';
  static override flags = {
    all: Flags.boolean({ char: 'a', description: 'Remove all unused images, not just dangling ones' }),
    filter: Flags.string({ description: 'Provide filter values (e.g. "until=<timestamp>")', multiple: true }),
    force: Flags.boolean({ char: 'f', description: 'Do not prompt for confirmation' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(ImagePrune.flags);
    requireArgs(this, args, { max: 0 });
    const { imagePrune } = await import('../../runtime/verbs/image/prune.js');
    await imagePrune(this.ctx, { all: flags.all, force: flags.force, filters: flags.filter });
  }
}
