import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../../cli/base.js';

export default class ImageLs extends TsdockCommand {
  static override description = 'List images';
  static override aliases = ['images', 'image:list'];
  static override argsUsage = '[OPTIONS] [REPOSITORY[:TAG]]';
  static override flags = {
    all: Flags.boolean({ char: 'a', description: 'Show all images (default hides intermediate images)' }),
    quiet: Flags.boolean({ char: 'q', description: 'Only show image IDs' }),
    digests: Flags.boolean({ description: 'Show digests' }),
    'no-trunc': Flags.boolean({ description: "Don't truncate output" }),
    filter: Flags.string({
      char: 'f',
      description: 'Filter output based on conditions provided',
      multiple: true,
    }),
    format: Flags.string({ description: 'Format output using a custom template' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(ImageLs.flags);
    requireArgs(this, args, { max: 1 });
    const { listImagesCommand } = await import('../../runtime/verbs/image/ls.js');
    await listImagesCommand(this.ctx, {
      reference: args[0],
      all: flags.all,
      quiet: flags.quiet,
      digests: flags.digests,
      noTrunc: flags['no-trunc'],
      filters: flags.filter,
      format: flags.format,
    });
  }
}
