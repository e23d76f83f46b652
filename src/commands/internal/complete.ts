import { TsdockCommand } from '../../cli/base.js';

/** Run by the completion scripts (tsdock completion): what to offer for the words typed. */
export default class InternalComplete extends TsdockCommand {
  static override hidden = true;
  static override description = 'Print completion candidates for the words given (called by the shell)';
  static override usesContainerd = false;
  static override interspersed = false;
  static override flags = {};

  async run(): Promise<void> {
    // Every word is the user's, flags included: none of them is read as this command's.
    const words = this.argv.length > 0 ? this.argv : [''];
    const [{ completionLines, completionsFor, contextForLine }, { loadHelpSource }] = await Promise.all([
      import('../../cli/completion.js'),
      import('../../cli/help.js'),
    ]);
    const plan = completionsFor(words, loadHelpSource());
    let live: string[] = [];
    if (plan.live.length > 0) {
      const { objectNames } = await import('../../runtime/verbs/internal/names.js');
      const ctx = contextForLine(words, this.ctx);
      live = await objectNames(ctx, plan.live);
      if (ctx !== this.ctx) ctx.close();
    }
    this.ctx.print(completionLines(plan, words.at(-1)!, live));
  }
}
