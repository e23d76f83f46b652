/**
 * A container, as `inspect` shows it, → Kubernetes objects: a v1 Pod or an apps/v1 Deployment, a v1
 * Service for its published ports, a PersistentVolumeClaim per named volume. Pure: the verb hands in
 * the inspect documents and writes out what comes back. What Kubernetes cannot carry is returned as
 * a warning (the verb prints it on stderr); what it carries with a caveat is noted as a comment on
 * the object (a bind's path will not exist on a cluster node, a 127.0.0.1 binding is not exposed).
 */
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IContainerPort } from 'kubernetes-models/v1/ContainerPort';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IPod } from 'kubernetes-models/v1/Pod';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IServicePort } from 'kubernetes-models/v1/ServicePort';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import type { IPodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import { cpuQuantity, memoryQuantity, nanoCpusToMilli, quotaToMilli, sharesToMilli } from './quantity.js';
import type { KubeDocument, KubeObject } from './objects.js';
import { APP_LABEL, DEFAULT_PVC_SIZE, dnsLabel, isLabelKey, isLabelValue } from './objects.js';

/** The parts of Docker's container inspect document the mapping reads. */
export interface InspectDoc {
  Id: string;
  Name: string;
  Config: {
    Hostname?: string;
    Domainname?: string;
    User?: string;
    Env?: string[] | null;
    Cmd?: string[] | null;
    Entrypoint?: string[] | null;
    Image: string;
    WorkingDir?: string;
    Labels?: Record<string, string> | null;
    ExposedPorts?: Record<string, object> | null;
    Healthcheck?: {
      Test?: string[];
      Interval?: number;
      Timeout?: number;
      StartPeriod?: number;
      Retries?: number;
    } | null;
    Tty?: boolean;
    OpenStdin?: boolean;
    StopSignal?: string;
    StopTimeout?: number;
    Shell?: string[];
  };
  HostConfig: {
    Binds?: string[] | null;
    NetworkMode?: string;
    PortBindings?: Record<string, { HostIp: string; HostPort: string }[] | null> | null;
    RestartPolicy?: { Name: string; MaximumRetryCount: number };
    CapAdd?: string[] | null;
    CapDrop?: string[] | null;
    Dns?: string[] | null;
    DnsOptions?: string[] | null;
    DnsSearch?: string[] | null;
    ExtraHosts?: string[] | null;
    GroupAdd?: string[] | null;
    IpcMode?: string;
    PidMode?: string;
    Privileged?: boolean;
    PublishAllPorts?: boolean;
    ReadonlyRootfs?: boolean;
    SecurityOpt?: string[] | null;
    Tmpfs?: Record<string, string>;
    UTSMode?: string;
    Sysctls?: Record<string, string>;
    CpuShares?: number;
    Memory?: number;
    NanoCpus?: number;
    CpuPeriod?: number;
    CpuQuota?: number;
    CpusetCpus?: string;
    CpusetMems?: string;
    Devices?: unknown[] | null;
    MemoryReservation?: number;
    MemorySwap?: number;
    PidsLimit?: number | null;
    Ulimits?: { Name: string }[] | null;
    BlkioWeight?: number;
    Init?: boolean;
  };
  Mounts?: { Type: string; Name?: string; Source: string; Destination: string; RW: boolean }[];
  NetworkSettings?: { Networks?: Record<string, { Aliases?: string[] | null } | null> };
}

export interface GenerateOptions {
  type: 'pod' | 'deployment';
  /** --service: a Service even without published ports (from the exposed ones). */
  service: boolean;
}

export interface Generated {
  documents: KubeDocument[];
  /** What could not be carried over, one line each, naming the container. */
  warnings: string[];
}

const BUILTIN_NETWORKS = new Set(['bridge', 'host', 'none', 'default', '']);

/** Containers → documents in a stable order: per container its workload, its Services; PVCs first. */
export function generateKube(docs: InspectDoc[], opts: GenerateOptions): Generated {
  const claims = new Map<string, KubeDocument>();
  const workloads: KubeDocument[] = [];
  const warnings: string[] = [];
  for (const doc of docs) {
    const one = mapContainer(doc, opts);
    warnings.push(...one.warnings.map((w) => `${one.name}: ${w}`));
    for (const c of one.claims)
      if (!claims.has(c.object.metadata.name)) claims.set(c.object.metadata.name, c);
    workloads.push(one.workload, ...one.services);
  }
  return { documents: [...claims.values(), ...workloads], warnings };
}

interface Mapped {
  name: string;
  workload: KubeDocument;
  services: KubeDocument[];
  claims: KubeDocument[];
  warnings: string[];
}

function mapContainer(doc: InspectDoc, opts: GenerateOptions): Mapped {
  const cfg = doc.Config;
  const hc = doc.HostConfig;
  const name = dnsLabel(doc.Name.replace(/^\//, '')) || doc.Id.slice(0, 12);
  const warnings: string[] = [];
  const comments: string[] = [];
  const container: IContainer = { name, image: cfg.Image };

  // Kubernetes: command replaces the image's ENTRYPOINT (and drops its CMD), args replace CMD.
  // inspect shows the merged pair, so both are written: the same process runs either way.
  if (cfg.Entrypoint && cfg.Entrypoint.length > 0) {
    container.command = [...cfg.Entrypoint];
    if (cfg.Cmd && cfg.Cmd.length > 0) container.args = [...cfg.Cmd];
  } else if (cfg.Cmd && cfg.Cmd.length > 0) {
    container.command = [...cfg.Cmd];
  }
  const env = (cfg.Env ?? []).map((e) => {
    const eq = e.indexOf('=');
    return eq === -1 ? { name: e, value: '' } : { name: e.slice(0, eq), value: e.slice(eq + 1) };
  });
  if (env.length > 0) container.env = env;
  if (cfg.WorkingDir) container.workingDir = cfg.WorkingDir;
  if (cfg.Tty) container.tty = true;
  if (cfg.OpenStdin) container.stdin = true;

  const ports = mapPorts(doc, comments);
  if (ports.containerPorts.length > 0) container.ports = ports.containerPorts;

  const resources = mapResources(hc, warnings, comments);
  if (resources) container.resources = resources;

  const probe = mapHealthcheck(cfg, warnings);
  if (probe) container.livenessProbe = probe;

  const pod: IPodSpec = { containers: [container] };
  const security = mapSecurity(doc, pod, warnings);
  if (security) container.securityContext = security;

  const vols = mapVolumes(doc, name, comments, warnings);
  if (vols.mounts.length > 0) container.volumeMounts = vols.mounts;
  if (vols.volumes.length > 0) pod.volumes = vols.volumes;

  mapPodLevel(doc, pod, warnings);

  const restart = hc.RestartPolicy?.Name || 'no';
  if (opts.type === 'pod') {
    pod.restartPolicy = restart === 'no' ? 'Never' : restart === 'on-failure' ? 'OnFailure' : 'Always';
    if (restart === 'on-failure' && (hc.RestartPolicy?.MaximumRetryCount ?? 0) > 0) {
      warnings.push(
        `--restart on-failure:${hc.RestartPolicy!.MaximumRetryCount}: the retry count is not carried (Kubernetes retries with back-off)`,
      );
    }
  } else if (restart === 'no' || restart === 'on-failure') {
    warnings.push(`--restart ${restart}: a Deployment's pods always restart (restartPolicy Always)`);
  }

  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(cfg.Labels ?? {})) {
    if (isLabelKey(k) && isLabelValue(v)) labels[k] = v;
    else annotations[k] = v;
  }
  labels[APP_LABEL] = name;
  const metadata = {
    name,
    labels,
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
  let workload: KubeObject;
  if (opts.type === 'deployment') {
    const deployment: IDeployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata,
      spec: {
        replicas: 1,
        selector: { matchLabels: { [APP_LABEL]: name } },
        template: { metadata: { labels: { [APP_LABEL]: name } }, spec: pod },
      },
    };
    workload = deployment as KubeObject;
  } else {
    const p: IPod = { apiVersion: 'v1', kind: 'Pod', metadata, spec: pod };
    workload = p as KubeObject;
  }

  const services: KubeDocument[] = [];
  const svcPorts =
    ports.servicePorts.length > 0
      ? ports.servicePorts
      : opts.service || ports.userNetwork
        ? ports.containerPorts.map((p) => servicePort(p.containerPort, p.containerPort, p.protocol ?? 'TCP'))
        : [];
  if (svcPorts.length > 0) services.push(service(name, name, svcPorts));
  else if (opts.service) warnings.push('--service: the container exposes no port, so it gets no Service');
  // On a user network the container's aliases are names other containers use: each gets a Service
  // of the same ports, so those names still resolve on a cluster.
  const exposedOnly = ports.containerPorts.map((p) =>
    servicePort(p.containerPort, p.containerPort, p.protocol ?? 'TCP'),
  );
  for (const alias of ports.aliases) {
    if (alias === name) continue;
    if (exposedOnly.length === 0) {
      warnings.push(`network alias ${alias}: no port exposed, so no Service carries the name`);
      continue;
    }
    services.push(service(alias, name, exposedOnly));
  }
  return {
    name,
    workload: { object: workload, comments },
    services,
    claims: vols.claims,
    warnings,
  };
}

function servicePort(port: number, target: number, protocol: string): IServicePort {
  return { name: `${protocol.toLowerCase()}-${port}`, port, targetPort: target, protocol: protocol as 'TCP' };
}

function service(name: string, app: string, ports: IServicePort[]): KubeDocument {
  const svc: IService = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels: { [APP_LABEL]: app } },
    spec: { selector: { [APP_LABEL]: app }, ports },
  };
  return { object: svc as KubeObject, comments: [] };
}

