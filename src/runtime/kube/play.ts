/**
 * Kubernetes objects → what `kube play` makes with tsdock's own parts, planned before anything is
 * made. A pod is an infrastructure container (a pause process) that holds the pod's network, IPC
 * and hostname, and the pod's containers joined to it as `--network container:` / `--ipc
 * container:` do; init containers run to completion first. Deployments are `replicas` such pods;
 * a Service's ports are published on the host (`nodePort`, else `port`) and spread over every pod
 * it selects, as kube-proxy does (network/services.ts); PersistentVolumeClaims are named volumes; ConfigMaps and Secrets from the same file
 * become environment variables and read-only files. Resources become the cgroup limits the
 * kubelet would set. Pure: the verb carries out the plan.
 */
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IPod } from 'kubernetes-models/v1/Pod';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { IKeyToPath } from 'kubernetes-models/v1/KeyToPath';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import type { RunFlags } from '../opts/container.js';
import type { KubeObject } from './objects.js';
import { cpuToMilli, memoryToBytes, milliToShares } from './quantity.js';

/** Labels every container kube play makes carries: which pod, from which file. */
export const POD_LABEL = 'io.tsdock.kube.pod';
export const FILE_LABEL = 'io.tsdock.kube.file';

/**
 * The user network every played pod joins (podman has its podman-default-kube-network): its
 * Services' names are the pods' aliases there, so a pod reaches another by Service name, as
 * cluster DNS resolves it.
 */
export const KUBE_NETWORK = 'tsdock-kube';

export interface PlannedContainer {
  name: string;
  image: string;
  command: string[];
  flags: RunFlags;
}

export interface PlannedFile {
  path: string;
  content: Buffer;
  mode: number;
}

export interface PodPlan {
  name: string;
  infra: PlannedContainer;
  /** Run one after the other, each to a zero exit, before the containers start. */
  init: PlannedContainer[];
  containers: PlannedContainer[];
  /** ConfigMap and Secret volumes as files, written before the containers are made. */
  files: PlannedFile[];
  /** The directory holding them (removed by kube down). */
  filesDir: string;
}

/** A Service's host ports, spread over the pods it selects (their infrastructure containers). */
export interface ServicePlan {
  name: string;
  ports: { hostPort: number; proto: string }[];
  /** Each selected pod on the pods' network, with the port it serves each Service port on. */
  backends: { pod: string; infra: string; targets: number[] }[];
}

export interface PlayPlan {
  pods: PodPlan[];
  services: ServicePlan[];
  /** Named volumes: the PersistentVolumeClaims and the pods' disk emptyDirs. */
  volumes: string[];
  /** The user network the pods join (none when every pod uses the host's network). */
  network?: string;
  warnings: string[];
}

export interface PlayContext {
  /** The manifest's absolute path (a label on every container). */
  file: string;
  /** Where ConfigMap and Secret volumes are written, one directory per pod. */
  filesRoot: string;
  /** The pause image the infrastructure containers run. */
  pauseImage: string;
}

/** The kubelet's probe defaults (seconds; failureThreshold a count). */
const PROBE_DEFAULTS = { periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 };

interface PodSource {
  name: string;
  labels: Record<string, string>;
  spec: IPodSpec;
  /** Pods of a Deployment always restart. */
  restart?: 'Always';
}

