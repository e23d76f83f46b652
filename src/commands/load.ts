import { Flags } from '@oclif/core';
import { TsdockCommand } from '../cli/base.js';

export default class Load extends TsdockCommand {
  static override description = 'Load an image from a tar archive or STDIN';
  static override aliases = ['image:load'];
  static override argsUsage = '[OPTIONS]';
  static override flags = {
    input: Flags.string({ char: 'i', description: 'Read from tar archive file, instead of STDIN' }),
    quiet: Flags.boolean({ char: 'q', description: 'Suppress the load output' }),
  };

  async run(): Promise<void> {
    const { flags } = this.dockerParse(Load.flags);
    const { loadCommand } = await import('../runtime/verbs/image/load.js');
    await loadCommand(this.ctx, { input: flags.input, quiet: flags.quiet });
  }
}