interface PortMapping {
  containerPorts: IContainerPort[];
  servicePorts: IServicePort[];
  /** Network aliases on user networks. */
  aliases: string[];
  userNetwork: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

function mapPorts(doc: InspectDoc, comments: string[]): PortMapping {
  const keys = new Set([
    ...Object.keys(doc.Config.ExposedPorts ?? {}),
    ...Object.keys(doc.HostConfig.PortBindings ?? {}),
  ]);
  const containerPorts: IContainerPort[] = [];
  const servicePorts: IServicePort[] = [];
  const sorted = [...keys].sort((a, b) => parseInt(a, 10) - parseInt(b, 10) || a.localeCompare(b));
  for (const key of sorted) {
    const [num, proto = 'tcp'] = key.split('/');
    const port = Number(num);
    const protocol = proto.toUpperCase();
    containerPorts.push({ containerPort: port, protocol: protocol as 'TCP' });
    for (const b of doc.HostConfig.PortBindings?.[key] ?? []) {
      const hostPort = b.HostPort ? Number(b.HostPort) : port;
      if (LOOPBACK.has(b.HostIp)) {
        comments.push(
          `port ${b.HostIp}:${b.HostPort || port}->${key} is bound to the loopback address only: not exposed by the Service (kubectl port-forward reaches it)`,
        );
        continue;
      }
      if (!servicePorts.some((s) => s.port === hostPort && s.protocol === protocol)) {
        servicePorts.push(servicePort(hostPort, port, protocol));
      }
    }
  }
  const aliases: string[] = [];
  let userNetwork = false;
  for (const [net, ep] of Object.entries(doc.NetworkSettings?.Networks ?? {})) {
    if (BUILTIN_NETWORKS.has(net)) continue;
    userNetwork = true;
    for (const a of ep?.Aliases ?? []) {
      const label = dnsLabel(a);
      // The short id Docker adds to the aliases names nothing a user wrote.
      if (a === doc.Id.slice(0, 12) || !label || aliases.includes(label)) continue;
      aliases.push(label);
    }
  }
  return { containerPorts, servicePorts, aliases, userNetwork };
}

function mapResources(
  hc: InspectDoc['HostConfig'],
  warnings: string[],
  comments: string[],
): IContainer['resources'] | undefined {
  const limits: Record<string, string> = {};
  const requests: Record<string, string> = {};
  let limitMilli = 0;
  if (hc.NanoCpus && hc.NanoCpus > 0) limitMilli = nanoCpusToMilli(hc.NanoCpus);
  else if (hc.CpuQuota && hc.CpuQuota > 0) limitMilli = quotaToMilli(hc.CpuQuota, hc.CpuPeriod ?? 0);
  if (limitMilli > 0) limits.cpu = cpuQuantity(limitMilli);
  if (hc.Memory && hc.Memory > 0) limits.memory = memoryQuantity(hc.Memory);
  if (hc.CpuShares && hc.CpuShares > 0) {
    const milli = sharesToMilli(hc.CpuShares);
    if (limitMilli > 0 && milli > limitMilli) {
      warnings.push(
        `--cpu-shares ${hc.CpuShares} (${cpuQuantity(milli)}) is above the CPU limit: Kubernetes refuses a request above the limit, so the request is left to default to the limit`,
      );
    } else requests.cpu = cpuQuantity(milli);
  }
  if (hc.MemoryReservation && hc.MemoryReservation > 0) {
    if (hc.Memory && hc.MemoryReservation > hc.Memory) {
      warnings.push(
        '--memory-reservation above --memory: not carried (Kubernetes refuses a request above the limit)',
      );
    } else requests.memory = memoryQuantity(hc.MemoryReservation);
  }
  if (hc.PidsLimit && hc.PidsLimit > 0) {
    const note = `--pids-limit ${hc.PidsLimit}: not carried (a node limits pids per pod, the kubelet's podPidsLimit)`;
    warnings.push(note);
    comments.push(note);
  }
  if (hc.MemorySwap && hc.MemorySwap > 0 && hc.MemorySwap !== 2 * (hc.Memory ?? 0)) {
    warnings.push('--memory-swap: not carried (swap is a node setting in Kubernetes)');
  }
  if (hc.CpusetCpus || hc.CpusetMems) {
    warnings.push("--cpuset-cpus/--cpuset-mems: not carried (the kubelet's CPU manager assigns CPUs)");
  }
  if (hc.BlkioWeight) warnings.push('--blkio-weight: not carried (Kubernetes has no block I/O limits)');
  if (hc.Ulimits && hc.Ulimits.length > 0) {
    warnings.push(
      `--ulimit ${hc.Ulimits.map((u) => u.Name).join(',')}: not carried (ulimits come from the node's runtime)`,
    );
  }
  const out: NonNullable<IContainer['resources']> = {};
  if (Object.keys(limits).length > 0) out.limits = limits;
  if (Object.keys(requests).length > 0) out.requests = requests;
  return Object.keys(out).length > 0 ? out : undefined;
}

const seconds = (ns: number | undefined, dflt: number): number =>
  ns && ns > 0 ? Math.max(1, Math.ceil(ns / 1e9)) : dflt;

function mapHealthcheck(cfg: InspectDoc['Config'], warnings: string[]): IProbe | undefined {
  const hc = cfg.Healthcheck;
  const test = hc?.Test ?? [];
  if (!hc || test.length === 0 || test[0] === 'NONE') return undefined;
  let command: string[];
  if (test[0] === 'CMD') command = test.slice(1);
  else if (test[0] === 'CMD-SHELL') {
    command = [
      ...(cfg.Shell && cfg.Shell.length > 0 ? cfg.Shell : ['/bin/sh', '-c']),
      test.slice(1).join(' '),
    ];
  } else {
    warnings.push(`healthcheck test ${JSON.stringify(test)}: not carried`);
    return undefined;
  }
  const probe: IProbe = {
    exec: { command },
    periodSeconds: seconds(hc.Interval, 30),
    timeoutSeconds: seconds(hc.Timeout, 30),
    failureThreshold: hc.Retries && hc.Retries > 0 ? hc.Retries : 3,
  };
  if (hc.StartPeriod && hc.StartPeriod > 0) probe.initialDelaySeconds = seconds(hc.StartPeriod, 0);
  return probe;
}

function mapSecurity(doc: InspectDoc, pod: IPodSpec, warnings: string[]): ISecurityContext | undefined {
  const hc = doc.HostConfig;
  const sc: ISecurityContext = {};
  const user = doc.Config.User ?? '';
  if (user) {
    const [u, g] = user.split(':');
    if (/^\d+$/.test(u!)) sc.runAsUser = Number(u);
    else
      warnings.push(`--user ${user}: not carried (Kubernetes takes a numeric uid; look it up in the image)`);
    if (g !== undefined) {
      if (/^\d+$/.test(g)) sc.runAsGroup = Number(g);
      else warnings.push(`--user ${user}: group ${g} not carried (Kubernetes takes a numeric gid)`);
    }
  }
  const caps = (list: string[] | null | undefined) =>
    (list ?? []).map((c) => c.toUpperCase().replace(/^CAP_/, ''));
  const add = caps(hc.CapAdd);
  const drop = caps(hc.CapDrop);
  if (add.length > 0 || drop.length > 0) {
    sc.capabilities = {
      ...(add.length > 0 ? { add } : {}),
      ...(drop.length > 0 ? { drop } : {}),
    };
  }
  if (hc.Privileged) sc.privileged = true;
  if (hc.ReadonlyRootfs) sc.readOnlyRootFilesystem = true;
  for (const opt of hc.SecurityOpt ?? []) {
    const [key, value = ''] = opt.split(/[=:]/, 2);
    if (key === 'no-new-privileges' && value !== 'false') sc.allowPrivilegeEscalation = false;
    else if (key === 'seccomp' && value === 'unconfined') sc.seccompProfile = { type: 'Unconfined' };
    else warnings.push(`--security-opt ${opt}: not carried`);
  }
  const podSc: IPodSecurityContext = {};
  const groups = hc.GroupAdd ?? [];
  if (groups.length > 0) {
    const numeric = groups.filter((g) => /^\d+$/.test(g));
    if (numeric.length > 0) podSc.supplementalGroups = numeric.map(Number);
    if (numeric.length < groups.length)
      warnings.push('--group-add by name: not carried (Kubernetes takes numeric gids)');
  }
  const sysctls = Object.entries(hc.Sysctls ?? {});
  if (sysctls.length > 0) podSc.sysctls = sysctls.map(([name, value]) => ({ name, value }));
  if (Object.keys(podSc).length > 0) pod.securityContext = podSc;
  return Object.keys(sc).length > 0 ? sc : undefined;
}

interface VolumeMapping {
  volumes: IVolume[];
  mounts: IVolumeMount[];
  claims: KubeDocument[];
}

type MountLike = { Type: string; Name?: string; Source: string; Destination: string; RW: boolean };

/** HostConfig.Binds as the daemon reads them, for inspect documents that list no Mounts. */
function mountsFromBinds(binds: string[]): MountLike[] {
  return binds.map((b) => {
    const [source = '', dest = '', mode = ''] = b.split(':');
    const ro = mode.split(',').includes('ro');
    return source.startsWith('/')
      ? { Type: 'bind', Source: source, Destination: dest, RW: !ro }
      : { Type: 'volume', Name: source, Source: '', Destination: dest, RW: !ro };
  });
}

function mapVolumes(doc: InspectDoc, pod: string, comments: string[], warnings: string[]): VolumeMapping {
  const out: VolumeMapping = { volumes: [], mounts: [], claims: [] };
  const mounts: MountLike[] =
    doc.Mounts && doc.Mounts.length > 0 ? doc.Mounts : mountsFromBinds(doc.HostConfig.Binds ?? []);
  const used = new Set<string>();
  const volName = (base: string) => {
    const stem = dnsLabel(base).slice(0, 50) || 'vol';
    let n = stem;
    for (let i = 2; used.has(n); i++) n = `${stem}-${i}`;
    used.add(n);
    return n;
  };
  const mount = (name: string, m: { Destination: string; RW: boolean }) =>
    out.mounts.push({ name, mountPath: m.Destination, ...(m.RW ? {} : { readOnly: true }) });
  for (const m of mounts) {
    if (m.Type === 'volume' && m.Name && !/^[0-9a-f]{64}$/.test(m.Name)) {
      const claim = dnsLabel(m.Name);
      const name = volName(claim);
      out.volumes.push({ name, persistentVolumeClaim: { claimName: claim } });
      mount(name, m);
      const pvc: IPersistentVolumeClaim = {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: claim },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: DEFAULT_PVC_SIZE } } },
      };
      out.claims.push({
        object: pvc as KubeObject,
        comments: [`volume ${m.Name}: ${DEFAULT_PVC_SIZE} requested; the data in it is not copied`],
      });
    } else if (m.Type === 'volume') {
      const name = volName(`${pod}-anon`);
      out.volumes.push({ name, emptyDir: {} });
      mount(name, m);
      warnings.push(`anonymous volume at ${m.Destination}: an emptyDir (it lives as long as the pod)`);
    } else if (m.Type === 'bind') {
      const name = volName(m.Source.split('/').filter(Boolean).pop() ?? 'host');
      out.volumes.push({ name, hostPath: { path: m.Source } });
      mount(name, m);
      comments.push(`hostPath ${m.Source}: a cluster node will not have this path unless you put it there`);
    } else if (m.Type === 'tmpfs') {
      const name = volName(`tmpfs${m.Destination.replace(/\//g, '-')}`);
      out.volumes.push({ name, emptyDir: { medium: 'Memory' } });
      mount(name, m);
    } else {
      warnings.push(`mount of type ${m.Type} at ${m.Destination}: not carried`);
    }
  }
  for (const [dest, options] of Object.entries(doc.HostConfig.Tmpfs ?? {})) {
    const name = volName(`tmpfs${dest.replace(/\//g, '-')}`);
    const size = /(?:^|,)size=([^,]+)/.exec(options)?.[1];
    const sizeLimit = size ? tmpfsSize(size) : undefined;
    out.volumes.push({ name, emptyDir: { medium: 'Memory', ...(sizeLimit ? { sizeLimit } : {}) } });
    out.mounts.push({
      name,
      mountPath: dest,
      ...(/(?:^|,)ro(?:,|$)/.test(options) ? { readOnly: true } : {}),
    });
  }
  return out;
}

