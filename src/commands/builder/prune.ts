import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../../cli/base.js';

export default class BuilderPrune extends TsdockCommand {
  static override description = 'Remove build cache';
  static override argsUsage = '[OPTIONS]';
  static override flags = {
    all: Flags.boolean({ char: 'a', description: 'Remove all unused build cache, not just dangling ones' }),
    force: Flags.boolean({ char: 'f', description: 'Do not prompt for confirmation' }),
    filter: Flags.string({ description: 'Provide filter values (e.g. "until=24h")', multiple: true }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(BuilderPrune.flags);
    requireArgs(this, args, { max: 0 });
    const { builderPrune } = await import('../../runtime/verbs/builder/prune.js');
    await builderPrune(this.ctx, { all: flags.all, force: flags.force, filters: flags.filter });
  }
}
