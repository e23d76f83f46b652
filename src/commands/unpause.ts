import { TsdockCommand, requireArgs } from '../cli/base.js';

export default class Unpause extends TsdockCommand {
  static override description = 'Unpause all processes within one or more containers';
  static override aliases = ['container:unpause'];
  static override argsUsage = 'CONTAINER [CONTAINER...]';
  static override flags = {};

  async run(): Promise<void> {
    const { args } = this.dockerParse(Unpause.flags);
    requireArgs(this, args, { min: 1 });
    const { unpauseContainers } = await import('../runtime/verbs/container/unpause.js');
    await unpauseContainers(this.ctx, args);
  }
}
