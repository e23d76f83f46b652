import { TsdockCommand, requireArgs } from '../cli/base.js';

export default class Port extends TsdockCommand {
  static override description = 'List port mappings or a specific mapping for the container';
  static override aliases = ['container:port'];
  static override argsUsage = 'CONTAINER [PRIVATE_PORT[/PROTO]]';
  static override flags = {};

  async run(): Promise<void> {
    const { args } = this.dockerParse(Port.flags);
    requireArgs(this, args, { min: 1, max: 2 });
    const { portCommand } = await import('../runtime/verbs/container/port.js');
    await portCommand(this.ctx, args[0]!, args[1]);
  }
}
