import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../../cli/base.js';

export default class ImageInspect extends TsdockCommand {
  static override description = 'Display detailed information on one or more images';
  static override argsUsage = '[OPTIONS] IMAGE [IMAGE...]';
  static override flags = {
    format: Flags.string({ char: 'f', description: 'Format output using a custom template' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(ImageInspect.flags);
    requireArgs(this, args, { min: 1 });
    const { inspectObjects } = await import('../../runtime/verbs/system/inspect.js');
    await inspectObjects(this.ctx, args, {
      format: flags.format,
      type: 'image',
      size: false,
    });
  }
}
