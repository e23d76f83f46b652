import { Flags } from '@oclif/core';
import { ComposeCommand, projectFlags, projectOptionsOf } from '../../cli/compose.js';

export default class ComposeEvents extends ComposeCommand {
  static override description = 'Receive real time events from containers';
  static override argsUsage = '[OPTIONS] [SERVICE...]';
  static override flags = {
    ...projectFlags,
    json: Flags.boolean({ description: 'Output events as a stream of json objects' }),
    since: Flags.string({ description: 'Show all events created since timestamp' }),
    until: Flags.string({ description: 'Stream events until this timestamp' }),
  };

  async run(): Promise<void> {
    const { flags, args } = this.dockerParse(ComposeEvents.flags);
    const { composeEvents } = await import('../../runtime/verbs/compose/events.js');
    await composeEvents(this.ctx, {
      project: projectOptionsOf(flags),
      services: args,
      json: flags.json as boolean,
      ...(flags.since !== undefined ? { since: flags.since as string } : {}),
      ...(flags.until !== undefined ? { until: flags.until as string } : {}),
    });
  }
}
