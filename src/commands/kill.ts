import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../cli/base.js';

export default class Kill extends TsdockCommand {
  static override description = 'Kill one or more running containers';
  static override aliases = ['container:kill'];
  static override argsUsage = '[OPTIONS] CONTAINER [CONTAINER...]';
  static override flags = {
    signal: Flags.string({ char: 's', description: 'Signal to send to the container', default: 'KILL' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(Kill.flags);
    requireArgs(this, args, { min: 1 });
    const { killContainers } = await import('../runtime/verbs/container/kill.js');
    await killContainers(this.ctx, args, { signal: flags.signal });
  }
}
