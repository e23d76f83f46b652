import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../cli/base.js';

export default class Login extends TsdockCommand {
  static override description = 'Authenticate to a registry';
  static override argsUsage = '[OPTIONS] [SERVER]';
  static override usesContainerd = false;
  static override flags = {
    username: Flags.string({ char: 'u', description: 'Username' }),
    password: Flags.string({ char: 'p', description: 'Password or Personal Access Token (PAT)' }),
    'password-stdin': Flags.boolean({
      description: 'Take the Password or Personal Access Token (PAT) from stdin',
    }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(Login.flags);
    requireArgs(this, args, { max: 1 });
    const { loginCommand } = await import('../runtime/verbs/registry/login.js');
    await loginCommand(this.ctx, {
      server: args[0],
      username: flags.username,
      password: flags.password,
      passwordStdin: flags['password-stdin'],
    });
  }
}
