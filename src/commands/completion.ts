import { TsdockCommand, requireArgs } from '../cli/base.js';

export default class Completion extends TsdockCommand {
  static override description = 'Generate the autocompletion script for the specified shell';
  static override argsUsage = 'bash|zsh|fish';
  static override usesContainerd = false;
  static override flags = {};

  async run(): Promise<void> {
    const { args } = this.dockerParse(Completion.flags);
    requireArgs(this, args, { exact: 1 });
    const { completionScript } = await import('../cli/completion.js');
    this.ctx.print(completionScript(args[0]!));
  }
}
