import { TsdockCommand, requireArgs } from '../cli/base.js';

export default class Diff extends TsdockCommand {
  static override description = "Inspect changes to files or directories on a container's filesystem";
  static override aliases = ['container:diff'];
  static override argsUsage = 'CONTAINER';
  static override flags = {};

  async run(): Promise<void> {
    const { args } = this.dockerParse(Diff.flags);
    requireArgs(this, args, { exact: 1 });
    const { diffCommand } = await import('../runtime/verbs/container/diff.js');
    await diffCommand(this.ctx, args[0]!);
  }
}
