import { TsdockCommand } from '../../cli/base.js';

/** Run when containerd starts (a systemd drop-in): bring back containers per restart policy; not for users. */
export default class InternalReconcile extends TsdockCommand {
  static override hidden = true;
  static override description =
    'Restart containers per restart policy after containerd or the host restarted';
  static override flags = {};

  async run(): Promise<void> {
    this.dockerParse();
    const { reconcile } = await import('../../runtime/container/restart-policy.js');
    await reconcile(this.ctx);
  }
}
