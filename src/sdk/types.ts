/**
 * The shapes SDK calls return: Docker's own (the Engine API's inspect documents, `docker … --format
 * '{{json .}}'` rows), typed for the fields scripts use; every document carries the rest of what
 * `tsdock inspect` prints as well.
 */
import type { RunFlags } from '../runtime/opts/container.js';
import type { StatsRow } from '../runtime/container/stats.js';
import type { PortSummary } from '../runtime/format/ps.js';
import type { ContainerListEntry } from '../runtime/verbs/container/ls.js';
import type { ComposeContainerEntry } from '../runtime/verbs/compose/ps.js';
import type { ImageRow } from '../runtime/verbs/image/ls.js';
import type { Volume } from '../runtime/volumes/store.js';
import type { PruneItem } from '../runtime/images/prune.js';
import type { DiskUsageRow } from '../runtime/verbs/system/df.js';
import type { SystemInfo } from '../runtime/verbs/system/info.js';

export type { SystemInfo };

/** `docker system df --format '{{json .}}'`: one row per kind (Images, Containers, Local Volumes, Build Cache). */
export type DiskUsageEntry = DiskUsageRow;

export type { ComposeContainerEntry, ContainerListEntry, PortSummary };
export type {
  ContainerConfig,
  ContainerInspect,
  ContainerState,
  EndpointSettings,
  HealthState,
  HostConfig,
  ImageInspect,
  MountPoint,
  NetworkInspect,
  PortBinding,
} from '../runtime/docker-types.js';

/** One line of `image prune`'s report: a name untagged or an image (sha256:…) deleted. */
export type ImagePruneItem = PruneItem;

/** `docker images --format '{{json .}}'`, one per name. */
export type ImageListEntry = ImageRow;

/** Docker's flags of `run`/`create` in camelCase (`publish`, `memory`, `capAdd` …), values as typed on the command line. */
export type ContainerCreateOptions = Omit<
  RunFlags,
  'image' | 'args' | 'detach' | 'sigProxy' | 'detachKeys' | 'attach'
>;

export interface RunOptions extends ContainerCreateOptions {
  /** As `run -d`: return once the container runs; otherwise wait for it to exit and return its output. */
  detach?: boolean;
}

export interface RunResult {
  /** The container's id; known for a detached run (a foreground run may have removed it, --rm). */
  id?: string;
  /** The container's exit status; null for a detached run. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  env?: string[];
  workdir?: string;
  user?: string;
  privileged?: boolean;
  tty?: boolean;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface LogsOptions {
  follow?: boolean;
  /** Lines from the end (`--tail`). */
  tail?: number;
  since?: string;
  until?: string;
  timestamps?: boolean;
}

/** A piece of a container's log as written, with the stream it came from. */
export interface LogChunk {
  stream: 'stdout' | 'stderr';
  text: string;
}

/** `docker stats --no-stream --format '{{json .}}'`. */
export type StatsEntry = StatsRow;

export interface NetworkCreateOptions {
  driver?: string;
  subnet?: string[];
  gateway?: string[];
  ipRange?: string[];
  internal?: boolean;
  labels?: string[];
  options?: string[];
}

export interface BuildOptions {
  /** -t: names for the image. */
  tags?: string[];
  /** -f: the Dockerfile, relative to the current directory (default CONTEXT/Dockerfile). */
  file?: string;
  /** KEY=VALUE */
  buildArgs?: string[];
  target?: string;
  noCache?: boolean;
  labels?: string[];
  platform?: string;
}

/** `docker volume inspect`'s document (GET /volumes/{name}). */
export type VolumeInspect = Volume;

export interface VolumeCreateOptions {
  /** Only `local`. */
  driver?: string;
  labels?: string[];
  /** The local driver's -o: type, device, o. */
  options?: string[];
}

/**
 * Which compose project: docker compose's project flags in camelCase. Unset, as the CLI finds it
 * (COMPOSE_FILE, compose.yaml in the current directory or a parent, COMPOSE_PROJECT_NAME …).
 */
export interface ComposeProjectOptions {
  /** -f: the compose files, merged in order. */
  file?: string[];
  /** --project-directory: where compose.yaml is looked for and relative paths start. */
  projectDirectory?: string;
  /** -p: the project's name (down and ps find a project by its name alone). */
  projectName?: string;
  envFile?: string[];
  profile?: string[];
}

/** `compose up -d`: always detached; resolves once the services are started (healthy with `wait`). */
export interface ComposeUpOptions extends ComposeProjectOptions {
  /** Only these services (and what they depend on, unless `noDeps`). */
  services?: string[];
  noDeps?: boolean;
  build?: boolean;
  noBuild?: boolean;
  /** always, missing, never (default: each service's pull_policy). */
  pull?: string;
  forceRecreate?: boolean;
  noRecreate?: boolean;
  removeOrphans?: boolean;
  /** SERVICE=NUM */
  scale?: string[];
  /** Seconds a container replaced or removed gets to stop. */
  timeout?: number;
  /** Wait until the services run (or are healthy, with a healthcheck). */
  wait?: boolean;
  /** Seconds, with `wait`. */
  waitTimeout?: number;
}

/** `compose down`. */
export interface ComposeDownOptions extends ComposeProjectOptions {
  /** Only these services' containers (the networks stay). */
  services?: string[];
  /** -v: named volumes of the project and anonymous ones of its containers. */
  volumes?: boolean;
  /** local or all: the services' images too. */
  rmi?: 'local' | 'all';
  removeOrphans?: boolean;
  timeout?: number;
}

/** `compose ps`. */
export interface ComposePsOptions extends ComposeProjectOptions {
  services?: string[];
  /** -a: stopped containers and one-off ones too. */
  all?: boolean;
  /** --status: paused, restarting, removing, running, dead, created, exited. */
  status?: string[];
}
