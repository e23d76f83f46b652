import { ComposeCommand, projectFlags, projectOptionsOf } from '../../cli/compose.js';

export default class ComposeTop extends ComposeCommand {
  static override description = 'Display the running processes';
  static override argsUsage = '[SERVICES...]';
  static override flags = { ...projectFlags };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(ComposeTop.flags);
    const { composeTop } = await import('../../runtime/verbs/compose/inspect.js');
    await composeTop(this.ctx, { project: projectOptionsOf(flags), services: args });
  }
}
