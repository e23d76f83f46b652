import { TsdockCommand, requireArgs } from '../cli/base.js';

export default class Wait extends TsdockCommand {
  static override description = 'Block until one or more containers stop, then print their exit codes';
  static override aliases = ['container:wait'];
  static override argsUsage = 'CONTAINER [CONTAINER...]';
  static override flags = {};

  async run(): Promise<void> {
    const { args } = this.dockerParse(Wait.flags);
    requireArgs(this, args, { min: 1 });
    const { waitContainers } = await import('../runtime/verbs/container/wait.js');
    await waitContainers(this.ctx, args);
  }
}
