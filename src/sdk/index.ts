/**
 * tsdock as a library: `import { Tsdock } from 'tsdock'`. Each method calls the verb-level function
 * the CLI command of the same name calls (src/runtime/verbs), with the same options and checks:
 * where the command prints data (inspect, ls, ps, create's id), both call the verb's data function
 * and the SDK returns its result — Docker's shapes: inspect documents, the API's container list,
 * the rows `--format '{{json .}}'` prints. Streams (logs, a foreground run's or exec's output) are
 * the verb's output handed over as it comes. Failures throw TsdockError with the message and exit
 * status the CLI would give.
 */
import { inspectDocument } from '../runtime/verbs/system/inspect.js';
import { clientVersion } from '../runtime/verbs/system/version.js';
import { diskUsageRows } from '../runtime/verbs/system/df.js';
import { systemInfo } from '../runtime/verbs/system/info.js';
import { runContainer } from '../runtime/verbs/container/run.js';
import { createContainer } from '../runtime/verbs/container/create.js';
import { startContainers } from '../runtime/verbs/container/start.js';
import { stopContainers } from '../runtime/verbs/container/stop.js';
import { removeContainers } from '../runtime/verbs/container/rm.js';
import { containerEntries } from '../runtime/verbs/container/ls.js';
import { showLogs } from '../runtime/verbs/container/logs.js';
import { statsSnapshot } from '../runtime/verbs/container/stats.js';
import { execInContainer } from '../runtime/verbs/container/exec.js';
import { pullReference } from '../runtime/verbs/image/pull.js';
import { buildImage } from '../runtime/verbs/image/build.js';
import { listImages } from '../runtime/verbs/image/ls.js';
import { removeImages } from '../runtime/verbs/image/rm.js';
import { removeUnusedImages } from '../runtime/verbs/image/prune.js';
import { removeStoppedContainers } from '../runtime/verbs/container/prune.js';
import { removeUnusedNetworks } from '../runtime/verbs/network/prune.js';
import { createNetwork } from '../runtime/verbs/network/create.js';
import { listNetworks } from '../runtime/verbs/network/ls.js';
import { inspectNetwork } from '../runtime/verbs/network/inspect.js';
import { removeNetworks } from '../runtime/verbs/network/rm.js';
import { networkConnect } from '../runtime/verbs/network/connect.js';
import { networkDisconnect } from '../runtime/verbs/network/disconnect.js';
import { createVolume } from '../runtime/verbs/volume/create.js';
import { listVolumes } from '../runtime/verbs/volume/ls.js';
import { inspectVolume } from '../runtime/verbs/volume/inspect.js';
import { removeVolumes } from '../runtime/verbs/volume/rm.js';
import { pruneVolumes } from '../runtime/verbs/volume/prune.js';
import type { GlobalOptions } from '../runtime/context.js';
import { capture, globalsOf, iterate, query, type ConnectionOptions } from './session.js';
import { Compose } from './compose.js';
import type {
  BuildOptions,
  ContainerCreateOptions,
  ContainerInspect,
  ContainerListEntry,
  DiskUsageEntry,
  ExecOptions,
  ExecResult,
  ImageInspect,
  ImageListEntry,
  ImagePruneItem,
  LogChunk,
  LogsOptions,
  NetworkCreateOptions,
  NetworkInspect,
  RunOptions,
  RunResult,
  StatsEntry,
  SystemInfo,
  VolumeCreateOptions,
  VolumeInspect,
} from './types.js';

export { TsdockError, type ConnectionOptions, type ObjectFailure } from './session.js';
export { Compose } from './compose.js';
export type * from './types.js';

function refsOf(ref: string | string[]): string[] {
  return typeof ref === 'string' ? [ref] : ref;
}

/** Images: `tsdock image …`. */
export class Images {
  constructor(private readonly globals: GlobalOptions) {}

  /** `images`: one row per name, as `docker images --format '{{json .}}'`. */
  list(opts: { filters?: string[]; reference?: string } = {}): Promise<ImageListEntry[]> {
    return query(this.globals, (ctx) =>
      listImages(ctx, {
        all: false,
        filters: opts.filters ?? [],
        ...(opts.reference ? { reference: opts.reference } : {}),
        digests: false,
        noTrunc: true,
      }),
    );
  }