export function planPlay(objects: KubeObject[], ctx: PlayContext): PlayPlan {
  const warnings: string[] = [];
  const configMaps = new Map<string, Record<string, Buffer>>();
  const claims: string[] = [];
  const sources: PodSource[] = [];
  const services: IService[] = [];
  for (const obj of objects) {
    switch (`${obj.apiVersion}/${obj.kind}`) {
      case 'v1/ConfigMap': {
        const cm = obj as unknown as IConfigMap;
        const data: Record<string, Buffer> = {};
        for (const [k, v] of Object.entries(cm.data ?? {})) data[k] = Buffer.from(v);
        for (const [k, v] of Object.entries(cm.binaryData ?? {})) data[k] = Buffer.from(v, 'base64');
        configMaps.set(`configmap/${obj.metadata.name}`, data);
        break;
      }
      case 'v1/Secret': {
        const s = obj as unknown as ISecret;
        const data: Record<string, Buffer> = {};
        for (const [k, v] of Object.entries(s.data ?? {})) data[k] = Buffer.from(v, 'base64');
        for (const [k, v] of Object.entries(s.stringData ?? {})) data[k] = Buffer.from(v);
        configMaps.set(`secret/${obj.metadata.name}`, data);
        break;
      }
      case 'v1/PersistentVolumeClaim': {
        const pvc = obj as unknown as IPersistentVolumeClaim;
        if (pvc.spec?.storageClassName || pvc.spec?.volumeName) {
          warnings.push(
            `PersistentVolumeClaim ${obj.metadata.name}: storage class and volume name are not carried (a local volume)`,
          );
        }
        claims.push(obj.metadata.name);
        break;
      }
      case 'v1/Pod': {
        const pod = obj as unknown as IPod;
        sources.push({ name: obj.metadata.name, labels: obj.metadata.labels ?? {}, spec: pod.spec! });
        break;
      }
      case 'apps/v1/Deployment': {
        const d = obj as unknown as IDeployment;
        const replicas = d.spec?.replicas ?? 1;
        const template = d.spec!.template;
        for (let i = 0; i < replicas; i++) {
          sources.push({
            name: `${obj.metadata.name}-${i}`,
            labels: template.metadata?.labels ?? {},
            spec: template.spec!,
            restart: 'Always',
          });
        }
        break;
      }
      case 'v1/Service':
        services.push(obj as unknown as IService);
        break;
      default:
        throw new UsageError(
          `${obj.kind} ${obj.metadata.name}: kube play runs Pods, Deployments, Services, ConfigMaps, Secrets and PersistentVolumeClaims`,
        );
    }
  }
  const names = new Set<string>();
  for (const s of sources) {
    if (names.has(s.name)) throw new UsageError(`two pods named ${s.name} in ${ctx.file}`);
    names.add(s.name);
  }
  const volumes = new Set(claims);
  const pods = sources.map((s) => planPod(s, ctx, configMaps, volumes, warnings));
  const planned = services
    .map((svc) => planService(svc, sources, pods, warnings))
    .filter((p): p is ServicePlan => p !== undefined);
  const seen = new Map<string, string>();
  for (const svc of planned) {
    for (const p of svc.ports) {
      const other = seen.get(`${p.hostPort}/${p.proto}`);
      if (other)
        throw new UsageError(
          `Service ${svc.name}: host port ${p.hostPort}/${p.proto} is Service ${other}'s too`,
        );
      seen.set(`${p.hostPort}/${p.proto}`, svc.name);
    }
  }
  const network = pods.some((p) => p.infra.flags.network === KUBE_NETWORK) ? { network: KUBE_NETWORK } : {};
  return { pods, volumes: [...volumes], services: planned, ...network, warnings };
}

function lookup(
  maps: Map<string, Record<string, Buffer>>,
  kind: 'configmap' | 'secret',
  name: string,
  optional: boolean | undefined,
): Record<string, Buffer> | undefined {
  const data = maps.get(`${kind}/${name}`);
  if (!data && !optional) {
    throw new UsageError(
      `${kind === 'configmap' ? 'ConfigMap' : 'Secret'} "${name}" not found: kube play reads them from the same file`,
    );
  }
  return data;
}

