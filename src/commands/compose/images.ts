import { Flags } from '@oclif/core';
import { ComposeCommand, projectFlags, projectOptionsOf } from '../../cli/compose.js';

export default class ComposeImages extends ComposeCommand {
  static override description = 'List images used by the created containers';
  static override argsUsage = '[OPTIONS] [SERVICE...]';
  static override flags = {
    ...projectFlags,
    quiet: Flags.boolean({ char: 'q', description: 'Only display IDs' }),
    format: Flags.string({ description: 'Format the output. Values: [table | json]' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(ComposeImages.flags);
    const { composeImages } = await import('../../runtime/verbs/compose/images.js');
    await composeImages(this.ctx, {
      project: projectOptionsOf(flags),
      services: args,
      quiet: flags.quiet as boolean,
      ...(flags.format !== undefined ? { format: flags.format as string } : {}),
    });
  }
}
