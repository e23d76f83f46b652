import { Flags } from '@oclif/core';
import { TsdockCommand } from '../cli/base.js';

export default class Info extends TsdockCommand {
  static override description = 'Display system-wide information';
  static override aliases = ['system:info'];
  static override argsUsage = '[OPTIONS]';
  static override flags = {
    format: Flags.string({ char: 'f', description: 'Format output using a custom template' }),
  };

  async run(): Promise<void> {
    const { flags } = this.dockerParse(Info.flags);
    const { showInfo } = await import('../runtime/verbs/system/info.js');
    await showInfo(this.ctx, { format: flags.format });
  }
}
