import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../cli/base.js';

// docker/cli's Use line: the second form is spelled out with the binary's name.
const ARGS = '[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\ttsdock cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH';

export default class Cp extends TsdockCommand {
  static override description = 'Copy files/folders between a container and the local filesystem';
  static override aliases = ['container:cp'];
  static override argsUsage = ARGS;
  static override flags = {
    archive: Flags.boolean({ char: 'a', description: 'Archive mode (copy all uid/gid information)' }),
    'follow-link': Flags.boolean({ char: 'L', description: 'Always follow symbol link in SRC_PATH' }),
    quiet: Flags.boolean({
      char: 'q',
      description:
        'Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached',
    }),
  };

  async run(): Promise<void> {
    const { flags, args, given } = this.dockerParse(Cp.flags);
    requireArgs(this, args, { exact: 2 });
    const { copyCommand } = await import('../runtime/verbs/container/cp.js');
    await copyCommand(this.ctx, {
      source: args[0]!,
      destination: args[1]!,
      followLink: flags['follow-link'],
      archive: flags.archive,
      quiet: given.has('quiet') ? flags.quiet : undefined,
    });
  }
}
