import { TsdockCommand, requireArgs } from '../cli/base.js';

export default class Logout extends TsdockCommand {
  static override description = 'Log out from a registry';
  static override argsUsage = '[SERVER]';
  static override usesContainerd = false;
  static override flags = {};

  async run(): Promise<void> {
    const { args } = this.dockerParse(Logout.flags);
    requireArgs(this, args, { max: 1 });
    const { logoutCommand } = await import('../runtime/verbs/registry/logout.js');
    await logoutCommand(this.ctx, args[0]);
  }
}
