import { TsdockCommand, requireArgs } from '../../cli/base.js';

export default class KubeDown extends TsdockCommand {
  static override description = 'Remove what kube play made from a Kubernetes YAML file';
  static override argsUsage = 'FILE';
  static override flags = {};

  async run(): Promise<void> {
    const { args } = this.dockerParse(KubeDown.flags);
    requireArgs(this, args, { exact: 1, usage: KubeDown.argsUsage });
    const { kubeDown } = await import('../../runtime/verbs/kube/play.js');
    await kubeDown(this.ctx, { file: args[0]! });
  }
}
