import { Flags } from '@oclif/core';
import { TsdockCommand, requireArgs } from '../cli/base.js';

export default class Events extends TsdockCommand {
  static override description = 'Get real time events from the server';
  static override aliases = ['system:events'];
  static override argsUsage = '[OPTIONS]';
  static override flags = {
    filter: Flags.string({
      char: 'f',
      multiple: true,
      description: 'Filter output based on conditions provided',
    }),
    format: Flags.string({ description: 'Format output using a custom template' }),
    since: Flags.string({ description: 'Show all events created since timestamp' }),
    until: Flags.string({ description: 'Stream events until this timestamp' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(Events.flags);
    requireArgs(this, args, { exact: 0 });
    const { streamEvents } = await import('../runtime/verbs/system/events.js');
    await streamEvents(this.ctx, {
      filters: flags.filter,
      format: flags.format,
      since: flags.since,
      until: flags.until,
    });
  }
}
