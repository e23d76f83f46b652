import { Flags } from '@oclif/core';
import { ComposeCommand } from '../../cli/compose.js';

export default class ComposeVersion extends ComposeCommand {
  static override description = 'Show the Docker Compose version information';
  static override argsUsage = '[OPTIONS]';
  static override flags = {
    short: Flags.boolean({ description: "Shows only Compose's version number" }),
    format: Flags.string({ char: 'f', description: 'Format the output. Values: [pretty | json]' }),
  };

  async run(): Promise<void> {
    const { flags } = this.dockerParse(ComposeVersion.flags);
    const { composeVersion } = await import('../../runtime/verbs/compose/ls.js');
    composeVersion(this.ctx, {
      short: flags.short as boolean,
      ...(flags.format !== undefined ? { format: flags.format as string } : {}),
    });
  }
}
