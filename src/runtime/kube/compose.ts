/**
 * A compose project, in compose-spec's canonical form (what `compose config --format json` prints),
 * → Kubernetes objects. Each service is first read as the container it would be (the inspect shape
 * kube generate maps), so a service and a container with the same settings convert alike; then the
 * compose parts are added: a Deployment per service with `deploy.replicas`/`scale` replicas, a
 * Service for its ports and one per network alias, top-level volumes as PVCs, each env_file as a
 * ConfigMap the service takes with envFrom, and for `depends_on: {condition: service_healthy}` the
 * dependency's healthcheck as its readinessProbe. What cannot be carried is a warning.
 */
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { goDurationParse, ramInBytes } from '../format/units.js';
import { generateKube, type Generated, type InspectDoc } from './generate.js';
import { dnsLabel, type KubeDocument, type KubeObject } from './objects.js';

type Tree = Record<string, unknown>;

export interface ComposeInput {
  /** The canonical project tree: `name`, `services`, `volumes`, `networks`. */
  model: Tree;
  /** Each env_file path a service names → its variables, as compose read them. */
  envFiles: Record<string, Record<string, string>>;
}

const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v));
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);
const tree = (v: unknown): Tree => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Tree) : {});
const nanos = (v: unknown): number | undefined => (v === undefined ? undefined : goDurationParse(String(v)));
const bytes = (v: unknown): number =>
  v === undefined || v === null ? 0 : typeof v === 'number' ? v : ramInBytes(String(v));

/** What compose keys this conversion does not carry, reported by name. */
const NOT_CARRIED = [
  'build',
  'links',
  'external_links',
  'volumes_from',
  'ipc',
  'pid',
  'cgroup_parent',
  'devices',
];

export function composeToKube(input: ComposeInput): Generated {
  const services = tree(input.model.services);
  const topVolumes = tree(input.model.volumes);
  const warnings: string[] = [];
  const docs: InspectDoc[] = [];
  const names: string[] = [];
  for (const [name, raw] of Object.entries(services)) {
    const svc = tree(raw);
    for (const key of NOT_CARRIED) {
      if (svc[key] !== undefined && !(key === 'build' && svc.image))
        warnings.push(`${name}: ${key} is not carried`);
    }
    if (!svc.image) warnings.push(`${name}: no image (build it and push it where the cluster can pull it)`);
    docs.push(inspectOfService(name, svc, topVolumes, warnings));
    names.push(name);
  }
  const out = generateKube(docs, { type: 'deployment', service: false });
  warnings.push(...out.warnings);

  const documents: KubeDocument[] = [];
  const configMaps: KubeDocument[] = [];
  const byName = new Map<string, IDeployment>();
  for (const d of out.documents) {
    if (d.object.kind === 'Deployment')
      byName.set(d.object.metadata.name, d.object as unknown as IDeployment);
  }
  for (const [name, raw] of Object.entries(services)) {
    const svc = tree(raw);
    const deployment = byName.get(dnsLabel(name));
    if (!deployment) continue;
    const replicas = Number(tree(svc.deploy).replicas ?? svc.scale ?? 1);
    deployment.spec!.replicas = replicas;
    const container = deployment.spec!.template.spec!.containers[0]!;
    // env_file → a ConfigMap per service; its variables leave `env` unless `environment` overrides them.
    const fromFiles: Record<string, string> = {};
    for (const entry of Array.isArray(svc.env_file) ? svc.env_file : svc.env_file ? [svc.env_file] : []) {
      const path = typeof entry === 'string' ? entry : str(tree(entry).path);
      if (path && input.envFiles[path]) Object.assign(fromFiles, input.envFiles[path]);
    }
    const envMap = tree(svc.environment);
    const keys = Object.keys(fromFiles).filter((k) => !(k in envMap) || envMap[k] === fromFiles[k]);
    if (keys.length > 0) {
      const cmName = `${dnsLabel(name)}-env`;
      const cm: IConfigMap = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: cmName },
        data: Object.fromEntries(keys.map((k) => [k, fromFiles[k]!])),
      };
      configMaps.push({ object: cm as unknown as KubeObject, comments: [`env_file of service ${name}`] });
      container.envFrom = [{ configMapRef: { name: cmName } }];
      container.env = (container.env ?? []).filter(
        (e) => !keys.includes(e.name) || (e.name in envMap && envMap[e.name] !== fromFiles[e.name]),
      );
      if (container.env.length === 0) delete container.env;
    }
    // depends_on service_healthy: the cluster has no start order, but a pod is not sent traffic
    // until it is ready; the dependency's healthcheck becomes its readinessProbe.
    for (const [dep, cond] of Object.entries(tree(svc.depends_on))) {
      if (tree(cond).condition !== 'service_healthy') continue;
      const target = byName.get(dnsLabel(dep));
      const dc = target?.spec?.template.spec?.containers[0];
      if (!dc?.livenessProbe) {
        warnings.push(`${name}: depends_on ${dep} (service_healthy): ${dep} has no healthcheck to carry`);
        continue;
      }
      dc.readinessProbe ??= { ...dc.livenessProbe };
    }
  }
  for (const d of out.documents) documents.push(d);
  return { documents: [...configMaps, ...documents], warnings };
}