function planPod(
  src: PodSource,
  ctx: PlayContext,
  maps: Map<string, Record<string, Buffer>>,
  volumes: Set<string>,
  warnings: string[],
): PodPlan {
  const spec = src.spec;
  const pod = src.name;
  const warn = (w: string) => warnings.push(`pod ${pod}: ${w}`);
  const labels = [
    ...Object.entries(src.labels).map(([k, v]) => `${k}=${v}`),
    `${POD_LABEL}=${pod}`,
    `${FILE_LABEL}=${ctx.file}`,
  ];
  const filesDir = join(ctx.filesRoot, pod);
  const files: PlannedFile[] = [];

  // The pod's volumes, each as the flags that mount it (the mount path comes with each container).
  type Source = { kind: 'volume' | 'bind'; source: string } | { kind: 'tmpfs'; size?: string };
  const sourceOf = new Map<string, Source>();
  const memoryEmptyDirUse = new Map<string, number>();
  for (const v of spec.volumes ?? []) {
    if (v.persistentVolumeClaim) {
      volumes.add(v.persistentVolumeClaim.claimName);
      sourceOf.set(v.name, { kind: 'volume', source: v.persistentVolumeClaim.claimName });
    } else if (v.emptyDir) {
      if (v.emptyDir.medium === 'Memory') {
        const size =
          v.emptyDir.sizeLimit !== undefined ? String(memoryToBytes(v.emptyDir.sizeLimit)) : undefined;
        sourceOf.set(v.name, { kind: 'tmpfs', ...(size ? { size } : {}) });
      } else {
        const name = `${pod}-${v.name}`;
        volumes.add(name);
        sourceOf.set(v.name, { kind: 'volume', source: name });
      }
    } else if (v.hostPath) {
      sourceOf.set(v.name, { kind: 'bind', source: v.hostPath.path });
    } else if (v.configMap || v.secret) {
      const isMap = Boolean(v.configMap);
      const name = (isMap ? v.configMap!.name : v.secret!.secretName) ?? '';
      const optional = isMap ? v.configMap!.optional : v.secret!.optional;
      const data = lookup(maps, isMap ? 'configmap' : 'secret', name, optional) ?? {};
      const items: IKeyToPath[] | undefined = isMap ? v.configMap!.items : v.secret!.items;
      const mode = (isMap ? v.configMap!.defaultMode : v.secret!.defaultMode) ?? 0o644;
      const dir = join(filesDir, v.name);
      const chosen: IKeyToPath[] = items ?? Object.keys(data).map((key) => ({ key, path: key }));
      for (const it of chosen) {
        const content = data[it.key];
        if (!content) throw new UsageError(`volume ${v.name}: key ${it.key} not found in ${name}`);
        files.push({ path: join(dir, it.path), content, mode: it.mode ?? mode });
      }
      sourceOf.set(v.name, { kind: 'bind', source: dir });
    } else {
      throw new UsageError(
        `pod ${pod}: volume ${v.name}: kube play mounts persistentVolumeClaim, emptyDir, hostPath, configMap and secret volumes`,
      );
    }
  }

  const restart = src.restart ?? spec.restartPolicy ?? 'Always';
  const restartFlag = restart === 'Always' ? 'always' : restart === 'OnFailure' ? 'on-failure' : 'no';
  const podSc = spec.securityContext ?? {};
  if (podSc.supplementalGroups?.length) warn('supplementalGroups: not carried');

  const containerFlags = (c: IContainer, init: boolean): PlannedContainer => {
    const flags: RunFlags = {
      name: `${pod}-${c.name}`,
      label: [...labels, `io.tsdock.kube.container=${c.name}`],
      network: `container:${pod}-infra`,
      ipc: spec.hostIPC ? 'host' : `container:${pod}-infra`,
      restart: init ? 'no' : restartFlag,
    };
    if (spec.hostPID) flags.pid = 'host';
    else if (spec.shareProcessNamespace) flags.pid = `container:${pod}-infra`;
    // Kubernetes: command replaces ENTRYPOINT (and the image's CMD with it), args replace CMD.
    let command: string[] = [];
    if (c.command && c.command.length > 0) {
      flags.entrypoint = c.command[0];
      command = [...c.command.slice(1), ...(c.args ?? [])];
    } else if (c.args) command = [...c.args];
    if (c.workingDir) flags.workdir = c.workingDir;
    if (c.tty) flags.tty = true;
    if (c.stdin) flags.interactive = true;
    flags.env = envOf(c, pod, maps, warn);
    Object.assign(flags, resourceFlags(c));
    Object.assign(flags, securityFlags(c, podSc, warn));
    const probe = c.livenessProbe ?? c.readinessProbe;
    if (c.livenessProbe && c.readinessProbe)
      warn(`${c.name}: readinessProbe not carried (the livenessProbe is its healthcheck)`);
    if (c.startupProbe) warn(`${c.name}: startupProbe not carried`);
    if (probe) Object.assign(flags, probeFlags(probe, `${c.name}`, warn));
    if (spec.terminationGracePeriodSeconds !== undefined)
      flags.stopTimeout = spec.terminationGracePeriodSeconds;
    const vflags: string[] = [];
    const tmpfs: string[] = [];
    for (const m of c.volumeMounts ?? []) {
      const s = sourceOf.get(m.name);
      if (!s)
        throw new UsageError(
          `pod ${pod}: container ${c.name} mounts volume ${m.name}, which the pod does not define`,
        );
      const ro = m.readOnly ? ':ro' : '';
      if (s.kind === 'tmpfs') {
        memoryEmptyDirUse.set(m.name, (memoryEmptyDirUse.get(m.name) ?? 0) + 1);
        tmpfs.push(
          `${m.mountPath}${s.size ? `:size=${s.size}` : ''}${m.readOnly ? `${s.size ? ',' : ':'}ro` : ''}`,
        );
      } else if (m.subPath) {
        if (s.kind !== 'bind')
          throw new UsageError(
            `pod ${pod}: subPath on volume ${m.name} is supported for hostPath, configMap and secret volumes`,
          );
        vflags.push(`${join(s.source, m.subPath)}:${m.mountPath}${ro}`);
      } else {
        // ConfigMaps and Secrets are read-only in Kubernetes, whatever the mount says.
        const readOnly = ro || (s.kind === 'bind' && s.source.startsWith(filesDir) ? ':ro' : '');
        vflags.push(`${s.source}:${m.mountPath}${readOnly}`);
      }
    }
    if (vflags.length > 0) flags.volume = vflags;
    if (tmpfs.length > 0) flags.tmpfs = tmpfs;
    for (const p of c.ports ?? []) {
      // hostPort is exactly Docker's -p: published on the pod's infrastructure container.
      if (p.hostPort)
        infraPublish.push(
          `${p.hostIP ? `${p.hostIP}:` : ''}${p.hostPort}:${p.containerPort}/${(p.protocol ?? 'TCP').toLowerCase()}`,
        );
    }
    if (!c.image) throw new UsageError(`pod ${pod}: container ${c.name} has no image`);
    if (c.imagePullPolicy === 'Always') flags.pull = 'always';
    else if (c.imagePullPolicy === 'Never') flags.pull = 'never';
    return { name: flags.name!, image: c.image, command, flags };
  };

  const infraPublish: string[] = [];
  const init = (spec.initContainers ?? []).map((c) => containerFlags(c, true));
  const containers = spec.containers.map((c) => containerFlags(c, false));
  for (const [name, n] of memoryEmptyDirUse) {
    if (n > 1) warn(`emptyDir ${name} (medium Memory) is a tmpfs per container, not shared between them`);
  }
  const infraFlags: RunFlags = {
    name: `${pod}-infra`,
    network: KUBE_NETWORK,
    label: [...labels, 'io.tsdock.kube.infra=true'],
    hostname: spec.hostname ?? pod,
    restart: restartFlag === 'no' ? 'no' : 'always',
    ipc: spec.hostIPC ? 'private' : 'shareable',
  };
  if (spec.hostNetwork) {
    infraFlags.network = 'host';
    delete infraFlags.hostname;
  }
  if (infraPublish.length > 0) infraFlags.publish = infraPublish;
  if (spec.hostAliases?.length) {
    infraFlags.addHost = spec.hostAliases.flatMap((a) => (a.hostnames ?? []).map((h) => `${h}:${a.ip}`));
  }
  if (spec.dnsConfig) {
    if (spec.dnsConfig.nameservers) infraFlags.dns = spec.dnsConfig.nameservers;
    if (spec.dnsConfig.searches) infraFlags.dnsSearch = spec.dnsConfig.searches;
    if (spec.dnsConfig.options) {
      infraFlags.dnsOption = spec.dnsConfig.options.map((o) =>
        o.value !== undefined ? `${o.name}:${o.value}` : o.name!,
      );
    }
  }
  if (podSc.sysctls?.length) infraFlags.sysctl = podSc.sysctls.map((s) => `${s.name}=${s.value}`);
  return {
    name: pod,
    infra: { name: infraFlags.name!, image: ctx.pauseImage, command: [], flags: infraFlags },
    init,
    containers,
    files,
    filesDir,
  };
}