  inspect(ref: string): Promise<ImageInspect> {
    return query(this.globals, (ctx) => inspectDocument(ctx, ref, 'image'));
  }

  /**
   * `rmi`: one image or several; what was untagged and deleted. If some could not go, TsdockError
   * with them in `failures` (the others went).
   */
  remove(ref: string | string[], opts: { force?: boolean } = {}): Promise<ImagePruneItem[]> {
    return query(this.globals, (ctx) =>
      removeImages(ctx, { images: refsOf(ref), force: opts.force ?? false }),
    );
  }

  /**
   * `image prune -f`: dangling images (`all`: every image no container uses) the filters (until=,
   * label=) let go; what was untagged and deleted, and the bytes freed.
   */
  async prune(
    opts: { all?: boolean; filters?: string[] } = {},
  ): Promise<{ deleted: ImagePruneItem[]; reclaimed: number }> {
    const { items, reclaimed } = await query(this.globals, (ctx) =>
      removeUnusedImages(ctx, { all: opts.all ?? false, filters: opts.filters ?? [] }),
    );
    return { deleted: items, reclaimed };
  }
}

/** Networks: `tsdock network …`. */
export class Networks {
  constructor(private readonly globals: GlobalOptions) {}

  /** `network create`; returns the new network's id. */
  async create(name: string, opts: NetworkCreateOptions = {}): Promise<string> {
    const created = await query(this.globals, (ctx) =>
      createNetwork(ctx, {
        name,
        driver: opts.driver ?? 'bridge',
        subnet: opts.subnet ?? [],
        gateway: opts.gateway ?? [],
        ipRange: opts.ipRange ?? [],
        internal: opts.internal ?? false,
        labels: opts.labels ?? [],
        options: opts.options ?? [],
        ipv6: false,
      }),
    );
    return created.Id;
  }

  /** Every network (or those the filters select) as its inspect document, as the API lists them. */
  list(opts: { filters?: string[] } = {}): Promise<NetworkInspect[]> {
    return query(this.globals, (ctx) => listNetworks(ctx, opts.filters ?? []));
  }

  inspect(ref: string): Promise<NetworkInspect> {
    return query(this.globals, (ctx) => inspectNetwork(ctx, ref));
  }

  /** `network rm`: one network or several; failures as in Tsdock.rm. */
  async remove(ref: string | string[]): Promise<void> {
    await query(this.globals, (ctx) => removeNetworks(ctx, refsOf(ref), false));
  }

  async connect(
    network: string,
    container: string,
    opts: { aliases?: string[]; ip?: string } = {},
  ): Promise<void> {
    await query(this.globals, (ctx) =>
      networkConnect(ctx, network, container, {
        aliases: opts.aliases ?? [],
        ...(opts.ip ? { ip: opts.ip } : {}),
      }),
    );
  }

  async disconnect(network: string, container: string): Promise<void> {
    await query(this.globals, (ctx) => networkDisconnect(ctx, network, container));
  }

  /** `network prune -f`: user-defined networks no container uses (that the filters select); their names. */
  async prune(opts: { filters?: string[] } = {}): Promise<{ deleted: string[] }> {
    const deleted = await query(this.globals, (ctx) => removeUnusedNetworks(ctx, opts.filters ?? []));
    return { deleted };
  }
}

/** Volumes: `tsdock volume …`. */
export class Volumes {
  constructor(private readonly globals: GlobalOptions) {}

  /** `volume create [NAME]`; returns its name (generated when none is given). */
  async create(name?: string, opts: VolumeCreateOptions = {}): Promise<string> {
    const volume = await query(this.globals, (ctx) =>
      createVolume(ctx, {
        ...(name !== undefined ? { name } : {}),
        driver: opts.driver ?? 'local',
        labels: opts.labels ?? [],
        options: opts.options ?? [],
      }),
    );
    return volume.Name;
  }

  /** Every volume (or those the filters select) as its inspect document. */
  list(opts: { filters?: string[] } = {}): Promise<VolumeInspect[]> {
    return query(this.globals, async (ctx) => listVolumes(ctx, opts.filters ?? []));
  }

