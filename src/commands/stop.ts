import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../cli/base.js';
import { int, type FlagValues } from '../cli/flags.js';

export default class Stop extends TsdockCommand {
  static override description = 'Stop one or more running containers';
  static override aliases = ['container:stop'];
  static override argsUsage = '[OPTIONS] CONTAINER [CONTAINER...]';
  // docker/cli ≥ 23: -t is --timeout; --time stays, hidden and deprecated.
  static override flags = {
    signal: Flags.string({ char: 's', description: 'Signal to send to the container' }),
    timeout: int(Flags.integer({ char: 't', description: 'Seconds to wait before killing the container' })),
    time: int(
      Flags.integer({
        description: 'Seconds to wait before killing the container (deprecated: use --timeout)',
        hidden: true,
      }),
    ),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(Stop.flags);
    requireArgs(this, args, { min: 1 });
    const { containerStop } = await import('../runtime/verbs/container/stop.js');
    await containerStop(this.ctx, args, stopOptions(this, flags));
  }
}

/**
 * stop's and restart's flags as the verbs' options; pflag's notice for the deprecated --time, on
 * stdout as docker's (cobra gives pflag the command's output stream, which is stdout).
 */
export function stopOptions(
  cmd: TsdockCommand,
  flags: FlagValues<typeof Stop.flags>,
): { timeout?: number; signal?: string } {
  if (flags.time !== undefined)
    cmd.ctx.stdio.stdout.write('Flag --time has been deprecated, use --timeout instead\n');
  const timeout = flags.timeout ?? flags.time;
  return {
    ...(timeout !== undefined ? { timeout } : {}),
    ...(flags.signal !== undefined ? { signal: flags.signal } : {}),
  };
}