function envOf(
  c: IContainer,
  pod: string,
  maps: Map<string, Record<string, Buffer>>,
  warn: (w: string) => void,
): string[] {
  const env: string[] = [];
  for (const from of c.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const data = lookup(maps, from.configMapRef ? 'configmap' : 'secret', ref.name ?? '', ref.optional) ?? {};
    for (const [k, v] of Object.entries(data)) env.push(`${from.prefix ?? ''}${k}=${v.toString()}`);
  }
  for (const e of c.env ?? []) {
    if (e.valueFrom) {
      const vf = e.valueFrom;
      const keyRef = vf.configMapKeyRef ?? vf.secretKeyRef;
      if (keyRef) {
        const data = lookup(
          maps,
          vf.configMapKeyRef ? 'configmap' : 'secret',
          keyRef.name ?? '',
          keyRef.optional,
        );
        const value = data?.[keyRef.key];
        if (value === undefined) {
          if (keyRef.optional) continue;
          throw new UsageError(`env ${e.name}: key ${keyRef.key} not found in ${keyRef.name}`);
        }
        env.push(`${e.name}=${value.toString()}`);
      } else if (vf.fieldRef?.fieldPath === 'metadata.name') env.push(`${e.name}=${pod}`);
      else if (vf.fieldRef?.fieldPath === 'metadata.namespace') env.push(`${e.name}=default`);
      else
        warn(
          `${c.name}: env ${e.name}: only configMapKeyRef, secretKeyRef and fieldRef metadata.name/namespace are carried`,
        );
      continue;
    }
    env.push(`${e.name}=${e.value ?? ''}`);
  }
  return env;
}

