import { Flags } from '@oclif/core';
import { requireArgs } from '../../cli/base.js';
import { int } from '../../cli/flags.js';
import { ComposeCommand, many, projectFlags, projectOptionsOf } from '../../cli/compose.js';

export default class ComposeExec extends ComposeCommand {
  static override description = 'Execute a command in a running container';
  static override interspersed = false;
  static override argsUsage = '[OPTIONS] SERVICE COMMAND [ARGS...]';
  static override flags = {
    ...projectFlags,
    detach: Flags.boolean({ char: 'd', description: 'Detached mode: Run command in the background' }),
    env: Object.assign(many('Set environment variables'), { char: 'e' as const }),
    index: int(Flags.integer({ description: 'Index of the container if service has multiple replicas' })),
    privileged: Flags.boolean({ description: 'Give extended privileges to the process' }),
    user: Flags.string({ char: 'u', description: 'Run the command as this user' }),
    'no-tty': Flags.boolean({
      char: 'T',
      description: "Disable pseudo-TTY allocation. By default 'docker compose exec' allocates a TTY.",
    }),
    workdir: Flags.string({ char: 'w', description: 'Path to workdir directory for this command' }),
    interactive: Flags.boolean({
      char: 'i',
      description: 'Keep STDIN open even if not attached',
      hidden: true,
      default: true,
    }),
    tty: Flags.boolean({ char: 't', description: 'Allocate a pseudo-TTY', hidden: true }),
  };

  async run(): Promise<void> {
    const { flags, args, given } = this.dockerParse(ComposeExec.flags);
    requireArgs(this, args, { min: 2, usage: ComposeExec.argsUsage });
    const { composeExec } = await import('../../runtime/verbs/compose/exec.js');
    // -T defaults to "stdout is not a terminal", as in docker compose.
    const noTty = given.has('no-tty') ? (flags['no-tty'] as boolean) : !(process.stdout.isTTY === true);
    await composeExec(this.ctx, {
      project: projectOptionsOf(flags),
      service: args[0]!,
      command: args.slice(1),
      detach: flags.detach as boolean,
      env: (flags.env as string[] | undefined) ?? [],
      ...(flags.index !== undefined ? { index: Number(flags.index) } : {}),
      privileged: flags.privileged as boolean,
      ...(flags.user !== undefined ? { user: flags.user as string } : {}),
      ...(flags.workdir !== undefined ? { workdir: flags.workdir as string } : {}),
      noTty,
      interactive: flags.interactive as boolean,
    });
  }
}
