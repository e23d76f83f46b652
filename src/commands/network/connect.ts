import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../../cli/base.js';

export default class NetworkConnect extends TsdockCommand {
  static override description = 'Connect a container to a network';
  static override argsUsage = '[OPTIONS] NETWORK CONTAINER';
  static override flags = {
    alias: Flags.string({ description: 'Add network-scoped alias for the container', multiple: true }),
    ip: Flags.string({ description: 'IPv4 address (e.g., "172.30.100.104")' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(NetworkConnect.flags);
    requireArgs(this, args, { exact: 2 });
    const { networkConnect } = await import('../../runtime/verbs/network/connect.js');
    await networkConnect(this.ctx, args[0]!, args[1]!, {
      aliases: flags.alias,
      ...(flags.ip ? { ip: flags.ip } : {}),
    });
  }
}
