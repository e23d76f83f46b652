import { Flags } from '@oclif/core';
import { requireArgs } from '../../cli/base.js';
import { ComposeCommand, projectFlags, projectOptionsOf, uiOptionsOf } from '../../cli/compose.js';

const many = (description: string, char?: 'e' | 'l' | 'p' | 'v') =>
  Flags.string({ description, multiple: true, ...(char ? { char } : {}) });

export default class ComposeRun extends ComposeCommand {
  static override description = 'Run a one-off command on a service';
  static override interspersed = false;
  static override argsUsage = '[OPTIONS] SERVICE [COMMAND] [ARGS...]';
  static override flags = {
    ...projectFlags,
    detach: Flags.boolean({ char: 'd', description: 'Run container in background and print container ID' }),
    name: Flags.string({ description: 'Assign a name to the container' }),
    env: many('Set environment variables', 'e'),
    label: many('Add or override a label', 'l'),
    rm: Flags.boolean({ description: 'Automatically remove the container when it exits' }),
    'no-deps': Flags.boolean({ description: "Don't start linked services" }),
    entrypoint: Flags.string({ description: 'Override the entrypoint of the image' }),
    user: Flags.string({ char: 'u', description: 'Run as specified username or uid' }),
    workdir: Flags.string({ char: 'w', description: 'Working directory inside the container' }),
    publish: many("Publish a container's port(s) to the host", 'p'),
    'service-ports': Flags.boolean({
      description: "Run command with all service's ports enabled and mapped to the host",
    }),
    volume: many('Bind mount a volume', 'v'),
    'no-tty': Flags.boolean({
      char: 'T',
      description: 'Disable pseudo-TTY allocation (default: auto-detected)',
    }),
    interactive: Flags.boolean({
      char: 'i',
      description: 'Keep STDIN open even if not attached',
      default: true,
    }),
    tty: Flags.boolean({ char: 't', description: 'Allocate a pseudo-TTY', hidden: true }),
    pull: Flags.string({
      description: 'Pull image before running ("always"|"missing"|"never")',
      default: 'policy',
    }),
    'remove-orphans': Flags.boolean({
      description: 'Remove containers for services not defined in the Compose file',
    }),
    'quiet-pull': Flags.boolean({ description: 'Pull without printing progress information' }),
    build: Flags.boolean({ description: 'Build image before starting container' }),
  };

  async run(): Promise<void> {
    const { flags, args, given } = this.dockerParse(ComposeRun.flags);
    requireArgs(this, args, { min: 1, usage: ComposeRun.argsUsage });
    const { composeRun } = await import('../../runtime/verbs/compose/run.js');
    const noTty = given.has('no-tty') ? (flags['no-tty'] as boolean) : !(process.stdout.isTTY === true);
    await composeRun(this.ctx, {
      project: projectOptionsOf(flags),
      ui: uiOptionsOf(flags),
      service: args[0]!,
      command: args.slice(1),
      detach: flags.detach as boolean,
      rm: flags.rm as boolean,
      ...(flags.name !== undefined ? { name: flags.name as string } : {}),
      env: (flags.env as string[] | undefined) ?? [],
      labels: (flags.label as string[] | undefined) ?? [],
      ...(flags.entrypoint !== undefined ? { entrypoint: flags.entrypoint as string } : {}),
      ...(flags.user !== undefined ? { user: flags.user as string } : {}),
      ...(flags.workdir !== undefined ? { workdir: flags.workdir as string } : {}),
      publish: (flags.publish as string[] | undefined) ?? [],
      servicePorts: flags['service-ports'] as boolean,
      noDeps: flags['no-deps'] as boolean,
      noTty: given.has('tty') ? false : noTty,
      interactive: flags.interactive as boolean,
      volumes: (flags.volume as string[] | undefined) ?? [],
      pull: flags.pull as string,
      removeOrphans: flags['remove-orphans'] as boolean,
      build: flags.build as boolean,
    });
  }
}