  inspect(name: string): Promise<VolumeInspect> {
    return query(this.globals, async (ctx) => inspectVolume(ctx, name));
  }

  /** `volume rm`: one volume or several; failures as in Tsdock.rm. */
  async remove(name: string | string[], opts: { force?: boolean } = {}): Promise<void> {
    await query(this.globals, (ctx) => removeVolumes(ctx, refsOf(name), opts.force ?? false));
  }

  /** `volume prune -f`: unused anonymous volumes (`all`: named ones too); what went and the bytes freed. */
  prune(opts: { all?: boolean; filters?: string[] } = {}): Promise<{ deleted: string[]; reclaimed: number }> {
    return query(this.globals, (ctx) =>
      pruneVolumes(ctx, { all: opts.all ?? false, filters: opts.filters ?? [] }),
    );
  }
}

/** The host and its objects as a whole: `tsdock system …`, `tsdock info`. */
export class System {
  constructor(private readonly globals: GlobalOptions) {}

  /** `system df`: images, containers, local volumes and build cache, measured now. */
  df(): Promise<DiskUsageEntry[]> {
    return query(this.globals, (ctx) => diskUsageRows(ctx));
  }

  /** `info`: Docker's /info fields (counts, host facts, containerd's version) and the namespace. */
  info(): Promise<SystemInfo> {
    return query(this.globals, (ctx) => systemInfo(ctx));
  }
}

/**
 * A handle on one containerd (and tsdock's state beside it). Methods are the CLI's verbs:
 *
 *     const tsdock = new Tsdock();
 *     const { id } = await tsdock.run('nginx', [], { detach: true, publish: ['8080:80'], memory: '256m' });
 *     console.log((await tsdock.inspect(id!)).NetworkSettings.Ports);
 */
export class Tsdock {
  private readonly globals: GlobalOptions;
  readonly images: Images;
  readonly networks: Networks;
  readonly volumes: Volumes;
  readonly compose: Compose;
  readonly system: System;

  constructor(opts: ConnectionOptions = {}) {
    this.globals = globalsOf(opts);
    this.images = new Images(this.globals);
    this.networks = new Networks(this.globals);
    this.volumes = new Volumes(this.globals);
    this.compose = new Compose(this.globals);
    this.system = new System(this.globals);
  }

  /** The client's version facts (`tsdock version`'s Client part). */
  version(): Record<string, string> {
    return clientVersion();
  }

  /**
   * `run`: creates and starts a container. Detached, returns its id once it runs; otherwise waits
   * for it to exit and returns its status and output (a container's failure is a result here).
   */
  async run(image: string, command: string[] = [], opts: RunOptions = {}): Promise<RunResult> {
    const { detach = false, ...flags } = opts;
    const req = { image, command, flags: { ...flags, detach }, detach, sigProxy: false };
    if (detach) {
      let stderr = '';
      const id = await query(this.globals, (ctx) => runContainer(ctx, req), { stderr: (t) => (stderr += t) });
      return { id: id!, exitCode: null, stdout: '', stderr };
    }
    // The container's output is the result here: the verb's streams, collected.
    const r = await capture(this.globals, (ctx) => runContainer(ctx, req));
    return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
  }

  /** `create`: returns the new container's id. */
  async create(image: string, command: string[] = [], opts: ContainerCreateOptions = {}): Promise<string> {
    const found = await query(this.globals, (ctx) => createContainer(ctx, { image, command, flags: opts }));
    return found.id;
  }

  /** `start`: one container or several; failures as in rm. */
  async start(ref: string | string[]): Promise<void> {
    await query(this.globals, (ctx) => startContainers(ctx, refsOf(ref)));
  }

  /**
   * `stop`: the container's stop signal, then SIGKILL after `timeout` seconds (its own, default 10);
   * one container or several, failures as in rm.
   */
  async stop(ref: string | string[], opts: { timeout?: number; signal?: string } = {}): Promise<void> {
    await query(this.globals, (ctx) => stopContainers(ctx, refsOf(ref), opts));
  }

