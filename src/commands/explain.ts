import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../cli/base.js';

export default class Explain extends TsdockCommand {
  static override description =
    'Show the kernel objects behind a container: namespaces, cgroup files, overlay dirs, network, runtime chain';
  static override aliases = ['container:explain'];
  static override argsUsage = '[OPTIONS] CONTAINER';
  static override flags = {
    format: Flags.string({ char: 'f', description: '"json" for one JSON document, or a Go template' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(Explain.flags);
    requireArgs(this, args, { exact: 1 });
    const { explainContainer } = await import('../runtime/verbs/container/explain.js');
    await explainContainer(this.ctx, args[0]!, { format: flags.format });
  }
}
