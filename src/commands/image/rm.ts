import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../../cli/base.js';

export default class ImageRm extends TsdockCommand {
  static override description = 'Remove one or more images';
  static override aliases = ['rmi', 'image:remove'];
  static override argsUsage = '[OPTIONS] IMAGE [IMAGE...]';
  static override flags = {
    force: Flags.boolean({ char: 'f', description: 'Force removal of the image' }),
    'no-prune': Flags.boolean({ description: 'Do not delete untagged parents' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(ImageRm.flags);
    requireArgs(this, args, { min: 1 });
    const { imageRemove } = await import('../../runtime/verbs/image/rm.js');
    await imageRemove(this.ctx, { images: args, force: flags.force });
  }
}
