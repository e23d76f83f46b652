/**
 * `tsdock compose` as a library: up (always detached), down and ps run the compose verbs the CLI
 * commands run, progress kept quiet (up -d and down print nothing on stdout: their product is done
 * or failed, their warnings go to stderr); the verbs are loaded on first use, as the commands load them.
 */
import type { GlobalOptions } from '../runtime/context.js';
import type { ProjectOptions } from '../runtime/compose/discover.js';
import type { UiOptions } from '../runtime/format/compose-progress.js';
import { query } from './session.js';
import type {
  ComposeContainerEntry,
  ComposeDownOptions,
  ComposeProjectOptions,
  ComposePsOptions,
  ComposeUpOptions,
} from './types.js';

const ui: UiOptions = { ansi: 'never', progress: 'quiet' };

function projectOf(o: ComposeProjectOptions): ProjectOptions {
  return {
    files: o.file ?? [],
    ...(o.projectName !== undefined ? { projectName: o.projectName } : {}),
    ...(o.projectDirectory !== undefined ? { projectDirectory: o.projectDirectory } : {}),
    envFiles: o.envFile ?? [],
    profiles: o.profile ?? [],
  };
}

/** Compose projects: `tsdock compose …`. */
export class Compose {
  constructor(private readonly globals: GlobalOptions) {}

  /** `compose up -d`: networks, volumes, images and containers as the files say, started. */
  async up(opts: ComposeUpOptions = {}): Promise<void> {
    const { composeUp } = await import('../runtime/verbs/compose/up.js');
    await query(this.globals, (ctx) =>
      composeUp(ctx, {
        project: projectOf(opts),
        ui,
        dryRun: false,
        services: opts.services ?? [],
        build: opts.build ?? false,
        noBuild: opts.noBuild ?? false,
        ...(opts.pull !== undefined ? { pull: opts.pull } : {}),
        forceRecreate: opts.forceRecreate ?? false,
        noRecreate: opts.noRecreate ?? false,
        alwaysRecreateDeps: false,
        removeOrphans: opts.removeOrphans ?? false,
        scale: opts.scale ?? [],
        ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}),
        quietPull: true,
        quietBuild: true,
        renewAnonVolumes: false,
        detach: true,
        noStart: false,
        wait: opts.wait ?? false,
        ...(opts.waitTimeout !== undefined ? { waitTimeout: opts.waitTimeout } : {}),
        abortOnContainerExit: false,
        abortOnContainerFailure: false,
        noDeps: opts.noDeps ?? false,
        attach: [],
        noAttach: [],
        attachDependencies: false,
        noColor: true,
        noLogPrefix: false,
        timestamps: false,
      }),
    );
  }

  /** `compose down`: the project's containers stopped and removed, then its networks. */
  async down(opts: ComposeDownOptions = {}): Promise<void> {
    const { composeDown } = await import('../runtime/verbs/compose/down.js');
    await query(this.globals, (ctx) =>
      composeDown(ctx, {
        project: projectOf(opts),
        ui,
        services: opts.services ?? [],
        volumes: opts.volumes ?? false,
        ...(opts.rmi !== undefined ? { rmi: opts.rmi } : {}),
        removeOrphans: opts.removeOrphans ?? false,
        ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}),
      }),
    );
  }

  /** `compose ps --format json`: the project's containers, sorted by name. */
  async ps(opts: ComposePsOptions = {}): Promise<ComposeContainerEntry[]> {
    const { composeContainers } = await import('../runtime/verbs/compose/ps.js');
    return query(this.globals, (ctx) =>
      composeContainers(ctx, {
        project: projectOf(opts),
        services: opts.services ?? [],
        all: opts.all ?? false,
        status: opts.status ?? [],
        noTrunc: true,
        orphans: true,
      }),
    );
  }
}
