import { Flags } from '@oclif/core';
import { ComposeCommand, projectFlags, projectOptionsOf, uiOptionsOf } from '../../cli/compose.js';

export default class ComposeKill extends ComposeCommand {
  static override description = 'Force stop service containers';
  static override argsUsage = '[OPTIONS] [SERVICE...]';
  static override flags = {
    ...projectFlags,
    signal: Flags.string({ char: 's', description: 'SIGNAL to send to the container', default: 'SIGKILL' }),
    'remove-orphans': Flags.boolean({
      description: 'Remove containers for services not defined in the Compose file',
    }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(ComposeKill.flags);
    const lifecycle = await import('../../runtime/verbs/compose/lifecycle.js');
    const base = { project: projectOptionsOf(flags), ui: uiOptionsOf(flags), services: args };
    await lifecycle.composeKill(this.ctx, {
      ...base,
      signal: flags.signal as string,
      removeOrphans: flags['remove-orphans'] as boolean,
    });
  }
}
