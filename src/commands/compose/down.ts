import { Flags } from '@oclif/core';
import { int } from '../../cli/flags.js';
import { ComposeCommand, projectFlags, projectOptionsOf, timeoutOf, uiOptionsOf } from '../../cli/compose.js';

export default class ComposeDown extends ComposeCommand {
  static override description = 'Stop and remove containers, networks';
  static override argsUsage = '[OPTIONS] [SERVICES]';
  static override flags = {
    ...projectFlags,
    volumes: Flags.boolean({
      char: 'v',
      description:
        'Remove named volumes declared in the "volumes" section of the Compose file and anonymous volumes attached to containers',
    }),
    rmi: Flags.string({
      description:
        'Remove images used by services. "local" remove only images that don\'t have a custom tag ("local"|"all")',
    }),
    'remove-orphans': Flags.boolean({
      description: 'Remove containers for services not defined in the Compose file',
    }),
    timeout: int(Flags.integer({ char: 't', description: 'Specify a shutdown timeout in seconds' })),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(ComposeDown.flags);
    const { composeDown } = await import('../../runtime/verbs/compose/down.js');
    await composeDown(this.ctx, {
      project: projectOptionsOf(flags),
      ui: uiOptionsOf(flags),
      services: args,
      volumes: flags.volumes as boolean,
      ...(flags.rmi !== undefined ? { rmi: flags.rmi as string } : {}),
      removeOrphans: (flags['remove-orphans'] as boolean) || process.env.COMPOSE_REMOVE_ORPHANS === 'true',
      ...(timeoutOf(flags) !== undefined ? { timeout: timeoutOf(flags) } : {}),
    });
  }
}