/**
 * resources → the cgroup limits the kubelet sets: the CPU limit as CFS quota, the memory limit, the
 * CPU request as cpu.shares (a missing request is the limit; none at all is the BestEffort 2
 * shares). The memory request becomes Docker's soft limit, the inverse of kube generate.
 */
function resourceFlags(c: IContainer): RunFlags {
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  const flags: RunFlags = {};
  if (limits.cpu !== undefined) flags.cpus = String(cpuToMilli(limits.cpu) / 1000);
  if (limits.memory !== undefined) flags.memory = String(memoryToBytes(limits.memory));
  const cpuRequest = requests.cpu ?? limits.cpu;
  flags.cpuShares = String(milliToShares(cpuRequest !== undefined ? cpuToMilli(cpuRequest) : 0));
  const memRequest = requests.memory;
  if (memRequest !== undefined) flags.memoryReservation = String(memoryToBytes(memRequest));
  return flags;
}

function securityFlags(
  c: IContainer,
  pod: NonNullable<IPodSpec['securityContext']>,
  warn: (w: string) => void,
): RunFlags {
  const sc = c.securityContext ?? {};
  const flags: RunFlags = {};
  const uid = sc.runAsUser ?? pod.runAsUser;
  const gid = sc.runAsGroup ?? pod.runAsGroup;
  if (uid !== undefined) flags.user = gid !== undefined ? `${uid}:${gid}` : String(uid);
  else if (gid !== undefined) warn(`${c.name}: runAsGroup without runAsUser is not carried`);
  if (sc.capabilities?.add?.length) flags.capAdd = sc.capabilities.add;
  if (sc.capabilities?.drop?.length) flags.capDrop = sc.capabilities.drop;
  if (sc.privileged) flags.privileged = true;
  if (sc.readOnlyRootFilesystem) flags.readOnly = true;
  const opts: string[] = [];
  if (sc.allowPrivilegeEscalation === false) opts.push('no-new-privileges');
  const seccomp = sc.seccompProfile ?? pod.seccompProfile;
  if (seccomp?.type === 'Unconfined') opts.push('seccomp=unconfined');
  if (opts.length > 0) flags.securityOpt = opts;
  if (sc.runAsNonRoot ?? pod.runAsNonRoot) {
    if (uid === undefined || uid === 0)
      warn(`${c.name}: runAsNonRoot without a non-zero runAsUser is not checked`);
  }
  return flags;
}

