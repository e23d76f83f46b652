import { Flags } from '@oclif/core';
import { int } from '../../cli/flags.js';
import { ComposeCommand, projectFlags, projectOptionsOf, timeoutOf, uiOptionsOf } from '../../cli/compose.js';

export default class ComposeStop extends ComposeCommand {
  static override description = 'Stop services';
  static override argsUsage = '[OPTIONS] [SERVICE...]';
  static override flags = {
    ...projectFlags,
    timeout: int(Flags.integer({ char: 't', description: 'Specify a shutdown timeout in seconds' })),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(ComposeStop.flags);
    const lifecycle = await import('../../runtime/verbs/compose/lifecycle.js');
    const base = { project: projectOptionsOf(flags), ui: uiOptionsOf(flags), services: args };
    await lifecycle.composeStop(this.ctx, {
      ...base,
      ...(timeoutOf(flags) !== undefined ? { timeout: timeoutOf(flags) } : {}),
    });
  }
}
