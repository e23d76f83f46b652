import { TsdockCommand } from '../../cli/base.js';

/** Started by a build with its first RUN step: cleans up after the build if it is killed; not for users. */
export default class InternalBuildReap extends TsdockCommand {
  static override hidden = true;
  static override description = "Remove a killed build's leftovers (started by build)";
  static override flags = {};

  async run(): Promise<void> {
    const { args } = this.dockerParse(InternalBuildReap.flags);
    const { buildReap } = await import('../../runtime/verbs/internal/build-reap.js');
    await buildReap(this.ctx, Number(args[0]));
  }
}
