import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../../cli/base.js';

export default class NetworkRm extends TsdockCommand {
  static override description = 'Remove one or more networks';
  static override aliases = ['network:remove'];
  static override argsUsage = 'NETWORK [NETWORK...]';
  static override flags = {
    force: Flags.boolean({ char: 'f', description: 'Do not error if the network does not exist' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(NetworkRm.flags);
    requireArgs(this, args, { min: 1 });
    const { networkRemove } = await import('../../runtime/verbs/network/rm.js');
    await networkRemove(this.ctx, args, flags.force);
  }
}
