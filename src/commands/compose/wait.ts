import { Flags } from '@oclif/core';
import { requireArgs } from '../../cli/base.js';
import { ComposeCommand, projectFlags, projectOptionsOf, uiOptionsOf } from '../../cli/compose.js';

export default class ComposeWait extends ComposeCommand {
  static override description = 'Block until containers of all (or specified) services stop.';
  static override argsUsage = 'SERVICE [SERVICE...] [OPTIONS]';
  static override flags = {
    ...projectFlags,
    'down-project': Flags.boolean({ description: 'Drops project when the first container stops' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(ComposeWait.flags);
    requireArgs(this, args, { min: 1, usage: ComposeWait.argsUsage });
    const { composeWait } = await import('../../runtime/verbs/compose/inspect.js');
    const { composeDown } = await import('../../runtime/verbs/compose/down.js');
    const project = projectOptionsOf(flags);
    await composeWait(
      this.ctx,
      { project, services: args, downProject: flags['down-project'] as boolean },
      () =>
        composeDown(this.ctx, {
          project,
          ui: uiOptionsOf(flags),
          services: [],
          volumes: false,
          removeOrphans: true,
        }),
    );
  }
}
