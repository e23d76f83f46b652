import { TsdockCommand } from '../../cli/base.js';

/** Run by a container's monitor for each healthcheck probe; not for users. */
export default class InternalHealth extends TsdockCommand {
  static override hidden = true;
  static override description = 'Run one healthcheck probe of a container (called by tsdock-mon)';
  static override flags = {};

  async run(): Promise<void> {
    const { args } = this.dockerParse(InternalHealth.flags);
    const { onHealthProbe } = await import('../../runtime/verbs/internal/health.js');
    await onHealthProbe(this.ctx, args[0] ?? '');
  }
}
