import { Flags } from '@oclif/core';
import { ComposeCommand, projectFlags, projectOptionsOf, uiOptionsOf } from '../../cli/compose.js';

export default class ComposePull extends ComposeCommand {
  static override description = 'Pull service images';
  static override argsUsage = '[OPTIONS] [SERVICE...]';
  static override flags = {
    ...projectFlags,
    'ignore-pull-failures': Flags.boolean({
      description: 'Pull what it can and ignores images with pull failures',
    }),
    'include-deps': Flags.boolean({ description: 'Also pull services declared as dependencies' }),
    quiet: Flags.boolean({ char: 'q', description: 'Pull without printing progress information' }),
    policy: Flags.string({
      description: 'Apply pull policy ("missing"|"always")',
      options: ['missing', 'always'],
    }),
    'ignore-buildable': Flags.boolean({ description: 'Ignore images that can be built' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(ComposePull.flags);
    const { composePull } = await import('../../runtime/verbs/compose/images.js');
    await composePull(this.ctx, {
      project: projectOptionsOf(flags),
      ui: uiOptionsOf(flags),
      services: args,
      ignorePullFailures: flags['ignore-pull-failures'] as boolean,
      includeDeps: flags['include-deps'] as boolean,
      quiet: flags.quiet as boolean,
      ...(flags.policy !== undefined ? { policy: flags.policy as string } : {}),
    });
  }
}
