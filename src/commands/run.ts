import { TsdockCommand, requireArgs } from '../cli/base.js';
import { createFlags, planFlags, runFlagsOf, runOnlyFlags } from '../cli/run-flags.js';

export default class Run extends TsdockCommand {
  static override description = 'Create and run a new container from an image';
  static override aliases = ['container:run'];
  static override interspersed = false;
  static override reportsAsRun = true;
  static override argsUsage = '[OPTIONS] IMAGE [COMMAND] [ARG...]';
  static override flags = { ...createFlags, ...runOnlyFlags, ...planFlags };

  async run(): Promise<void> {
    const { flags: all, args } = this.dockerParse(Run.flags);
    const { 'dry-run': dryRun, format, ...flags } = all;
    requireArgs(this, args, { min: 1 });
    const { runContainerCommand } = await import('../runtime/verbs/container/run.js');
    await runContainerCommand(this.ctx, {
      image: args[0]!,
      command: args.slice(1),
      flags: runFlagsOf(flags),
      detach: flags.detach,
      sigProxy: flags['sig-proxy'],
      detachKeys: flags['detach-keys'],
      dryRun,
      format,
    });
  }
}
