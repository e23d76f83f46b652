import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../../cli/base.js';
import { UsageError } from '../../runtime/errors.js';

export default class VolumeCreate extends TsdockCommand {
  static override description = 'Create a volume';
  static override usage = 'volume create [OPTIONS] [VOLUME]';
  static override flags = {
    driver: Flags.string({ char: 'd', description: 'Specify volume driver name', default: 'local' }),
    name: Flags.string({ description: 'Specify volume name', hidden: true }),
    opt: Flags.string({ char: 'o', description: 'Set driver specific options', multiple: true }),
    label: Flags.string({ description: 'Set metadata for a volume', multiple: true }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(VolumeCreate.flags);
    requireArgs(this, args, { max: 1, usage: '[OPTIONS] [VOLUME]' });
    const positional = args[0];
    const named = flags.name;
    if (positional !== undefined && named) {
      throw new UsageError(
        'conflicting options: cannot specify a volume-name through both --name and as a positional arg',
      );
    }
    const { volumeCreate } = await import('../../runtime/verbs/volume/create.js');
    await volumeCreate(this.ctx, {
      ...((positional ?? named) !== undefined ? { name: positional ?? named } : {}),
      driver: flags.driver,
      options: flags.opt,
      labels: flags.label,
    });
  }
}
