import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../../cli/base.js';

export default class KubeGenerate extends TsdockCommand {
  static override description = 'Generate Kubernetes YAML from containers';
  static override argsUsage = '[OPTIONS] CONTAINER [CONTAINER...]';
  static override flags = {
    service: Flags.boolean({ char: 's', description: 'Generate a Service even without published ports' }),
    type: Flags.option({ char: 't', options: ['pod', 'deployment'] as const, default: 'pod' })({
      description: 'Kind of workload to generate ("pod", "deployment")',
    }),
    filename: Flags.string({ char: 'f', description: 'Write the YAML to this file instead of stdout' }),
    validate: Flags.boolean({ description: "Check the YAML against Kubernetes' API schemas" }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(KubeGenerate.flags);
    requireArgs(this, args, { min: 1, usage: KubeGenerate.argsUsage });
    const { kubeGenerate } = await import('../../runtime/verbs/kube/generate.js');
    await kubeGenerate(this.ctx, {
      containers: args,
      type: flags.type,
      service: flags.service,
      ...(flags.filename !== undefined ? { file: flags.filename } : {}),
      validate: flags.validate,
    });
  }
}