  /**
   * `rm` (`volumes`: its anonymous volumes too, as -v), one container or several. If some failed,
   * TsdockError (exit status 1) with each in `failures` — its ref, Docker's line, its own status —
   * and the others removed. With `force`, a missing container is no failure (as `rm -f`).
   */
  async rm(ref: string | string[], opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    await query(this.globals, (ctx) =>
      removeContainers(ctx, refsOf(ref), { force: opts.force ?? false, volumes: opts.volumes ?? false }),
    );
  }

  /** `ps` (`all` for -a), in the API's list shape (GET /containers/json). */
  ps(opts: { all?: boolean; last?: number; filters?: string[] } = {}): Promise<ContainerListEntry[]> {
    return query(this.globals, (ctx) =>
      containerEntries(ctx, {
        all: opts.all ?? false,
        filters: opts.filters ?? [],
        ...(opts.last !== undefined ? { last: opts.last } : {}),
      }),
    );
  }

  /** `container prune -f`: stopped containers (that the filters select); their ids and the bytes freed. */
  pruneContainers(opts: { filters?: string[] } = {}): Promise<{ deleted: string[]; reclaimed: number }> {
    return query(this.globals, (ctx) => removeStoppedContainers(ctx, opts.filters ?? []));
  }

  /** `container inspect`. */
  inspect(ref: string): Promise<ContainerInspect> {
    return query(this.globals, (ctx) => inspectDocument(ctx, ref, 'container'));
  }

  /** `logs`, chunk by chunk as written; with `follow`, until the container stops. */
  logs(ref: string, opts: LogsOptions = {}): AsyncIterable<LogChunk> {
    return iterate<LogChunk>(async (push) => {
      await capture(
        this.globals,
        (ctx) =>
          showLogs(ctx, ref, {
            follow: opts.follow ?? false,
            timestamps: opts.timestamps ?? false,
            ...(opts.tail !== undefined ? { tail: String(opts.tail) } : {}),
            ...(opts.since ? { since: opts.since } : {}),
            ...(opts.until ? { until: opts.until } : {}),
          }),
        {
          stdout: (text) => push({ stream: 'stdout', text }),
          stderr: (text) => push({ stream: 'stderr', text }),
        },
      );
    });
  }

  /** `stats --no-stream`: one measurement of each running container (or of `refs`). */
  stats(refs: string[] = []): Promise<StatsEntry[]> {
    return query(this.globals, (ctx) => statsSnapshot(ctx, refs, { all: false, noTrunc: true }));
  }

  /** `exec`: runs a command in a running container and returns its status and output. */
  async exec(ref: string, command: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const r = await capture(this.globals, (ctx) =>
      execInContainer(ctx, {
        container: ref,
        command,
        interactive: false,
        tty: opts.tty ?? false,
        detach: false,
        env: opts.env ?? [],
        envFile: [],
        privileged: opts.privileged ?? false,
        ...(opts.workdir ? { workdir: opts.workdir } : {}),
        ...(opts.user ? { user: opts.user } : {}),
      }),
    );
    return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
  }

  /** `pull`: returns the pulled image's inspect document. */
  pull(ref: string, opts: { platform?: string } = {}): Promise<ImageInspect> {
    return query(this.globals, async (ctx) => {
      const pulled = await pullReference(
        ctx,
        { image: ref, quiet: true, ...(opts.platform ? { platform: opts.platform } : {}) },
        ctx.stdio.stderr,
      );
      return inspectDocument(ctx, pulled, 'image');
    });
  }

  /** `build CONTEXT`: returns the image id (sha256:…). */
  build(context: string, opts: BuildOptions = {}): Promise<string> {
    return query(this.globals, (ctx) =>
      buildImage(ctx, {
        context,
        tags: opts.tags ?? [],
        buildArgs: opts.buildArgs ?? [],
        noCache: opts.noCache ?? false,
        pull: false,
        // Not -q, which prints the id: the id is the function's result.
        quiet: false,
        labels: opts.labels ?? [],
        addHost: [],
        progress: 'quiet',
        cacheFrom: [],
        secret: [],
        ssh: [],
        output: [],
        ...(opts.file ? { file: opts.file } : {}),
        ...(opts.target ? { target: opts.target } : {}),
        ...(opts.platform ? { platform: opts.platform } : {}),
      }),
    );
  }
}
