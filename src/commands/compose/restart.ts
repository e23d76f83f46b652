import { Flags } from '@oclif/core';
import { int } from '../../cli/flags.js';
import { ComposeCommand, projectFlags, projectOptionsOf, timeoutOf, uiOptionsOf } from '../../cli/compose.js';

export default class ComposeRestart extends ComposeCommand {
  static override description = 'Restart service containers';
  static override argsUsage = '[OPTIONS] [SERVICE...]';
  static override flags = {
    ...projectFlags,
    timeout: int(Flags.integer({ char: 't', description: 'Specify a shutdown timeout in seconds' })),
    'no-deps': Flags.boolean({ description: "Don't restart dependent services" }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(ComposeRestart.flags);
    const lifecycle = await import('../../runtime/verbs/compose/lifecycle.js');
    const base = { project: projectOptionsOf(flags), ui: uiOptionsOf(flags), services: args };
    await lifecycle.composeRestart(this.ctx, {
      ...base,
      noDeps: flags['no-deps'] as boolean,
      ...(timeoutOf(flags) !== undefined ? { timeout: timeoutOf(flags) } : {}),
    });
  }
}
