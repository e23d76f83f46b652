import { Flags } from '@oclif/core';
import { requireArgs } from '../../cli/base.js';
import { int } from '../../cli/flags.js';
import { ComposeCommand, projectFlags, projectOptionsOf } from '../../cli/compose.js';

export default class ComposeCp extends ComposeCommand {
  static override description = 'Copy files/folders between a service container and the local filesystem';
  static override argsUsage =
    '[OPTIONS] SERVICE:SRC_PATH DEST_PATH|-\n\ttsdock compose cp [OPTIONS] SRC_PATH|- SERVICE:DEST_PATH';
  static override flags = {
    ...projectFlags,
    index: int(Flags.integer({ description: 'Index of the container if service has multiple replicas' })),
    all: Flags.boolean({ description: 'Include containers created by the run command', hidden: true }),
    archive: Flags.boolean({ char: 'a', description: 'Archive mode (copy all uid/gid information)' }),
    'follow-link': Flags.boolean({ char: 'L', description: 'Always follow symbol link in SRC_PATH' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(ComposeCp.flags);
    requireArgs(this, args, { exact: 2, usage: ComposeCp.argsUsage });
    const { composeCp } = await import('../../runtime/verbs/compose/inspect.js');
    await composeCp(this.ctx, {
      project: projectOptionsOf(flags),
      source: args[0]!,
      destination: args[1]!,
      ...(flags.index !== undefined ? { index: Number(flags.index) } : {}),
      all: flags.all as boolean,
      archive: flags.archive as boolean,
      followLink: flags['follow-link'] as boolean,
    });
  }
}
