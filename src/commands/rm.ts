import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../cli/base.js';

export default class Rm extends TsdockCommand {
  static override description = 'Remove one or more containers';
  static override aliases = ['container:rm', 'container:remove'];
  static override argsUsage = '[OPTIONS] CONTAINER [CONTAINER...]';
  static override flags = {
    force: Flags.boolean({
      char: 'f',
      description: 'Force the removal of a running container (uses SIGKILL)',
    }),
    volumes: Flags.boolean({
      char: 'v',
      description: 'Remove anonymous volumes associated with the container',
    }),
    link: Flags.boolean({ char: 'l', description: 'Remove the specified link', hidden: true }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(Rm.flags);
    requireArgs(this, args, { min: 1 });
    const { containerRemove } = await import('../runtime/verbs/container/rm.js');
    await containerRemove(this.ctx, args, { force: flags.force, volumes: flags.volumes });
  }
}
