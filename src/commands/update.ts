import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../cli/base.js';

export default class Update extends TsdockCommand {
  static override description = 'Update configuration of one or more containers';
  static override aliases = ['container:update'];
  static override argsUsage = '[OPTIONS] CONTAINER [CONTAINER...]';
  static override flags = {
    cpus: Flags.string({ description: 'Number of CPUs', helpValue: 'decimal' }),
    'cpu-shares': Flags.string({ char: 'c', description: 'CPU shares (relative weight)', helpValue: 'int' }),
    memory: Flags.string({ char: 'm', description: 'Memory limit', helpValue: 'bytes' }),
    'memory-swap': Flags.string({
      description: 'Swap limit equal to memory plus swap: -1 to enable unlimited swap',
      helpValue: 'bytes',
    }),
    'pids-limit': Flags.string({
      description: 'Tune container pids limit (set -1 for unlimited)',
      helpValue: 'int',
    }),
    restart: Flags.string({ description: 'Restart policy to apply when a container exits' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(Update.flags);
    requireArgs(this, args, { min: 1 });
    const { updateContainers } = await import('../runtime/verbs/container/update.js');
    await updateContainers(this.ctx, args, {
      cpus: flags.cpus,
      cpuShares: flags['cpu-shares'],
      memory: flags.memory,
      memorySwap: flags['memory-swap'],
      pidsLimit: flags['pids-limit'],
      restart: flags.restart,
    });
  }
}
