import { TsdockCommand, requireArgs } from '../cli/base.js';
import { createFlags, planFlags, runFlagsOf } from '../cli/run-flags.js';

export default class Create extends TsdockCommand {
  static override description = 'Create a new container';
  static override aliases = ['container:create'];
  static override interspersed = false;
  static override reportsAsRun = true;
  static override argsUsage = '[OPTIONS] IMAGE [COMMAND] [ARG...]';
  static override flags = { ...createFlags, ...planFlags };

  async run(): Promise<void> {
    const { flags: all, args } = this.dockerParse(Create.flags);
    const { 'dry-run': dryRun, format, ...flags } = all;
    requireArgs(this, args, { min: 1 });
    const { createOnly } = await import('../runtime/verbs/container/create.js');
    await createOnly(this.ctx, {
      image: args[0]!,
      command: args.slice(1),
      flags: runFlagsOf(flags),
      dryRun,
      format,
    });
  }
}
