import { Flags } from '@oclif/core';
import { TsdockCommand } from '../../cli/base.js';

export default class NetworkLs extends TsdockCommand {
  static override description = 'List networks';
  static override aliases = ['network:list'];
  static override argsUsage = '[OPTIONS]';
  static override flags = {
    quiet: Flags.boolean({ char: 'q', description: 'Only display network IDs' }),
    'no-trunc': Flags.boolean({ description: 'Do not truncate the output' }),
    format: Flags.string({ description: 'Format output using a custom template' }),
    filter: Flags.string({
      char: 'f',
      description: "Provide filter values (e.g. 'driver=bridge')",
      multiple: true,
    }),
  };

  async run(): Promise<void> {
    const { flags } = this.dockerParse(NetworkLs.flags);
    const { networkList } = await import('../../runtime/verbs/network/ls.js');
    await networkList(this.ctx, {
      quiet: flags.quiet,
      noTrunc: flags['no-trunc'],
      format: flags.format,
      filters: flags.filter,
    });
  }
}