/** tmpfs's size= (`64m`, `1g`, bytes) → a memory quantity. */
function tmpfsSize(size: string): string | undefined {
  const m = /^(\d+)([kmg%]?)$/i.exec(size);
  if (!m || m[2] === '%') return undefined;
  const unit = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return memoryQuantity(Number(m[1]) * unit);
}

function mapPodLevel(doc: InspectDoc, pod: IPodSpec, warnings: string[]): void {
  const cfg = doc.Config;
  const hc = doc.HostConfig;
  // Docker's default hostname is the short id; only one the user chose is worth carrying.
  if (cfg.Hostname && cfg.Hostname !== doc.Id.slice(0, 12)) {
    if (dnsLabel(cfg.Hostname) === cfg.Hostname) pod.hostname = cfg.Hostname;
    else warnings.push(`--hostname ${cfg.Hostname}: not carried (a pod's hostname is one DNS label)`);
  }
  if (cfg.Domainname)
    warnings.push('--domainname: not carried (a pod gets its domain from a headless Service)');
  const aliases = new Map<string, string[]>();
  for (const entry of hc.ExtraHosts ?? []) {
    const m = /^([^:=]+)[:=](.+)$/.exec(entry);
    if (!m) continue;
    const [, host, ip] = m;
    if (ip === 'host-gateway') {
      warnings.push(`--add-host ${entry}: not carried (host-gateway has no meaning on a cluster)`);
      continue;
    }
    const ipv = ip!.replace(/^\[|\]$/g, '');
    aliases.set(ipv, [...(aliases.get(ipv) ?? []), host!]);
  }
  if (aliases.size > 0) pod.hostAliases = [...aliases].map(([ip, hostnames]) => ({ ip, hostnames }));
  const dns = hc.Dns ?? [];
  const searches = hc.DnsSearch ?? [];
  const options = hc.DnsOptions ?? [];
  if (dns.length + searches.length + options.length > 0) {
    pod.dnsConfig = {
      ...(dns.length > 0 ? { nameservers: dns } : {}),
      ...(searches.length > 0 ? { searches } : {}),
      ...(options.length > 0
        ? {
            options: options.map((o) => {
              const [name, value] = o.split(':');
              return value === undefined ? { name: name! } : { name: name!, value };
            }),
          }
        : {}),
    };
  }
  const net = hc.NetworkMode ?? '';
  if (net === 'host') pod.hostNetwork = true;
  else if (net === 'none') warnings.push('--network none: not carried (every pod has a network)');
  else if (net.startsWith('container:')) {
    warnings.push(`--network ${net}: not carried (put both containers in one pod to share a network)`);
  }
  if (hc.PidMode === 'host') pod.hostPID = true;
  else if (hc.PidMode)
    warnings.push(`--pid ${hc.PidMode}: not carried (shareProcessNamespace works within one pod)`);
  if (hc.IpcMode === 'host') pod.hostIPC = true;
  else if (hc.IpcMode?.startsWith('container:')) warnings.push(`--ipc ${hc.IpcMode}: not carried`);
  if (hc.UTSMode === 'host') warnings.push("--uts host: not carried (hostNetwork carries the host's name)");
  if (cfg.StopTimeout !== undefined) pod.terminationGracePeriodSeconds = cfg.StopTimeout;
  if (cfg.StopSignal && !['SIGTERM', 'TERM', '15'].includes(cfg.StopSignal.toUpperCase())) {
    warnings.push(
      `--stop-signal ${cfg.StopSignal}: not carried (the runtime sends the image's STOPSIGNAL or SIGTERM)`,
    );
  }
  if ((hc.Devices ?? []).length > 0)
    warnings.push('--device: not carried (devices come from a device plugin)');
  if (hc.Init) warnings.push('--init: not carried (set shareProcessNamespace or add an init to the image)');
  if (hc.PublishAllPorts)
    warnings.push('--publish-all: the exposed ports are listed, random host ports are not carried');
}
