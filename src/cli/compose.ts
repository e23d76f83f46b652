/**
 * What every `tsdock compose` command shares: docker compose's project options (given before the
 * subcommand, moved after it by compose-argv.ts, hence hidden here) and their typed form.
 */
import { Flags, type Interfaces } from '@oclif/core';
import type { ProjectOptions } from '../runtime/compose/discover.js';
import type { UiOptions } from '../runtime/format/compose-progress.js';
import { ComposeError, UsageError } from '../runtime/errors.js';
import type { Parsed } from './argv.js';
import type { FlagValues } from './flags.js';
import { TsdockCommand } from './base.js';

/** docker compose reports a flag it cannot read like any other failure: status 1 (docker/cli's 125 is not its). */
export abstract class ComposeCommand extends TsdockCommand {
  protected override dockerParse<F extends Interfaces.FlagInput>(flags: F): Parsed<FlagValues<F>> {
    try {
      return super.dockerParse(flags);
    } catch (err) {
      if (err instanceof UsageError)
        throw new ComposeError(err.message, err.hint ? { hint: err.hint } : undefined);
      throw err;
    }
  }
}

const hidden = { hidden: true } as const;

export const projectFlags = {
  file: Flags.string({ char: 'f', description: 'Compose configuration files', multiple: true, ...hidden }),
  'project-name': Flags.string({ description: 'Project name', ...hidden }),
  'project-directory': Flags.string({ description: 'Specify an alternate working directory', ...hidden }),
  'env-file': Flags.string({
    description: 'Specify an alternate environment file',
    multiple: true,
    ...hidden,
  }),
  profile: Flags.string({ description: 'Specify a profile to enable', multiple: true, ...hidden }),
  ansi: Flags.string({
    description: 'Control when to print ANSI control characters ("never"|"always"|"auto")',
    options: ['never', 'always', 'auto'],
    ...hidden,
  }),
  progress: Flags.string({
    description: 'Set type of progress output (auto, tty, plain, json, quiet)',
    ...hidden,
  }),
  'no-ansi': Flags.boolean({ description: 'Do not print ANSI control characters', ...hidden }),
};

export function projectOptionsOf(flags: Record<string, unknown>): ProjectOptions {
  return {
    files: (flags.file as string[] | undefined) ?? [],
    ...(flags['project-name'] !== undefined ? { projectName: flags['project-name'] as string } : {}),
    ...(flags['project-directory'] !== undefined
      ? { projectDirectory: flags['project-directory'] as string }
      : {}),
    envFiles: (flags['env-file'] as string[] | undefined) ?? [],
    profiles: (flags.profile as string[] | undefined) ?? [],
  };
}

export function uiOptionsOf(flags: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): UiOptions {
  const ansi = flags['no-ansi']
    ? 'never'
    : ((flags.ansi as UiOptions['ansi'] | undefined) ?? (env.COMPOSE_ANSI as UiOptions['ansi']) ?? 'auto');
  const progress = ((flags.progress as string | undefined) ??
    env.COMPOSE_PROGRESS ??
    'auto') as UiOptions['progress'];
  if ((progress as string) === 'json')
    throw new UsageError('tsdock compose does not support --progress json yet');
  if (!['auto', 'tty', 'plain', 'quiet'].includes(progress))
    throw new ComposeError(`unsupported --progress value ${JSON.stringify(progress)}`);
  return { ansi, progress };
}

/** `-t/--timeout` of stop, down, up, restart: seconds, unset when not given. */
export function timeoutOf(flags: Record<string, unknown>): number | undefined {
  const t = flags.timeout;
  return t === undefined || t === null ? undefined : Number(t);
}

export const many = (description: string) => Flags.string({ description, multiple: true });

export const createFlags = {
  build: Flags.boolean({ description: 'Build images before starting containers' }),
  'no-build': Flags.boolean({ description: "Don't build an image, even if it's policy" }),
  pull: Flags.string({
    description: 'Pull image before running ("always"|"missing"|"never")',
    default: 'policy',
  }),
  'force-recreate': Flags.boolean({
    description: "Recreate containers even if their configuration and image haven't changed",
  }),
  'no-recreate': Flags.boolean({
    description: "If containers already exist, don't recreate them. Incompatible with --force-recreate.",
  }),
  'remove-orphans': Flags.boolean({
    description: 'Remove containers for services not defined in the Compose file',
  }),
  scale: many(
    'Scale SERVICE to NUM instances. Overrides the `scale` setting in the Compose file if present.',
  ),
  'quiet-pull': Flags.boolean({ description: 'Pull without printing progress information' }),
  'quiet-build': Flags.boolean({ description: 'Suppress the build output' }),
  yes: Flags.boolean({
    char: 'y',
    description: 'Assume "yes" as answer to all prompts and run non-interactively',
  }),
};

export function createOptionsOf(flags: Record<string, unknown>) {
  return {
    build: flags.build as boolean,
    noBuild: flags['no-build'] as boolean,
    pull: flags.pull as string,
    forceRecreate: flags['force-recreate'] as boolean,
    noRecreate: flags['no-recreate'] as boolean,
    alwaysRecreateDeps: (flags['always-recreate-deps'] as boolean | undefined) ?? false,
    removeOrphans: (flags['remove-orphans'] as boolean) || process.env.COMPOSE_REMOVE_ORPHANS === 'true',
    scale: (flags.scale as string[] | undefined) ?? [],
    quietPull: flags['quiet-pull'] as boolean,
    quietBuild: flags['quiet-build'] as boolean,
    renewAnonVolumes: (flags['renew-anon-volumes'] as boolean | undefined) ?? false,
    ...(timeoutOf(flags) !== undefined ? { timeout: timeoutOf(flags) } : {}),
  };
}
