import { Flags } from '@oclif/core';
import { ComposeCommand, many, projectFlags, projectOptionsOf, uiOptionsOf } from '../../cli/compose.js';

export default class ComposeBuild extends ComposeCommand {
  static override description = 'Build or rebuild services';
  static override argsUsage = '[OPTIONS] [SERVICE...]';
  static override flags = {
    ...projectFlags,
    'no-cache': Flags.boolean({ description: 'Do not use cache when building the image' }),
    pull: Flags.boolean({ description: 'Always attempt to pull a newer version of the image' }),
    quiet: Flags.boolean({ char: 'q', description: "Don't print anything to STDOUT" }),
    'build-arg': many('Set build-time variables for services'),
    'with-dependencies': Flags.boolean({ description: 'Also build dependencies (transitively)' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(ComposeBuild.flags);
    const { composeBuild } = await import('../../runtime/verbs/compose/build.js');
    await composeBuild(this.ctx, {
      project: projectOptionsOf(flags),
      ui: uiOptionsOf(flags),
      services: args,
      noCache: flags['no-cache'] as boolean,
      pull: flags.pull as boolean,
      quiet: flags.quiet as boolean,
      buildArgs: (flags['build-arg'] as string[] | undefined) ?? [],
      withDependencies: flags['with-dependencies'] as boolean,
    });
  }
}
