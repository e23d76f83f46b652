import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../../cli/base.js';

const many = (description: string, char?: 'o') =>
  Flags.string({ description, multiple: true, ...(char ? { char } : {}) });

export default class NetworkCreate extends TsdockCommand {
  static override description = 'Create a network';
  static override argsUsage = '[OPTIONS] NETWORK';
  static override flags = {
    driver: Flags.string({ char: 'd', description: 'Driver to manage the Network', default: 'bridge' }),
    subnet: many('Subnet in CIDR format that represents a network segment'),
    gateway: many('IPv4 or IPv6 Gateway for the master subnet'),
    'ip-range': many('Allocate container ip from a sub-range'),
    internal: Flags.boolean({ description: 'Restrict external access to the network' }),
    label: many('Set metadata on a network'),
    opt: { ...many('Set driver specific options', 'o'), helpValue: 'map' },
    ipv6: Flags.boolean({ description: 'Enable or disable IPv6 networking' }),
    attachable: Flags.boolean({ description: 'Enable manual container attachment' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(NetworkCreate.flags);
    requireArgs(this, args, { exact: 1 });
    const { networkCreate } = await import('../../runtime/verbs/network/create.js');
    await networkCreate(this.ctx, {
      name: args[0]!,
      driver: flags.driver,
      subnet: flags.subnet,
      gateway: flags.gateway,
      ipRange: flags['ip-range'],
      internal: flags.internal,
      labels: flags.label,
      options: flags.opt,
      ipv6: flags.ipv6,
    });
  }
}