/** A service as the container `compose up` would create: the inspect shape kube generate maps. */
function inspectOfService(name: string, svc: Tree, topVolumes: Tree, warnings: string[]): InspectDoc {
  const deploy = tree(svc.deploy);
  const limits = tree(tree(deploy.resources).limits);
  const reservations = tree(tree(deploy.resources).reservations);
  const cpus = Number(limits.cpus ?? svc.cpus ?? 0);
  const env = Object.entries(tree(svc.environment))
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k}=${String(v)}`);
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of Array.isArray(svc.ports) ? svc.ports : []) {
    const port = tree(p);
    const key = `${Number(port.target)}/${str(port.protocol) ?? 'tcp'}`;
    exposed[key] = {};
    const published = str(port.published);
    if (published && /-/.test(published)) {
      warnings.push(`${name}: published port range ${published}: not carried`);
      continue;
    }
    (bindings[key] ??= []).push({ HostIp: str(port.host_ip) ?? '', HostPort: published ?? '' });
  }
  for (const e of list(svc.expose)) exposed[e.includes('/') ? e : `${e}/tcp`] = {};

  const mounts: NonNullable<InspectDoc['Mounts']> = [];
  for (const v of Array.isArray(svc.volumes) ? svc.volumes : []) {
    const m = tree(v);
    const type = str(m.type) ?? 'volume';
    const source = str(m.source) ?? '';
    const target = str(m.target) ?? '';
    const rw = m.read_only !== true;
    if (type === 'volume' && source) {
      const top = tree(topVolumes[source]);
      if (top.external)
        warnings.push(`${name}: external volume ${source}: the claim must exist on the cluster`);
      mounts.push({ Type: 'volume', Name: source, Source: '', Destination: target, RW: rw });
    } else if (type === 'volume') {
      mounts.push({ Type: 'volume', Name: '0'.repeat(64), Source: '', Destination: target, RW: rw });
    } else if (type === 'bind' || type === 'tmpfs') {
      mounts.push({ Type: type, Source: source, Destination: target, RW: rw });
    } else warnings.push(`${name}: volume of type ${type} at ${target}: not carried`);
  }
  const tmpfs: Record<string, string> = {};
  for (const t of list(svc.tmpfs)) {
    const [dest, opts = ''] = t.split(':');
    tmpfs[dest!] = opts;
  }
  const networks: Record<string, { Aliases: string[] }> = {};
  const networkMode = str(svc.network_mode);
  if (!networkMode) {
    for (const [key, n] of Object.entries(tree(svc.networks))) {
      networks[key === 'default' ? 'compose-default' : key] = { Aliases: [name, ...list(tree(n).aliases)] };
    }
  }
  const hc = tree(svc.healthcheck);
  const test = hc.disable ? ['NONE'] : list(hc.test);
  const restart = str(svc.restart) ?? (tree(deploy.restart_policy).condition === 'any' ? 'always' : 'no');
  const [restartName, retries] = restart.split(':');
  return {
    Id: '0'.repeat(64),
    Name: `/${name}`,
    Config: {
      ...(svc.hostname ? { Hostname: String(svc.hostname) } : {}),
      ...(svc.domainname ? { Domainname: String(svc.domainname) } : {}),
      User: str(svc.user) ?? '',
      Env: env,
      Cmd: svc.command ? list(svc.command) : null,
      Entrypoint: svc.entrypoint ? list(svc.entrypoint) : null,
      Image: str(svc.image) ?? name,
      WorkingDir: str(svc.working_dir) ?? '',
      Labels: Object.fromEntries(Object.entries(tree(svc.labels)).map(([k, v]) => [k, String(v)])),
      ExposedPorts: exposed,
      Healthcheck:
        test.length > 0
          ? {
              Test:
                test[0] === 'CMD' || test[0] === 'CMD-SHELL' || test[0] === 'NONE'
                  ? test
                  : ['CMD-SHELL', test.join(' ')],
              ...(hc.interval ? { Interval: nanos(hc.interval) } : {}),
              ...(hc.timeout ? { Timeout: nanos(hc.timeout) } : {}),
              ...(hc.start_period ? { StartPeriod: nanos(hc.start_period) } : {}),
              ...(hc.retries ? { Retries: Number(hc.retries) } : {}),
            }
          : null,
      Tty: svc.tty === true,
      OpenStdin: svc.stdin_open === true,
      ...(svc.stop_signal ? { StopSignal: String(svc.stop_signal) } : {}),
      ...(svc.stop_grace_period ? { StopTimeout: Math.ceil((nanos(svc.stop_grace_period) ?? 0) / 1e9) } : {}),
    },
    HostConfig: {
      NetworkMode: networkMode ?? '',
      PortBindings: bindings,
      RestartPolicy: { Name: restartName!, MaximumRetryCount: Number(retries ?? 0) },
      CapAdd: list(svc.cap_add),
      CapDrop: list(svc.cap_drop),
      Dns: list(svc.dns),
      DnsSearch: list(svc.dns_search),
      DnsOptions: list(svc.dns_opt),
      ExtraHosts: Array.isArray(svc.extra_hosts)
        ? list(svc.extra_hosts)
        : Object.entries(tree(svc.extra_hosts)).flatMap(([h, ip]) => list(ip).map((i) => `${h}:${i}`)),
      GroupAdd: list(svc.group_add),
      Privileged: svc.privileged === true,
      ReadonlyRootfs: svc.read_only === true,
      SecurityOpt: list(svc.security_opt),
      Tmpfs: tmpfs,
      Sysctls: Object.fromEntries(Object.entries(tree(svc.sysctls)).map(([k, v]) => [k, String(v)])),
      CpuShares: Number(svc.cpu_shares ?? 0),
      Memory: bytes(limits.memory ?? svc.mem_limit),
      NanoCpus: Math.round(cpus * 1e9),
      CpusetCpus: str(svc.cpuset) ?? '',
      MemoryReservation: bytes(reservations.memory ?? svc.mem_reservation),
      PidsLimit: Number(limits.pids ?? svc.pids_limit ?? 0) || null,
      Ulimits: Object.keys(tree(svc.ulimits)).map((n) => ({ Name: n })),
    },
    Mounts: mounts,
    NetworkSettings: { Networks: networks },
  };
}
