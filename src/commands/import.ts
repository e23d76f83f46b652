import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../cli/base.js';

export default class Import extends TsdockCommand {
  static override description = 'Import the contents from a tarball to create a filesystem image';
  static override aliases = ['image:import'];
  static override argsUsage = '[OPTIONS] file|URL|- [REPOSITORY[:TAG]]';
  static override flags = {
    change: Flags.string({
      char: 'c',
      description: 'Apply Dockerfile instruction to the created image',
      multiple: true,
    }),
    message: Flags.string({ char: 'm', description: 'Set commit message for imported image' }),
    platform: Flags.string({ description: 'Set platform if server is multi-platform capable' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(Import.flags);
    requireArgs(this, args, { min: 1, max: 2 });
    const { importCommand } = await import('../runtime/verbs/image/import.js');
    await importCommand(this.ctx, {
      source: args[0]!,
      ref: args[1],
      changes: flags.change,
      message: flags.message,
    });
  }
}
