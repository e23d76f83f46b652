import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../../cli/base.js';

export default class SystemRestore extends TsdockCommand {
  static override description =
    'Start the containers whose restart policy asks for it, as dockerd does when it starts (run at boot)';
  static override argsUsage = '[OPTIONS]';
  static override flags = {
    'all-namespaces': Flags.boolean({
      description:
        'Every namespace with tsdock containers, not only the current one (what the boot unit runs)',
    }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(SystemRestore.flags);
    requireArgs(this, args, { max: 0 });
    const { systemRestore } = await import('../../runtime/verbs/system/restore.js');
    await systemRestore(this.ctx, { allNamespaces: flags['all-namespaces'] });
  }
}
