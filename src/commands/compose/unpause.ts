import { ComposeCommand, projectFlags, projectOptionsOf, uiOptionsOf } from '../../cli/compose.js';

export default class ComposeUnpause extends ComposeCommand {
  static override description = 'Unpause services';
  static override argsUsage = '[OPTIONS] [SERVICE...]';
  static override flags = {
    ...projectFlags,
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(ComposeUnpause.flags);
    const lifecycle = await import('../../runtime/verbs/compose/lifecycle.js');
    const base = { project: projectOptionsOf(flags), ui: uiOptionsOf(flags), services: args };
    await lifecycle.composePause(this.ctx, { ...base, unpause: true });
  }
}
