import { Flags } from '@oclif/core';
import { TsdockCommand } from '../../cli/base.js';
import { int } from '../../cli/flags.js';

export default class ContainerLs extends TsdockCommand {
  static override description = 'List containers';
  static override aliases = ['ps', 'container:list', 'container:ps'];
  static override argsUsage = '[OPTIONS]';
  static override flags = {
    all: Flags.boolean({ char: 'a', description: 'Show all containers (default shows just running)' }),
    quiet: Flags.boolean({ char: 'q', description: 'Only display container IDs' }),
    last: int(
      Flags.integer({
        char: 'n',
        description: 'Show n last created containers (includes all states)',
        default: -1,
      }),
    ),
    latest: Flags.boolean({
      char: 'l',
      description: 'Show the latest created container (includes all states)',
    }),
    size: Flags.boolean({ char: 's', description: 'Display total file sizes' }),
    'no-trunc': Flags.boolean({ description: "Don't truncate output" }),
    filter: Flags.string({
      char: 'f',
      description: 'Filter output based on conditions provided',
      multiple: true,
    }),
    format: Flags.string({ description: 'Format output using a custom template' }),
  };

  async run(): Promise<void> {
    const { flags } = this.dockerParse(ContainerLs.flags);
    const { listContainers } = await import('../../runtime/verbs/container/ls.js');
    const last = flags.latest ? 1 : flags.last;
    await listContainers(this.ctx, {
      all: flags.all,
      quiet: flags.quiet,
      last: last > 0 ? last : undefined,
      size: flags.size,
      noTrunc: flags['no-trunc'],
      filters: flags.filter,
      format: flags.format,
    });
  }
}
