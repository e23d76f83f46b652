import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../cli/base.js';

export default class Attach extends TsdockCommand {
  static override description =
    'Attach local standard input, output, and error streams to a running container';
  static override aliases = ['container:attach'];
  static override argsUsage = '[OPTIONS] CONTAINER';
  static override flags = {
    'detach-keys': Flags.string({ description: 'Override the key sequence for detaching a container' }),
    'no-stdin': Flags.boolean({ description: 'Do not attach STDIN' }),
    'sig-proxy': Flags.boolean({ description: 'Proxy all received signals to the process', default: true }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(Attach.flags);
    requireArgs(this, args, { exact: 1 });
    const { attachToContainer } = await import('../runtime/verbs/container/attach.js');
    await attachToContainer(this.ctx, args[0]!, {
      noStdin: flags['no-stdin'],
      sigProxy: flags['sig-proxy'],
      detachKeys: flags['detach-keys'],
    });
  }
}
