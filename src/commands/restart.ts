import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../cli/base.js';
import { int } from '../cli/flags.js';

export default class Restart extends TsdockCommand {
  static override description = 'Restart one or more containers';
  static override aliases = ['container:restart'];
  static override usage = 'restart [OPTIONS] CONTAINER [CONTAINER...]';
  static override flags = {
    time: int({ char: 't', description: 'Seconds to wait before killing the container' }),
    signal: Flags.string({ char: 's', description: 'Signal to send to the container' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse();
    requireArgs(this, args, {
      min: 1,
      usage: '[OPTIONS] CONTAINER [CONTAINER...]',
      summary: Restart.description,
    });
    const { restartContainers } = await import('../runtime/container/verbs.js');
    await restartContainers(this.ctx, args, {
      timeout: flags.time as number | undefined,
      signal: flags.signal as string | undefined,
    });
  }
}
