import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../cli/base.js';

export default class History extends TsdockCommand {
  static override description = 'Show the history of an image';
  static override aliases = ['image:history'];
  static override argsUsage = '[OPTIONS] IMAGE';
  static override flags = {
    human: Flags.boolean({
      char: 'H',
      description: 'Print sizes and dates in human readable format',
      default: true,
    }),
    quiet: Flags.boolean({ char: 'q', description: 'Only show image IDs' }),
    'no-trunc': Flags.boolean({ description: "Don't truncate output" }),
    format: Flags.string({ description: 'Format output using a custom template' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(History.flags);
    requireArgs(this, args, { exact: 1 });
    const { historyCommand } = await import('../runtime/verbs/image/history.js');
    await historyCommand(this.ctx, {
      image: args[0]!,
      human: flags.human,
      quiet: flags.quiet,
      noTrunc: flags['no-trunc'],
      format: flags.format,
    });
  }
}
