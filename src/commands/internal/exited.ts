import { TsdockCommand } from '../../cli/base.js';

/** Run by a container's monitor when its output ends; not for users. */
export default class InternalExited extends TsdockCommand {
  static override hidden = true;
  static override description = 'Record a container exit (called by tsdock-mon)';
  static override flags = {};

  async run(): Promise<void> {
    const { args } = this.dockerParse(InternalExited.flags);
    const { onContainerExited } = await import('../../runtime/verbs/internal/exited.js');
    await onContainerExited(this.ctx, args[0] ?? '');
  }
}
