/**
 * The shapes SDK calls return: Docker's own (the Engine API's inspect documents, `docker … --format
 * '{{json .}}'` rows), typed for the fields scripts use; every document carries the rest of what
 * `tsdock inspect` prints as well.
 */
import type { RunFlags } from '../runtime/opts/container.js';
import type { StatsRow } from '../runtime/container/stats.js';
import type { PortSummary } from '../runtime/format/ps.js';
import type { ContainerListEntry } from '../runtime/verbs/container/ls.js';
import type { ImageRow } from '../runtime/verbs/image/ls.js';
import type { Volume } from '../runtime/volumes/store.js';

export type { ContainerListEntry, PortSummary };

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

export interface HealthState {
  Status: 'starting' | 'healthy' | 'unhealthy' | 'none';
  FailingStreak: number;
  Log: { Start: string; End: string; ExitCode: number; Output: string }[];
}

export interface ContainerState {
  Status: 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  Health?: HealthState;
}

export interface ContainerConfig {
  Hostname: string;
  Domainname: string;
  User: string;
  Env: string[] | null;
  Cmd: string[] | null;
  Entrypoint: string[] | null;
  Image: string;
  WorkingDir: string;
  Labels: Record<string, string> | null;
  ExposedPorts?: Record<string, object>;
  Tty: boolean;
  OpenStdin: boolean;
  StopSignal?: string;
  [key: string]: unknown;
}

export interface PortBinding {
  HostIp: string;
  HostPort: string;
}

export interface HostConfig {
  NetworkMode: string;
  PortBindings: Record<string, PortBinding[]> | null;
  Binds: string[] | null;
  AutoRemove: boolean;
  RestartPolicy: { Name: string; MaximumRetryCount: number };
  Memory: number;
  NanoCpus: number;
  CpuQuota: number;
  CpuPeriod: number;
  CpuShares: number;
  PidsLimit: number | null;
  Privileged: boolean;
  CapAdd: string[] | null;
  CapDrop: string[] | null;
  [key: string]: unknown;
}

export interface EndpointSettings {
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  MacAddress: string;
  Aliases: string[] | null;
  [key: string]: unknown;
}

export interface MountPoint {
  Type: 'bind' | 'volume' | 'tmpfs' | string;
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

/** `docker container inspect`'s document (GET /containers/{id}/json). */
export interface ContainerInspect {
  Id: string;
  Created: string;
  Path: string;
  Args: string[];
  State: ContainerState;
  Image: string;
  Name: string;
  RestartCount: number;
  LogPath: string;
  HostConfig: HostConfig;
  Mounts: MountPoint[];
  Config: ContainerConfig;
  NetworkSettings: {
    Ports: Record<string, PortBinding[] | null>;
    Networks: Record<string, EndpointSettings>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** `docker image inspect`'s document (GET /images/{name}/json). */
export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Created: string;
  Architecture: string;
  Os: string;
  Size: number;
  Config: ContainerConfig;
  RootFS: { Type: string; Layers: string[] };
  [key: string]: unknown;
}

/** `docker network inspect`'s document (GET /networks/{id}). */
export interface NetworkInspect {
  Name: string;
  Id: string;
  Created: string;
  Scope: string;
  Driver: string;
  EnableIPv6: boolean;
  IPAM: {
    Driver: string;
    Options: Record<string, string> | null;
    Config: { Subnet: string; Gateway?: string; IPRange?: string }[];
  };
  Internal: boolean;
  Attachable: boolean;
  Containers: Record<
    string,
    { Name: string; EndpointID: string; MacAddress: string; IPv4Address: string; IPv6Address: string }
  >;
  Options: Record<string, string>;
  Labels: Record<string, string>;
  [key: string]: unknown;
}

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

/** `docker compose ps --format json`, one per container. */
export interface ComposeContainerEntry {
  ID: string;
  Name: string;
  Names: string;
  Project: string;
  Service: string;
  Image: string;
  Command: string;
  CreatedAt: string;
  RunningFor: string;
  State: string;
  Status: string;
  Health: string;
  ExitCode: number;
  Ports: string;
  Publishers: { URL: string; TargetPort: number; PublishedPort: number; Protocol: string }[];
  Labels: string;
  LocalVolumes: string;
  Mounts: string;
  Networks: string;
  Size: string;
}
