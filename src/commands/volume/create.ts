import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../../cli/base.js';

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
    const { volumeCreate } = await import('../../runtime/verbs/volume/create.js');
    await volumeCreate(this.ctx, {
      ...(args[0] !== undefined ? { name: args[0] } : {}),
      ...(flags.name !== undefined ? { nameFlag: flags.name } : {}),
      driver: flags.driver,
      options: flags.opt,
      labels: flags.label,
    });
  }
}