function probeFlags(probe: IProbe, name: string, warn: (w: string) => void): RunFlags {
  if (!probe.exec?.command?.length) {
    warn(`${name}: only exec probes are carried (httpGet, tcpSocket and grpc need a client in the image)`);
    return {};
  }
  const flags: RunFlags = {
    healthCmd: ['CMD', ...probe.exec.command],
    healthInterval: `${probe.periodSeconds ?? PROBE_DEFAULTS.periodSeconds}s`,
    healthTimeout: `${probe.timeoutSeconds ?? PROBE_DEFAULTS.timeoutSeconds}s`,
    healthRetries: String(probe.failureThreshold ?? PROBE_DEFAULTS.failureThreshold),
  };
  if (probe.initialDelaySeconds) flags.healthStartPeriod = `${probe.initialDelaySeconds}s`;
  return flags;
}

const matches = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  selector !== undefined &&
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/**
 * A Service: its name an alias of every pod it selects on the pods' network (cluster DNS), its
 * ports published once on the host (`nodePort`, else `port`) and spread over all those pods, as
 * kube-proxy spreads a Service over its endpoints. A named targetPort is resolved in each pod.
 */
function planService(
  svc: IService,
  sources: PodSource[],
  pods: PodPlan[],
  warnings: string[],
): ServicePlan | undefined {
  const name = svc.metadata?.name ?? '?';
  const type = svc.spec?.type ?? 'ClusterIP';
  if (type === 'ExternalName') {
    warnings.push(`Service ${name}: ExternalName is not carried`);
    return undefined;
  }
  const selected = sources.map((s, i) => ({ s, i })).filter(({ s }) => matches(svc.spec?.selector, s.labels));
  if (selected.length === 0) {
    warnings.push(`Service ${name}: selects no pod in this file; its ports are not published`);
    return undefined;
  }
  const ports = svc.spec?.ports ?? [];
  const backends: ServicePlan['backends'] = [];
  for (const { s, i } of selected) {
    const flags = pods[i]!.infra.flags;
    if (flags.network !== KUBE_NETWORK) {
      warnings.push(
        `Service ${name}: pod ${s.name} uses the host's network, so neither the Service's name nor its ports reach it`,
      );
      continue;
    }
    if (!flags.networkAlias?.includes(name)) flags.networkAlias = [...(flags.networkAlias ?? []), name];
    const targets = ports.map((p) => {
      if (typeof p.targetPort !== 'string') return p.targetPort ?? p.port;
      const named = s.spec.containers.flatMap((c) => c.ports ?? []).find((cp) => cp.name === p.targetPort);
      if (!named)
        throw new UsageError(`Service ${name}: pod ${s.name} has no container port named ${p.targetPort}`);
      return named.containerPort;
    });
    backends.push({ pod: s.name, infra: flags.name!, targets });
  }
  if (backends.length === 0 || ports.length === 0) return undefined;
  if (svc.spec?.sessionAffinity === 'ClientIP') {
    warnings.push(
      `Service ${name}: sessionAffinity ClientIP is not carried (each connection picks a pod at random)`,
    );
  }
  return {
    name,
    ports: ports.map((p) => ({ hostPort: p.nodePort ?? p.port, proto: (p.protocol ?? 'TCP').toLowerCase() })),
    backends,
  };
}
