import { Flags } from '@oclif/core';
import { ComposeCommand, projectFlags, projectOptionsOf } from '../../cli/compose.js';

export default class ComposeConfig extends ComposeCommand {
  static override description = 'Parse, resolve and render compose file in canonical format';
  static override aliases = ['compose:convert'];
  static override argsUsage = '[OPTIONS] [SERVICE...]';
  static override flags = {
    ...projectFlags,
    format: Flags.string({ description: 'Format the output. Values: [yaml | json | kube]' }),
    quiet: Flags.boolean({ char: 'q', description: "Only validate the configuration, don't print anything" }),
    services: Flags.boolean({ description: 'Print the service names, one per line.' }),
    volumes: Flags.boolean({ description: 'Print the volume names, one per line.' }),
    networks: Flags.boolean({ description: 'Print the network names, one per line.' }),
    profiles: Flags.boolean({ description: 'Print the profile names, one per line.' }),
    images: Flags.boolean({ description: 'Print the image names, one per line.' }),
    output: Flags.string({ char: 'o', description: 'Save to file (default to stdout)' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(ComposeConfig.flags);
    const list = (['services', 'volumes', 'networks', 'profiles', 'images'] as const).find((k) => flags[k]);
    const { composeConfig } = await import('../../runtime/verbs/compose/config.js');
    await composeConfig(this.ctx, {
      project: projectOptionsOf(flags),
      services: args,
      ...(flags.format !== undefined ? { format: flags.format as string } : {}),
      quiet: flags.quiet as boolean,
      ...(flags.output !== undefined ? { output: flags.output as string } : {}),
      ...(list ? { list } : {}),
    });
  }
}
