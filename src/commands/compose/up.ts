import { Flags } from '@oclif/core';
import { int } from '../../cli/flags.js';
import {
  ComposeCommand,
  createFlags,
  createOptionsOf,
  many,
  projectFlags,
  projectOptionsOf,
  uiOptionsOf,
} from '../../cli/compose.js';

export default class ComposeUp extends ComposeCommand {
  static override description = 'Create and start containers';
  static override argsUsage = '[OPTIONS] [SERVICE...]';
  static override flags = {
    ...projectFlags,
    ...createFlags,
    detach: Flags.boolean({ char: 'd', description: 'Detached mode: Run containers in the background' }),
    'no-color': Flags.boolean({ description: 'Produce monochrome output' }),
    'no-log-prefix': Flags.boolean({ description: "Don't print prefix in logs" }),
    'no-start': Flags.boolean({ description: "Don't start the services after creating them" }),
    'abort-on-container-exit': Flags.boolean({
      description: 'Stops all containers if any container was stopped. Incompatible with -d',
    }),
    'abort-on-container-failure': Flags.boolean({
      description: 'Stops all containers if any container exited with failure. Incompatible with -d',
    }),
    'exit-code-from': Flags.string({
      description:
        'Return the exit code of the selected service container. Implies --abort-on-container-exit',
    }),
    timeout: int(
      Flags.integer({
        char: 't',
        description:
          'Use this timeout in seconds for container shutdown when attached or when containers are already running',
      }),
    ),
    timestamps: Flags.boolean({ description: 'Show timestamps' }),
    'no-deps': Flags.boolean({ description: "Don't start linked services" }),
    'always-recreate-deps': Flags.boolean({
      description: 'Recreate dependent containers. Incompatible with --no-recreate.',
    }),
    'renew-anon-volumes': Flags.boolean({
      char: 'V',
      description: 'Recreate anonymous volumes instead of retrieving data from the previous containers',
    }),
    attach: many('Restrict attaching to the specified services. Incompatible with --attach-dependencies.'),
    'no-attach': many('Do not attach (stream logs) to the specified services'),
    'attach-dependencies': Flags.boolean({
      description: 'Automatically attach to log output of dependent services',
    }),
    'dry-run': Flags.boolean({
      description: 'Print the kernel plan of every container up would create, in start order; create nothing',
    }),
    format: Flags.string({ description: 'With --dry-run: "json" for an array of plans, or a Go template' }),
    wait: Flags.boolean({ description: 'Wait for services to be running|healthy. Implies detached mode.' }),
    'wait-timeout': int(
      Flags.integer({
        description: 'Maximum duration in seconds to wait for the project to be running|healthy',
      }),
    ),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(ComposeUp.flags);
    const { composeUp } = await import('../../runtime/verbs/compose/up.js');
    await composeUp(this.ctx, {
      project: projectOptionsOf(flags),
      ui: uiOptionsOf(flags),
      services: args,
      ...createOptionsOf(flags),
      detach: flags.detach as boolean,
      noStart: flags['no-start'] as boolean,
      wait: flags.wait as boolean,
      ...(flags['wait-timeout'] !== undefined ? { waitTimeout: Number(flags['wait-timeout']) } : {}),
      abortOnContainerExit: flags['abort-on-container-exit'] as boolean,
      abortOnContainerFailure: flags['abort-on-container-failure'] as boolean,
      ...(flags['exit-code-from'] !== undefined ? { exitCodeFrom: flags['exit-code-from'] as string } : {}),
      noDeps: flags['no-deps'] as boolean,
      attach: (flags.attach as string[] | undefined) ?? [],
      noAttach: (flags['no-attach'] as string[] | undefined) ?? [],
      attachDependencies: flags['attach-dependencies'] as boolean,
      noColor: flags['no-color'] as boolean,
      noLogPrefix: flags['no-log-prefix'] as boolean,
      timestamps: flags.timestamps as boolean,
      dryRun: flags['dry-run'] as boolean,
      ...(flags.format !== undefined ? { format: flags.format as string } : {}),
    });
  }
}
