import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../cli/base.js';

export default class Start extends TsdockCommand {
  static override description = 'Start one or more stopped containers';
  static override aliases = ['container:start'];
  static override argsUsage = '[OPTIONS] CONTAINER [CONTAINER...]';
  static override flags = {
    attach: Flags.boolean({ char: 'a', description: 'Attach STDOUT/STDERR and forward signals' }),
    interactive: Flags.boolean({ char: 'i', description: "Attach container's STDIN" }),
    'detach-keys': Flags.string({ description: 'Override the key sequence for detaching a container' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(Start.flags);
    requireArgs(this, args, { min: 1 });
    const { containerStart } = await import('../runtime/verbs/container/start.js');
    await containerStart(this.ctx, args, {
      attach: flags.attach,
      interactive: flags.interactive,
      detachKeys: flags['detach-keys'],
    });
  }
}
