import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../cli/base.js';

export default class Exec extends TsdockCommand {
  static override description = 'Execute a command in a running container';
  static override aliases = ['container:exec'];
  static override interspersed = false;
  static override argsUsage = '[OPTIONS] CONTAINER COMMAND [ARG...]';
  static override flags = {
    detach: Flags.boolean({ char: 'd', description: 'Detached mode: run command in the background' }),
    'detach-keys': Flags.string({ description: 'Override the key sequence for detaching a container' }),
    env: Flags.string({ char: 'e', multiple: true, description: 'Set environment variables' }),
    'env-file': Flags.string({ multiple: true, description: 'Read in a file of environment variables' }),
    interactive: Flags.boolean({ char: 'i', description: 'Keep STDIN open even if not attached' }),
    privileged: Flags.boolean({ description: 'Give extended privileges to the command' }),
    tty: Flags.boolean({ char: 't', description: 'Allocate a pseudo-TTY' }),
    user: Flags.string({ char: 'u', description: 'Username or UID (format: "<name|uid>[:<group|gid>]")' }),
    workdir: Flags.string({ char: 'w', description: 'Working directory inside the container' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(Exec.flags);
    requireArgs(this, args, { min: 2 });
    const { execInContainer } = await import('../runtime/verbs/container/exec.js');
    await execInContainer(this.ctx, {
      container: args[0]!,
      command: args.slice(1),
      interactive: flags.interactive,
      tty: flags.tty,
      detach: flags.detach,
      env: flags.env,
      envFile: flags['env-file'],
      workdir: flags.workdir,
      user: flags.user,
      privileged: flags.privileged,
      detachKeys: flags['detach-keys'],
    });
  }
}
