import {
  ComposeCommand,
  createFlags,
  createOptionsOf,
  projectFlags,
  projectOptionsOf,
  uiOptionsOf,
} from '../../cli/compose.js';

export default class ComposeCreate extends ComposeCommand {
  static override description = 'Creates containers for a service';
  static override argsUsage = '[OPTIONS] [SERVICE...]';
  static override flags = { ...projectFlags, ...createFlags };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(ComposeCreate.flags);
    const { composeCreate } = await import('../../runtime/verbs/compose/up.js');
    await composeCreate(this.ctx, {
      project: projectOptionsOf(flags),
      ui: uiOptionsOf(flags),
      services: args,
      ...createOptionsOf(flags),
    });
  }
}
