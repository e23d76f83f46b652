import { TsdockCommand, requireArgs } from '../cli/base.js';

export default class Pause extends TsdockCommand {
  static override description = 'Pause all processes within one or more containers';
  static override aliases = ['container:pause'];
  static override argsUsage = 'CONTAINER [CONTAINER...]';
  static override flags = {};

  async run(): Promise<void> {
    const { args } = this.dockerParse(Pause.flags);
    requireArgs(this, args, { min: 1 });
    const { pauseContainers } = await import('../runtime/verbs/container/pause.js');
    await pauseContainers(this.ctx, args);
  }
}
