import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../cli/base.js';

export default class Pull extends TsdockCommand {
  static override description = 'Download an image from a registry';
  static override aliases = ['image:pull'];
  static override argsUsage = '[OPTIONS] NAME[:TAG|@DIGEST]';
  static override flags = {
    'all-tags': Flags.boolean({ char: 'a', description: 'Download all tagged images in the repository' }),
    quiet: Flags.boolean({ char: 'q', description: 'Suppress verbose output' }),
    platform: Flags.string({ description: 'Set platform if server is multi-platform capable' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(Pull.flags);
    requireArgs(this, args, { exact: 1 });
    const { pullCommand } = await import('../runtime/verbs/image/pull.js');
    await pullCommand(this.ctx, {
      image: args[0]!,
      quiet: flags.quiet,
      allTags: flags['all-tags'],
      platform: flags.platform ?? process.env.DOCKER_DEFAULT_PLATFORM,
    });
  }
}
