import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../cli/base.js';

export default class Commit extends TsdockCommand {
  static override description = "Create a new image from a container's changes";
  static override aliases = ['container:commit'];
  static override argsUsage = '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]';
  static override flags = {
    author: Flags.string({
      char: 'a',
      description: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")',
    }),
    change: Flags.string({
      char: 'c',
      description: 'Apply Dockerfile instruction to the created image',
      multiple: true,
    }),
    message: Flags.string({ char: 'm', description: 'Commit message' }),
    pause: Flags.boolean({
      char: 'p',
      description: 'Pause container during commit (default true)',
      default: true,
    }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(Commit.flags);
    requireArgs(this, args, { min: 1, max: 2 });
    const { commitContainer } = await import('../runtime/verbs/container/commit.js');
    await commitContainer(this.ctx, {
      container: args[0]!,
      reference: args[1],
      author: flags.author,
      message: flags.message,
      changes: flags.change,
      pause: flags.pause,
    });
  }
}
