import { Flags } from '@oclif/core';
import { ComposeCommand, many } from '../../cli/compose.js';

export default class ComposeLs extends ComposeCommand {
  static override description = 'List running compose projects';
  static override argsUsage = '[OPTIONS]';
  static override flags = {
    all: Flags.boolean({ char: 'a', description: 'Show all stopped Compose projects' }),
    quiet: Flags.boolean({ char: 'q', description: 'Only display project names' }),
    format: Flags.string({ description: 'Format the output. Values: [table | json]', default: 'table' }),
    filter: many('Filter output based on conditions provided'),
  };

  async run(): Promise<void> {
    const { flags } = this.dockerParse(ComposeLs.flags);
    const { composeLs } = await import('../../runtime/verbs/compose/ls.js');
    await composeLs(this.ctx, {
      all: flags.all as boolean,
      quiet: flags.quiet as boolean,
      format: flags.format as string,
      filters: (flags.filter as string[] | undefined) ?? [],
    });
  }
}
