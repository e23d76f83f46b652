import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../cli/base.js';

const many = (description: string, char?: 't') =>
  Flags.string({ description, multiple: true, ...(char ? { char } : {}) });

export default class Build extends TsdockCommand {
  static override description = 'Build an image from a Dockerfile';
  static override aliases = ['image:build', 'builder:build'];
  static override argsUsage = '[OPTIONS] PATH | URL | -';
  static override flags = {
    tag: many('Name and optionally a tag (format: "name:tag")', 't'),
    file: Flags.string({ char: 'f', description: 'Name of the Dockerfile (default: "PATH/Dockerfile")' }),
    'build-arg': many('Set build-time variables'),
    target: Flags.string({ description: 'Set the target build stage to build' }),
    'no-cache': Flags.boolean({ description: 'Do not use cache when building the image' }),
    pull: Flags.boolean({ description: 'Always attempt to pull all referenced images' }),
    quiet: Flags.boolean({
      char: 'q',
      description: 'Suppress the build output and print image ID on success',
    }),
    label: many('Set metadata for an image'),
    iidfile: Flags.string({ description: 'Write the image ID to the file' }),
    network: Flags.string({ description: 'Set the networking mode for the RUN instructions during build' }),
    'add-host': many('Add a custom host-to-IP mapping ("host:ip")'),
    platform: Flags.string({ description: 'Set target platform for build' }),
    progress: Flags.string({
      description: 'Set type of progress output ("auto", "quiet", "plain", "tty", "rawjson")',
      default: 'auto',
    }),
    'cache-from': many('External cache sources'),
    secret: many('Secret to expose to the build'),
    ssh: many('SSH agent socket or keys to expose to the build'),
    output: Flags.string({
      char: 'o',
      description: 'Output destination (format: "type=local,dest=path")',
      multiple: true,
    }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(Build.flags);
    requireArgs(this, args, { exact: 1 });
    const platform = flags.platform ?? process.env.DOCKER_DEFAULT_PLATFORM;
    const { buildImage } = await import('../runtime/verbs/image/build.js');
    await buildImage(this.ctx, {
      context: args[0]!,
      ...(flags.file !== undefined ? { file: flags.file } : {}),
      tags: flags.tag,
      buildArgs: flags['build-arg'],
      ...(flags.target ? { target: flags.target } : {}),
      noCache: flags['no-cache'],
      pull: flags.pull,
      quiet: flags.quiet,
      labels: flags.label,
      ...(flags.iidfile ? { iidfile: flags.iidfile } : {}),
      ...(flags.network ? { network: flags.network } : {}),
      addHost: flags['add-host'],
      ...(platform ? { platform } : {}),
      progress: flags.progress,
      cacheFrom: flags['cache-from'],
      secret: flags.secret,
      ssh: flags.ssh,
      output: flags.output,
    });
  }
}
