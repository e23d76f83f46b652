import { Flags } from '@oclif/core';
import { TsdockCommand } from '../cli/base.js';

export default class Stats extends TsdockCommand {
  static override description = 'Display a live stream of container(s) resource usage statistics';
  static override aliases = ['container:stats'];
  static override argsUsage = '[OPTIONS] [CONTAINER...]';
  static override flags = {
    all: Flags.boolean({ char: 'a', description: 'Show all containers (default shows just running)' }),
    format: Flags.string({ description: 'Format output using a custom template' }),
    'no-stream': Flags.boolean({ description: 'Disable streaming stats and only pull the first result' }),
    'no-trunc': Flags.boolean({ description: "Don't truncate output" }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(Stats.flags);
    const { containerStats } = await import('../runtime/verbs/container/stats.js');
    await containerStats(this.ctx, args, {
      all: flags.all,
      format: flags.format,
      noStream: flags['no-stream'],
      noTrunc: flags['no-trunc'],
    });
  }
}
