/**
 * A loaded compose project: every file merged, interpolated, validated and normalised. `model` is
 * the canonical tree (what `compose config` prints); services and networks carry that tree's part
 * (`raw`) plus the typed fields the engine reads.
 */

export type DependsCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

export interface Dependency {
  condition: DependsCondition;
  required: boolean;
  /** Restart this service when the dependency is recreated or restarted. */
  restart: boolean;
}

export interface PortConfig {
  target: number;
  /** A port, a range (`8000-8010`), or absent for a random one. */
  published?: string;
  host_ip?: string;
  protocol: string;
  mode: string;
}

export interface ServiceNetwork {
  aliases: string[];
  ipv4_address?: string;
  mac_address?: string;
}

export interface Service {
  name: string;
  /** The service's canonical tree (what the config hash covers). */
  raw: Record<string, unknown>;
  image?: string;
  command?: string[];
  entrypoint?: string[];
  /** Resolved: env_file contents, then `environment`; null values are unset in the container. */
  environment: Record<string, string | null>;
  labels: Record<string, string>;
  ports: PortConfig[];
  expose: string[];
  /** Network key (in the project's networks) → settings; empty with network_mode. */
  networks: Record<string, ServiceNetwork>;
  networkMode?: string;
  dependsOn: Record<string, Dependency>;
  profiles: string[];
  containerName?: string;
  /** deploy.replicas / scale; 1 when neither is set. */
  scale: number;
  /** `build`: always build (services with a build section). */
  pullPolicy: 'always' | 'missing' | 'never' | 'build';
  /** `attach: false` keeps its output out of a foreground `up`. */
  attach: boolean;
}

export interface NetworkConfig {
  /** The key in the file (`default`). */
  key: string;
  /** The engine's name (`<project>_default`, or `name:`). */
  name: string;
  external: boolean;
  raw: Record<string, unknown>;
}

export interface Project {
  name: string;
  workingDir: string;
  /** Absolute paths of the files read, `-` for stdin. */
  configFiles: string[];
  /** The environment used for interpolation (process environment, then env files). */
  environment: Record<string, string>;
  envFiles: string[];
  /** Services enabled by the active profiles (and by name on the command line). */
  services: Record<string, Service>;
  disabledServices: Record<string, Service>;
  networks: Record<string, NetworkConfig>;
  /** Active profiles. */
  profiles: string[];
  model: Record<string, unknown>;
  warnings: string[];
}
