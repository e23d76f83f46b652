import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../../cli/base.js';

export default class VolumeLs extends TsdockCommand {
  static override description = 'List volumes';
  static override aliases = ['volume:list'];
  static override flags = {
    quiet: Flags.boolean({ char: 'q', description: 'Only display volume names' }),
    format: Flags.string({ description: 'Format output using a custom template' }),
    filter: Flags.string({
      char: 'f',
      description: 'Provide filter values (e.g. "dangling=true")',
      multiple: true,
    }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(VolumeLs.flags);
    requireArgs(this, args, { max: 0, usage: '[OPTIONS]' });
    const { volumeList } = await import('../../runtime/verbs/volume/ls.js');
    await volumeList(this.ctx, {
      quiet: flags.quiet,
      format: flags.format,
      filters: flags.filter,
    });
  }
}
