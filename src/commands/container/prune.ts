import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../../cli/base.js';

export default class ContainerPrune extends TsdockCommand {
  static override description = 'Remove all stopped containers';
  static override argsUsage = '[OPTIONS]';
  static override flags = {
    filter: Flags.string({ description: 'Provide filter values (e.g. "until=<timestamp>")', multiple: true }),
    force: Flags.boolean({ char: 'f', description: 'Do not prompt for confirmation' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(ContainerPrune.flags);
    requireArgs(this, args, { max: 0 });
    const { pruneContainers } = await import('../../runtime/verbs/container/prune.js');
    await pruneContainers(this.ctx, {
      force: flags.force,
      filters: flags.filter,
    });
  }
}
