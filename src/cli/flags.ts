/** Flag helpers shared by commands, on top of oclif's Flags. */
import { Flags } from '@oclif/core';

/** An integer flag that our Docker-grammar parser converts and checks like pflag does. */
export function int(opts: { char?: string; description: string; default?: number; hidden?: boolean }) {
  // oclif's own integer parser never runs (we parse argv ourselves); tsdockKind tells argv.ts.
  return Object.assign(Flags.string({ ...opts, default: undefined } as never), {
    tsdockKind: 'int' as const,
    default: opts.default,
  }) as unknown as ReturnType<typeof Flags.integer>;
}
