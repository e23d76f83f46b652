import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../../cli/base.js';

export default class ContainerInspect extends TsdockCommand {
  static override description = 'Display detailed information on one or more containers';
  static override argsUsage = '[OPTIONS] CONTAINER [CONTAINER...]';
  static override flags = {
    format: Flags.string({ char: 'f', description: 'Format output using a custom template' }),
    size: Flags.boolean({ char: 's', description: 'Display total file sizes' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(ContainerInspect.flags);
    requireArgs(this, args, { min: 1 });
    const { inspectObjects } = await import('../../runtime/verbs/system/inspect.js');
    await inspectObjects(this.ctx, args, {
      format: flags.format,
      type: 'container',
      size: flags.size,
    });
  }
}
