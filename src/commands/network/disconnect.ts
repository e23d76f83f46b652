import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../../cli/base.js';

export default class NetworkDisconnect extends TsdockCommand {
  static override description = 'Disconnect a container from a network';
  static override argsUsage = '[OPTIONS] NETWORK CONTAINER';
  static override flags = {
    force: Flags.boolean({ char: 'f', description: 'Force the container to disconnect from a network' }),
  };

  async run(): Promise<void> {
    const { args } = this.dockerParse(NetworkDisconnect.flags);
    requireArgs(this, args, { exact: 2 });
    const { networkDisconnect } = await import('../../runtime/verbs/network/disconnect.js');
    await networkDisconnect(this.ctx, args[0]!, args[1]!);
  }
}
