/**
 * Containers of the namespace that tsdock did not make (`ctr run`, a kubelet through CRI, nerdctl):
 * what containerd knows of them is all there is — the container record (labels, image, spec,
 * creation time) and its task. tsdock shows them as nerdctl does and acts on them only through
 * containerd; it never writes a file for them.
 */
import { readFileSync } from 'node:fs';
import type { Container, Process } from '../containerd/types.js';
import { rfc3339NanoOf } from '../state/clock.js';
import { initialState, ZERO_TIME, type ContainerRecord, type ContainerRunState } from '../state/records.js';
import type { OciSpec } from '../spec/types.js';

/** The label tsdock puts its container names in (see create). */
export const NAME_LABEL = 'tsdock/name';
/** nerdctl's name label: a container nerdctl made goes by that name, as nerdctl shows it. */
const NERDCTL_NAME_LABEL = 'nerdctl/name';
const K8S_NAMESPACE = 'io.kubernetes.pod.namespace';
const K8S_POD = 'io.kubernetes.pod.name';
const K8S_CONTAINER = 'io.kubernetes.container.name';
/** containerd's client (WithImageStopSignal) records the image's STOPSIGNAL here. */
const STOP_SIGNAL_LABEL = 'io.containerd.image.config.stop-signal';
/**
 * containerd's CRI plugin keeps its own record of a container as JSON in this extension; its
 * LogPath is the file the plugin writes the container's output to (CRI log format). The second
 * name is containerd 2's.
 */
const CRI_METADATA = ['io.cri-containerd.container.metadata', 'io.containerd.cri.container.metadata'];

/** A container of another client, and its task if it has one. */
export interface Foreign {
  id: string;
  /** What NAMES shows and what it is found by (besides its id). */
  name: string;
  container: Container;
  task?: Process;
}

/**
 * NAMES as nerdctl prints them: a client's name label, `k8s://<namespace>/<pod>/<container>` for a
 * CRI container (`k8s://<namespace>/<pod>` for a pod's sandbox), the containerd id otherwise.
 */
export function foreignName(c: Pick<Container, 'id' | 'labels'>): string {
  const l = c.labels;
  const named = l[NAME_LABEL] ?? l[NERDCTL_NAME_LABEL];
  if (named) return named;
  const ns = l[K8S_NAMESPACE];
  const pod = l[K8S_POD];
  if (ns !== undefined && pod !== undefined) {
    const ctr = l[K8S_CONTAINER];
    return ctr !== undefined ? `k8s://${ns}/${pod}/${ctr}` : `k8s://${ns}/${pod}`;
  }
  return c.id;
}

/**
 * containerd's CRI plugin labels every container it makes, sandbox or not, with its kind; the
 * kubelet's own labels name the pod. Such a container is the kubelet's to remove: it would make it
 * again, or report the pod failed.
 */
const CRI_KIND = 'io.cri-containerd.kind';

/** The pod of a container a kubelet made through containerd's CRI plugin, or undefined. */
export function kubeletPod(
  labels: Record<string, string>,
): { namespace: string; pod: string; kind: string } | undefined {
  const kind = labels[CRI_KIND];
  if (kind === undefined) return undefined;
  return { namespace: labels[K8S_NAMESPACE] ?? '', pod: labels[K8S_POD] ?? '', kind };
}

/** The container's OCI spec, as far as it has the shape tsdock reads (another client wrote it). */
export function foreignSpec(c: Container): Partial<OciSpec> {
  const s = c.spec;
  return typeof s === 'object' && s !== null ? (s as Partial<OciSpec>) : {};
}

export function processArgs(spec: Partial<OciSpec>): string[] {
  const args = spec.process?.args;
  return Array.isArray(args) ? args.filter((a): a is string => typeof a === 'string') : [];
}

const jiffiesPerSecond = 100; // USER_HZ, which /proc reports start times in on every Linux ABI

/**
 * When a process started, from the kernel: containerd does not keep a task's start time. /proc's
 * start time is in clock ticks since boot; measured back from the uptime (to the hundredth of a
 * second, where the boot time /proc/stat gives is in whole seconds).
 */
