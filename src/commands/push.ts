import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../cli/base.js';

export default class Push extends TsdockCommand {
  static override description = 'Upload an image to a registry';
  static override aliases = ['image:push'];
  static override argsUsage = '[OPTIONS] NAME[:TAG]';
  static override flags = {
    quiet: Flags.boolean({ char: 'q', description: 'Suppress verbose output' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(Push.flags);
    requireArgs(this, args, { exact: 1 });
    const { pushCommand } = await import('../runtime/verbs/image/push.js');
    await pushCommand(this.ctx, { image: args[0]!, quiet: flags.quiet });
  }
}
