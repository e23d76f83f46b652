import { Flags } from '@oclif/core';
import { requireArgs } from '../../cli/base.js';
import { int } from '../../cli/flags.js';
import { ComposeCommand, projectFlags, projectOptionsOf } from '../../cli/compose.js';

export default class ComposePort extends ComposeCommand {
  static override description = 'Print the public port for a port binding';
  static override argsUsage = '[OPTIONS] SERVICE PRIVATE_PORT';
  static override flags = {
    ...projectFlags,
    protocol: Flags.string({ description: 'tcp or udp', default: 'tcp' }),
    index: int(Flags.integer({ description: 'Index of the container if service has multiple replicas' })),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(ComposePort.flags);
    requireArgs(this, args, { exact: 2, usage: ComposePort.argsUsage });
    const { composePort } = await import('../../runtime/verbs/compose/inspect.js');
    await composePort(this.ctx, {
      project: projectOptionsOf(flags),
      service: args[0]!,
      port: args[1]!,
      protocol: flags.protocol as string,
      ...(flags.index !== undefined ? { index: Number(flags.index) } : {}),
    });
  }
}
