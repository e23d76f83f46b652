import { Flags } from '@oclif/core';
import { TsdockCommand } from '../cli/base.js';
import { formatFlag } from '../cli/flags.js';

export default class Version extends TsdockCommand {
  static override description = 'Show the tsdock version information';
  static override flags = { format: formatFlag, f: Flags.string({ hidden: true }) };

  async run(): Promise<void> {
    const { flags } = this.dockerParse();
    const { showVersion } = await import('../runtime/system/version.js');
    await showVersion(this.ctx, { format: (flags.format as string | undefined) ?? undefined });
  }
}
