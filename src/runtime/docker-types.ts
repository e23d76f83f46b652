/**
 * Docker's Engine API documents as tsdock produces them (inspect of containers, images, networks),
 * typed for the fields scripts use; every document carries the rest of what `tsdock inspect`
 * prints as well. The verbs return them and the SDK hands them out unchanged.
 */
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
