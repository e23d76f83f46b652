import { TsdockCommand, requireArgs } from '../cli/base.js';

export default class Rename extends TsdockCommand {
  static override description = 'Rename a container';
  static override aliases = ['container:rename'];
  static override flags = {};

  async run(): Promise<void> {
    const { args } = this.dockerParse(Rename.flags);
    requireArgs(this, args, { exact: 2, usage: 'CONTAINER NEW_NAME' });
    const { renameContainer } = await import('../runtime/verbs/container/rename.js');
    await renameContainer(this.ctx, args[0]!, args[1]!);
  }
}
