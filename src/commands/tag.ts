import { TsdockCommand, requireArgs } from '../cli/base.js';

export default class Tag extends TsdockCommand {
  static override description = 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE';
  static override aliases = ['image:tag'];
  static override argsUsage = 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]';
  static override flags = {};

  async run(): Promise<void> {
    const { args } = this.dockerParse(Tag.flags);
    requireArgs(this, args, { exact: 2 });
    const { tagImage } = await import('../runtime/verbs/image/tag.js');
    await tagImage(this.ctx, { source: args[0]!, target: args[1]! });
  }
}
