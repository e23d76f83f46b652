import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../cli/base.js';

export default class Save extends TsdockCommand {
  static override description = 'Save one or more images to a tar archive (streamed to STDOUT by default)';
  static override aliases = ['image:save'];
  static override argsUsage = '[OPTIONS] IMAGE [IMAGE...]';
  static override flags = {
    output: Flags.string({ char: 'o', description: 'Write to a file, instead of STDOUT' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(Save.flags);
    requireArgs(this, args, { min: 1 });
    const { saveCommand } = await import('../runtime/verbs/image/save.js');
    await saveCommand(this.ctx, { images: args, output: flags.output });
  }
}
