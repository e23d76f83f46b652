import { TsdockCommand } from '../../cli/base.js';

/** Removes this instance's default bridge, rules and chains when nothing uses them (test cleanup). */
export default class InternalNetworkReset extends TsdockCommand {
  static override hidden = true;
  static override description = "Remove the default bridge network's kernel state";
  static override flags = {};

  async run(): Promise<void> {
    this.dockerParse(InternalNetworkReset.flags);
    const { networkReset } = await import('../../runtime/verbs/internal/network-reset.js');
    await networkReset(this.ctx);
  }
}
