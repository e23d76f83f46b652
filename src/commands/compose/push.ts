import { Flags } from '@oclif/core';
import { ComposeCommand, projectFlags, projectOptionsOf, uiOptionsOf } from '../../cli/compose.js';

export default class ComposePush extends ComposeCommand {
  static override description = 'Push service images';
  static override argsUsage = '[OPTIONS] [SERVICE...]';
  static override flags = {
    ...projectFlags,
    'ignore-push-failures': Flags.boolean({
      description: 'Push what it can and ignores images with push failures',
    }),
    quiet: Flags.boolean({ char: 'q', description: 'Push without printing progress information' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(ComposePush.flags);
    const { composePush } = await import('../../runtime/verbs/compose/images.js');
    await composePush(this.ctx, {
      project: projectOptionsOf(flags),
      ui: uiOptionsOf(flags),
      services: args,
      ignorePushFailures: flags['ignore-push-failures'] as boolean,
      quiet: flags.quiet as boolean,
    });
  }
}
