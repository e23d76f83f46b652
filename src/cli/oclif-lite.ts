/**
 * What tsdock's commands use of `@oclif/core` at run time, in a few lines. The bundled build
 * (scripts/bundle.mjs) resolves `@oclif/core` to this module for command files, because loading
 * oclif's runtime costs ~150 ms per invocation and commands only need a base class and flag
 * descriptors (argv is parsed by src/cli/argv.ts). oclif itself still builds the manifest at build
 * time from the same command classes; help is rendered from that manifest (src/cli/help.ts).
 */
export class Command {
  static id?: string;
  static description?: string;
  static aliases?: string[];
  static hidden?: boolean;
  static strict?: boolean;
  static usage?: string | string[];
  static flags?: Record<string, unknown>;
  constructor(
    public argv: string[],
    public config: unknown,
  ) {}
}

type FlagOpts = Record<string, unknown>;
export const Flags = {
  string: (o: FlagOpts = {}) => ({ type: 'option', ...o }),
  integer: (o: FlagOpts = {}) => ({ type: 'option', tsdockKind: 'int', ...o }),
  boolean: (o: FlagOpts = {}) => ({ type: 'boolean', allowNo: false, ...o }),
  option:
    (o: FlagOpts = {}) =>
    (more: FlagOpts = {}) => ({ type: 'option', ...o, ...more }),
};
