import { TsdockCommand, requireArgs } from '../cli/base.js';

export default class Rename extends TsdockCommand {
  static override description = 'Rename a container';
  static override aliases = ['container:rename'];
  static override argsUsage = 'CONTAINER NEW_NAME';
  static override flags = {};

  async run(): Promise<void> {
    const { args } = this.dockerParse(Rename.flags);
    requireArgs(this, args, { exact: 2 });
    const { renameContainer } = await import('../runtime/verbs/container/rename.js');
    await renameContainer(this.ctx, args[0]!, args[1]!);
  }
}
