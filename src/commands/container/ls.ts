import { Flags } from '@oclif/core';
import { TsdockCommand } from '../../cli/base.js';
import { int } from '../../cli/flags.js';

export default class ContainerLs extends TsdockCommand {
  static override description = 'List containers';
  static override aliases = ['ps', 'container:list', 'container:ps'];
  static override flags = {
    all: Flags.boolean({ char: 'a', description: 'Show all containers (default shows just running)' }),
    quiet: Flags.boolean({ char: 'q', description: 'Only display container IDs' }),
    last: int({
      char: 'n',
      description: 'Show n last created containers (includes all states)',
      default: -1,
    }),
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
    const { flags } = this.dockerParse();
    const { listContainers } = await import('../../runtime/verbs/container/ls.js');
    const last = flags.latest ? 1 : (flags.last as number);
    await listContainers(this.ctx, {
      all: flags.all as boolean,
      quiet: flags.quiet as boolean,
      last: last > 0 ? last : undefined,
      size: flags.size as boolean,
      noTrunc: flags['no-trunc'] as boolean,
      filters: flags.filter as string[],
      format: flags.format as string | undefined,
    });
  }
}
