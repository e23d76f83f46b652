import { Flags } from '@oclif/core';
import { ComposeCommand, many, projectFlags, projectOptionsOf } from '../../cli/compose.js';

export default class ComposePs extends ComposeCommand {
  static override description = 'List containers';
  static override argsUsage = '[OPTIONS] [SERVICE...]';
  static override flags = {
    ...projectFlags,
    all: Flags.boolean({
      char: 'a',
      description: 'Show all stopped containers (including those created by the run command)',
    }),
    quiet: Flags.boolean({ char: 'q', description: 'Only display IDs' }),
    services: Flags.boolean({ description: 'Display services' }),
    status: many(
      'Filter services by status. Values: [paused | restarting | removing | running | dead | created | exited]',
    ),
    filter: Flags.string({ description: 'Filter services by a property (supported filters: status)' }),
    format: Flags.string({
      description: 'Format output using a custom template: table, json, or a Go template',
    }),
    'no-trunc': Flags.boolean({ description: "Don't truncate output" }),
    orphans: Flags.boolean({
      description: 'Include orphaned services (not declared by project)',
      default: true,
      allowNo: true,
    }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(ComposePs.flags);
    const { composePs } = await import('../../runtime/verbs/compose/ps.js');
    await composePs(this.ctx, {
      project: projectOptionsOf(flags),
      services: args,
      all: flags.all as boolean,
      quiet: flags.quiet as boolean,
      listServices: flags.services as boolean,
      status: (flags.status as string[] | undefined) ?? [],
      ...(flags.filter !== undefined ? { filter: flags.filter as string } : {}),
      ...(flags.format !== undefined ? { format: flags.format as string } : {}),
      noTrunc: flags['no-trunc'] as boolean,
      orphans: flags.orphans as boolean,
    });
  }
}
