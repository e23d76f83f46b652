import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../cli/base.js';
import { int } from '../cli/flags.js';

export default class Stop extends TsdockCommand {
  static override description = 'Stop one or more running containers';
  static override aliases = ['container:stop'];
  static override usage = 'stop [OPTIONS] CONTAINER [CONTAINER...]';
  static override flags = {
    time: int(Flags.integer({ char: 't', description: 'Seconds to wait before killing the container' })),
    signal: Flags.string({ char: 's', description: 'Signal to send to the container' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(Stop.flags);
    requireArgs(this, args, {
      min: 1,
      usage: '[OPTIONS] CONTAINER [CONTAINER...]',
    });
    const { stopContainers } = await import('../runtime/verbs/container/stop.js');
    await stopContainers(this.ctx, args, {
      timeout: flags.time,
      signal: flags.signal,
    });
  }
}
