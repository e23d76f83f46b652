import { TsdockCommand, requireArgs } from '../cli/base.js';
import { camelFlags, createFlags, runOnlyFlags } from '../cli/run-flags.js';
import type { RunFlags } from '../runtime/opts/container.js';

export default class Run extends TsdockCommand {
  static override description = 'Create and run a new container from an image';
  static override aliases = ['container:run'];
  static override interspersed = false;
  static override argsUsage = '[OPTIONS] IMAGE [COMMAND] [ARG...]';
  static override flags = { ...createFlags, ...runOnlyFlags };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse();
    requireArgs(this, args, {
      min: 1,
      usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
    });
    const { runContainer } = await import('../runtime/verbs/container/run.js');
    const all = camelFlags(flags);
    await runContainer(this.ctx, {
      image: args[0]!,
      command: args.slice(1),
      flags: all as unknown as RunFlags,
      detach: all.detach as boolean,
      sigProxy: all.sigProxy as boolean,
      detachKeys: all.detachKeys as string | undefined,
    });
  }
}
