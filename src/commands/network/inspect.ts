import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../../cli/base.js';

export default class NetworkInspect extends TsdockCommand {
  static override description = 'Display detailed information on one or more networks';
  static override argsUsage = '[OPTIONS] NETWORK [NETWORK...]';
  static override flags = {
    format: Flags.string({ char: 'f', description: 'Format output using a custom template' }),
    verbose: Flags.boolean({ char: 'v', description: 'Verbose output for diagnostics' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(NetworkInspect.flags);
    requireArgs(this, args, { min: 1 });
    const { networkInspect } = await import('../../runtime/verbs/network/inspect.js');
    await networkInspect(this.ctx, args, flags.format);
  }
}
