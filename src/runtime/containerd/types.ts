/** Plain TypeScript shapes of the containerd objects tsdock uses (camelCase, Dates, numbers). */

export interface Mount {
  type: string;
  source: string;
  target?: string;
  options: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface Container {
  id: string;
  labels: Record<string, string>;
  image: string;
  runtime: { name: string; options?: { typeUrl: string; value: Buffer } };
  /** The OCI runtime spec as a JS object (or pre-serialised JSON text when sent). */
  spec?: unknown;
  snapshotter: string;
  snapshotKey: string;
  createdAt?: Date;
  updatedAt?: Date;
  /** Opaque per-client data containerd stores with the container (Any values by name). */
  extensions?: Record<string, AnyValue>;
}

export type TaskStatus = 'UNKNOWN' | 'CREATED' | 'RUNNING' | 'STOPPED' | 'PAUSED' | 'PAUSING';

export interface Process {
  containerId: string;
  id: string;
  pid: number;
  status: TaskStatus;
  stdin: string;
  stdout: string;
  stderr: string;
  terminal: boolean;
  exitStatus: number;
  exitedAt?: Date;
  /** exitedAt to the nanosecond, as containerd reports it (Docker's State.FinishedAt keeps them). */
  exitedAtNanos?: bigint;
}

export interface Image {
  name: string;
  labels: Record<string, string>;
  target: Descriptor;
  createdAt?: Date;
  updatedAt?: Date;
}

export interface ContentInfo {
  digest: string;
  size: number;
  createdAt?: Date;
  updatedAt?: Date;
  labels: Record<string, string>;
}

/** An unfinished content ingest (a Write that has not been committed yet). */
export interface IngestStatus {
  ref: string;
  offset: number;
  total: number;
  expected: string;
  startedAt?: Date;
  updatedAt?: Date;
}

export interface SnapshotInfo {
  name: string;
  parent: string;
  kind: 'UNKNOWN' | 'VIEW' | 'ACTIVE' | 'COMMITTED';
  createdAt?: Date;
  updatedAt?: Date;
  labels: Record<string, string>;
}

export interface Lease {
  id: string;
  createdAt?: Date;
  labels: Record<string, string>;
}

export interface Plugin {
  type: string;
  id: string;
  requires: string[];
  platforms: { os: string; architecture: string; variant: string }[];
  exports: Record<string, string>;
  capabilities: string[];
  initErr?: { code: number; message: string };
}

export interface AnyValue {
  typeUrl: string;
  value: Buffer;
}

export interface Envelope {
  timestamp: Date;
  namespace: string;
  topic: string;
  /**
   * decoded: the payload of the task/container/image events tsdock defines, with camelCase keys and
   * Timestamps as Dates (e.g. TaskExit → {containerId, id, pid, exitStatus, exitedAt}).
   */
  event: AnyValue & { decoded?: Record<string, unknown> };
}

export interface Metric {
  timestamp?: Date;
  id: string;
  data: AnyValue;
}

export interface WriteRequest {
  ref: string;
  expected: string;
  total: number;
  labels?: Record<string, string>;
  /**
   * The blob's bytes; or, opened only once containerd has answered that the blob is not stored yet,
   * the bytes from the offset an interrupted write left in the ingest on — with where they really
   * start (a registry may ignore an HTTP Range and send everything).
   */
  source: Buffer | AsyncIterable<Buffer> | WriteSourceOpener;
  /** Called with the size of each chunk read from the source (download progress). */
  onBytes?: (n: number) => void;
}

export type WriteSourceOpener = (
  offset: number,
) => Promise<{ source: Buffer | AsyncIterable<Buffer>; offset: number }>;
