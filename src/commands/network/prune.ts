import { Flags } from '@oclif/core';
import { TsdockCommand } from '../../cli/base.js';

export default class NetworkPrune extends TsdockCommand {
  static override description = 'Remove all unused networks';
  static override argsUsage = '[OPTIONS]';
  static override flags = {
    filter: Flags.string({ description: 'Provide filter values (e.g. "until=<timestamp>")', multiple: true }),
    force: Flags.boolean({ char: 'f', description: 'Do not prompt for confirmation' }),
  };

  async run(): Promise<void> {
    const { flags } = this.dockerParse(NetworkPrune.flags);
    const { networkPrune } = await import('../../runtime/verbs/network/prune.js');
    await networkPrune(this.ctx, { force: flags.force, filters: flags.filter });
  }
}
