import { TsdockCommand, requireArgs } from '../../cli/base.js';

export default class KubePlay extends TsdockCommand {
  static override description = 'Run the Pods and Deployments of a Kubernetes YAML file';
  static override argsUsage = 'FILE';
  static override flags = {};

  async run(): Promise<void> {
    const { args } = this.dockerParse(KubePlay.flags);
    requireArgs(this, args, { exact: 1, usage: KubePlay.argsUsage });
    const { kubePlay } = await import('../../runtime/verbs/kube/play.js');
    await kubePlay(this.ctx, { file: args[0]! });
  }
}
