import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../cli/base.js';

export default class Export extends TsdockCommand {
  static override description = "Export a container's filesystem as a tar archive";
  static override aliases = ['container:export'];
  static override argsUsage = '[OPTIONS] CONTAINER';
  static override flags = {
    output: Flags.string({ char: 'o', description: 'Write to a file, instead of STDOUT' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(Export.flags);
    requireArgs(this, args, { exact: 1 });
    const { exportContainer } = await import('../runtime/verbs/container/export.js');
    await exportContainer(this.ctx, { container: args[0]!, output: flags.output });
  }
}
