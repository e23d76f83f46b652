import { Flags } from '@oclif/core';
import { ComposeCommand, projectFlags, projectOptionsOf, uiOptionsOf } from '../../cli/compose.js';

export default class ComposeStart extends ComposeCommand {
  static override description = 'Start services';
  static override argsUsage = '[OPTIONS] [SERVICE...]';
  static override flags = {
    ...projectFlags,
    wait: Flags.boolean({
      description: 'Wait for services to be running|healthy. Implies detached mode.',
      hidden: true,
    }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(ComposeStart.flags);
    const lifecycle = await import('../../runtime/verbs/compose/lifecycle.js');
    const base = { project: projectOptionsOf(flags), ui: uiOptionsOf(flags), services: args };
    await lifecycle.composeStart(this.ctx, base);
  }
}