export function processStartTime(pid: number): Date | undefined {
  if (pid <= 0) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const uptime = Number(readFileSync('/proc/uptime', 'latin1').split(' ')[0]);
    const now = Date.now();
    // The command name may hold spaces or parentheses: the fields after it follow the last ')'.
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    if (!Number.isFinite(ticks) || !Number.isFinite(uptime)) return undefined;
    return new Date(now - (uptime - ticks / jiffiesPerSecond) * 1000);
  } catch {
    return undefined; // gone meanwhile
  }
}

const rfc3339 = (d: Date) => rfc3339NanoOf(BigInt(d.getTime()) * 1_000_000n);

/**
 * Docker's state from the task alone. containerd does not record when a task started: a running
 * task's process says it (/proc); for a stopped one the container's creation time stands in, so
 * its status reads `Exited (code) … ago`, as the task says, and not `Created`.
 */
export function foreignState(f: Pick<Foreign, 'container' | 'task'>): ContainerRunState {
  const t = f.task;
  const created = f.container.createdAt;
  const s: ContainerRunState = initialState();
  if (!t) return s;
  switch (t.status) {
    case 'RUNNING':
    case 'PAUSED':
    case 'PAUSING': {
      s.status = t.status === 'RUNNING' ? 'running' : 'paused';
      s.pid = t.pid;
      const started = processStartTime(t.pid);
      if (started) s.startedAt = rfc3339(started);
      break;
    }
    case 'STOPPED':
      s.status = 'exited';
      s.exitCode = t.exitStatus;
      if (created) s.startedAt = rfc3339(created);
      if (t.exitedAtNanos) s.finishedAt = rfc3339NanoOf(t.exitedAtNanos);
      break;
    case 'CREATED':
      break;
    default:
      // containerd cannot reach the task's shim: Docker's word for a container it cannot manage.
      s.status = 'dead';
  }
  return s;
}

/**
 * What a listing needs of a foreign container, in the shape of tsdock's own record: name, image,
 * command, labels, creation time. Never written anywhere; a view for ps and its filters.
 */
export function foreignRecord(f: Pick<Foreign, 'id' | 'name' | 'container'>): ContainerRecord {
  const c = f.container;
  const spec = foreignSpec(c);
  const args = processArgs(spec);
  return {
    id: f.id,
    name: f.name,
    created: c.createdAt ? rfc3339(c.createdAt) : ZERO_TIME,
    imageRef: c.image,
    imageName: c.image,
    imageId: '',
    path: args[0] ?? '',
    args: args.slice(1),
    config: { Labels: c.labels, Image: c.image },
    hostConfig: {},
    logPath: '',
    stopSignal: c.labels[STOP_SIGNAL_LABEL] || 'SIGTERM',
    stopTimeout: 10,
    autoRemove: false,
    interactive: false,
    tty: spec.process?.terminal === true,
    networkMode: '',
    logOpts: {},
  };
}

/**
 * Where the container's output can be read, if anywhere: the file containerd's CRI plugin writes
 * (CRI log format), or a file the task's stdout goes to (`ctr run --log-uri file:///…`: the raw
 * output). A FIFO (what `ctr run` gives a task by default) is not a log: reading it would take
 * the output from whoever reads it, and what was written before is gone.
 */
export function foreignLog(
  f: Pick<Foreign, 'container' | 'task'>,
): { path: string; format: 'cri' | 'raw' } | undefined {
  for (const key of CRI_METADATA) {
    const ext = f.container.extensions?.[key];
    if (!ext) continue;
    try {
      const meta = JSON.parse(ext.value.toString('utf8')) as { Metadata?: { LogPath?: unknown } };
      const path = meta.Metadata?.LogPath;
      if (typeof path === 'string' && path) return { path, format: 'cri' };
    } catch {
      /* not the JSON the CRI plugin writes: no log to be found there */
    }
  }
  const out = f.task?.stdout ?? '';
  if (out.startsWith('file://')) {
    try {
      return { path: decodeURIComponent(new URL(out).pathname), format: 'raw' };
    } catch {
      return undefined;
    }
  }
  return undefined;
}
