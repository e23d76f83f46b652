import { Flags } from '@oclif/core';
import { TsdockCommand } from '../cli/base.js';

export default class Version extends TsdockCommand {
  static override description = 'Show the tsdock version information';
  static override argsUsage = '[OPTIONS]';
  // The client part is printed whatever happens; the server part says why it is missing.
  static override usesContainerd = false;
  static override flags = {
    format: Flags.string({ char: 'f', description: 'Format output using a custom template' }),
  };

  async run(): Promise<void> {
    const { flags } = this.dockerParse(Version.flags);
    const { showVersion } = await import('../runtime/verbs/system/version.js');
    await showVersion(this.ctx, { format: flags.format });
  }
}
