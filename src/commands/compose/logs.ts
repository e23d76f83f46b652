import { Flags } from '@oclif/core';
import { int } from '../../cli/flags.js';
import { ComposeCommand, projectFlags, projectOptionsOf, uiOptionsOf } from '../../cli/compose.js';

export default class ComposeLogs extends ComposeCommand {
  static override description = 'View output from containers';
  static override argsUsage = '[OPTIONS] [SERVICE...]';
  static override flags = {
    ...projectFlags,
    follow: Flags.boolean({ char: 'f', description: 'Follow log output' }),
    tail: Flags.string({
      char: 'n',
      description: 'Number of lines to show from the end of the logs for each container',
      default: 'all',
    }),
    timestamps: Flags.boolean({ char: 't', description: 'Show timestamps' }),
    since: Flags.string({
      description:
        'Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)',
    }),
    until: Flags.string({
      description:
        'Show logs before a timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)',
    }),
    'no-color': Flags.boolean({ description: 'Produce monochrome output' }),
    'no-log-prefix': Flags.boolean({ description: "Don't print prefix in logs" }),
    index: int(Flags.integer({ description: 'index of the container if service has multiple replicas' })),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(ComposeLogs.flags);
    const { composeLogs } = await import('../../runtime/verbs/compose/logs.js');
    await composeLogs(this.ctx, {
      project: projectOptionsOf(flags),
      ui: uiOptionsOf(flags),
      services: args,
      follow: flags.follow as boolean,
      tail: flags.tail as string,
      timestamps: flags.timestamps as boolean,
      ...(flags.since !== undefined ? { since: flags.since as string } : {}),
      ...(flags.until !== undefined ? { until: flags.until as string } : {}),
      noColor: flags['no-color'] as boolean,
      noLogPrefix: flags['no-log-prefix'] as boolean,
      ...(flags.index !== undefined ? { index: Number(flags.index) } : {}),
    });
  }
}
