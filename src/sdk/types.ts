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
