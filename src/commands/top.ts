import { TsdockCommand, requireArgs } from '../cli/base.js';

export default class Top extends TsdockCommand {
  static override description = 'Display the running processes of a container';
  static override aliases = ['container:top'];
  static override argsUsage = 'CONTAINER [ps OPTIONS]';
  static override flags = {};
  // Everything after the container is for ps.
  static override interspersed = false;

  async run(): Promise<void> {
    const { args } = this.dockerParse(Top.flags);
    requireArgs(this, args, { min: 1 });
    const { containerTop } = await import('../runtime/verbs/container/top.js');
    await containerTop(this.ctx, args[0]!, args.slice(1));
  }
}
