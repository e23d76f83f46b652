import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../cli/base.js';

export default class Inspect extends TsdockCommand {
  static override description = 'Return low-level information on Docker objects';
  static override argsUsage = '[OPTIONS] NAME|ID [NAME|ID...]';
  static override flags = {
    format: Flags.string({ char: 'f', description: 'Format output using a custom template' }),
    type: Flags.string({ description: 'Only inspect objects of the given type' }),
    size: Flags.boolean({ char: 's', description: 'Display total file sizes if the type is container' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(Inspect.flags);
    requireArgs(this, args, { min: 1 });
    const { inspectObjects } = await import('../runtime/verbs/system/inspect.js');
    await inspectObjects(this.ctx, args, {
      format: flags.format,
      type: flags.type,
      size: flags.size,
    });
  }
}
