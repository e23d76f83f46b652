import { Flags } from '@oclif/core';
import { ComposeCommand, projectFlags, projectOptionsOf, uiOptionsOf } from '../../cli/compose.js';

export default class ComposeRm extends ComposeCommand {
  static override description = 'Removes stopped service containers';
  static override argsUsage = '[OPTIONS] [SERVICE...]';
  static override flags = {
    ...projectFlags,
    force: Flags.boolean({ char: 'f', description: "Don't ask to confirm removal" }),
    stop: Flags.boolean({ char: 's', description: 'Stop the containers, if required, before removing' }),
    volumes: Flags.boolean({ char: 'v', description: 'Remove any anonymous volumes attached to containers' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(ComposeRm.flags);
    const lifecycle = await import('../../runtime/verbs/compose/lifecycle.js');
    const base = { project: projectOptionsOf(flags), ui: uiOptionsOf(flags), services: args };
    await lifecycle.composeRm(this.ctx, {
      ...base,
      force: flags.force as boolean,
      stop: flags.stop as boolean,
      volumes: flags.volumes as boolean,
    });
  }
}
