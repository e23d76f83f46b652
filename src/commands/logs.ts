import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../cli/base.js';

export default class Logs extends TsdockCommand {
  static override description = 'Fetch the logs of a container';
  static override aliases = ['container:logs'];
  static override argsUsage = '[OPTIONS] CONTAINER';
  static override flags = {
    follow: Flags.boolean({ char: 'f', description: 'Follow log output' }),
    tail: Flags.string({
      char: 'n',
      description: 'Number of lines to show from the end of the logs',
      default: 'all',
    }),
    timestamps: Flags.boolean({ char: 't', description: 'Show timestamps' }),
    since: Flags.string({
      description: 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m")',
    }),
    until: Flags.string({ description: 'Show logs before a timestamp or relative time' }),
    details: Flags.boolean({ description: 'Show extra details provided to logs' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(Logs.flags);
    requireArgs(this, args, { exact: 1 });
    const { showLogs } = await import('../runtime/verbs/container/logs.js');
    await showLogs(this.ctx, args[0]!, {
      follow: flags.follow,
      tail: flags.tail,
      timestamps: flags.timestamps,
      since: flags.since,
      until: flags.until,
    });
  }
}
