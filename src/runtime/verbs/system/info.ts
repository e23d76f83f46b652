/** `info`: a Docker-shaped summary of the host and of tsdock's objects in this namespace. */
import { cpus, hostname, release, totalmem, arch } from 'node:os';
import { readFileSync } from 'node:fs';
import type { RuntimeContext } from '../../context.js';
import { markStruct } from '../../format/gofmt.js';
import { compileTemplate } from '../../format/template.js';
import { bytesSize } from '../../format/units.js';
import { detectCgroupVersion } from '../../cgroups/files.js';
import { registryServiceConfig } from '../../registry/endpoint.js';
import { maskProxyCredentials, proxySettings } from '../../http/proxy.js';

function osName(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'Linux';
  } catch {
    return 'Linux';
  }
}

/** The kernel filters system calls (CONFIG_SECCOMP): its status file has the field. */
function seccompSupported(): boolean {
  try {
    return /^Seccomp:/m.test(readFileSync('/proc/self/status', 'utf8'));
  } catch {
    return false;
  }
}

/** docker/cli's rendering: each option's name, and its profile when it has one. */
function securityLines(options: string[]): string[] {
  if (options.length === 0) return [];
  const out = [' Security Options:'];
  for (const o of options) {
    const kv = Object.fromEntries(
      o.split(',').map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]),
    );
    out.push(`  ${kv.name}`);
    if (kv.profile) out.push(`   Profile: ${kv.profile}`);
  }
  return out;
}

/** docker/cli's lines for the proxies (when set), insecure registries and mirrors (when any). */
function registryLines(info: {
  HttpProxy: string;
  HttpsProxy: string;
  NoProxy: string;
  RegistryConfig: ReturnType<typeof registryServiceConfig>;
}): string[] {
  const out: string[] = [];
  if (info.HttpProxy) out.push(` HTTP Proxy: ${info.HttpProxy}`);
  if (info.HttpsProxy) out.push(` HTTPS Proxy: ${info.HttpsProxy}`);
  if (info.NoProxy) out.push(` No Proxy: ${info.NoProxy}`);
  const rc = info.RegistryConfig;
  out.push(' Insecure Registries:');
  for (const idx of Object.values(rc.IndexConfigs)) if (!idx.Secure) out.push(`  ${idx.Name}`);
  for (const cidr of rc.InsecureRegistryCIDRs) out.push(`  ${cidr}`);
  if (rc.Mirrors.length) out.push(' Registry Mirrors:', ...rc.Mirrors.map((m) => `  ${m}`));
  return out;
}

/**
 * `docker info`'s fields (GET /info, the ones tsdock knows: counts measured now, the host's facts,
 * containerd's version) and tsdock's own (Namespace, ContainerdAddress).
 */
export interface SystemInfo {
  ID: string;
  Containers: number;
  ContainersRunning: number;
  ContainersPaused: number;
  ContainersStopped: number;
  Images: number;
  Driver: string;
  LoggingDriver: string;
  CgroupDriver: string;
  CgroupVersion: string;
  SecurityOptions: string[];
  KernelVersion: string;
  OperatingSystem: string;
  OSType: string;
  Architecture: string;
  NCPU: number;
  MemTotal: number;
  Name: string;
  DockerRootDir: string;
  Debug: boolean;
  ServerVersion: string;
  Namespace: string;
  ContainerdAddress: string;
  HttpProxy: string;
  HttpsProxy: string;
  NoProxy: string;
  RegistryConfig: ReturnType<typeof registryServiceConfig>;
}

/** What `info` shows, as data. */
export async function systemInfo(ctx: RuntimeContext): Promise<SystemInfo> {
  const client = await ctx.client();
  const [{ summaries }, version, images, server] = await Promise.all([
    import('../../container/list.js'),
    client.version(),
    client.images.list(),
    client.introspection.server(),
  ]);
  const rows = await summaries(ctx);
  const cgroupVersion = detectCgroupVersion();
  const count = (s: string) => rows.filter((r) => r.state.status === s).length;
  const proxy = proxySettings();
  return {
    ID: server.uuid,
    Containers: rows.length,
    ContainersRunning: count('running'),
    ContainersPaused: count('paused'),
    ContainersStopped: rows.length - count('running') - count('paused'),
    Images: images.length,
    Driver: 'overlayfs',
    LoggingDriver: 'json-file',
    CgroupDriver: 'cgroupfs',
    CgroupVersion: String(cgroupVersion),
    // As the daemon reports them (moby daemon/info.go): the seccomp profile every container gets
    // unless told otherwise, and private cgroup namespaces where they are the default (cgroup v2).
    SecurityOptions: [
      ...(seccompSupported() ? ['name=seccomp,profile=builtin'] : []),
      ...(cgroupVersion === 2 ? ['name=cgroupns'] : []),
    ],
    KernelVersion: release(),
    OperatingSystem: osName(),
    OSType: 'linux',
    Architecture: arch() === 'x64' ? 'x86_64' : arch(),
    NCPU: cpus().length,
    MemTotal: totalmem(),
    Name: hostname(),
    DockerRootDir: ctx.globals.dataRoot,
    Debug: ctx.globals.debug,
    ServerVersion: version.version,
    Namespace: ctx.globals.namespace,
    ContainerdAddress: ctx.globals.address,
    // tsdock has no daemon: the proxies are those of this process's environment, which pulls use.
    HttpProxy: maskProxyCredentials(proxy.raw.http),
    HttpsProxy: maskProxyCredentials(proxy.raw.https),
    NoProxy: proxy.noProxy,
    RegistryConfig: registryServiceConfig(ctx.config),
  };
}

export async function showInfo(ctx: RuntimeContext, opts: { format?: string }): Promise<void> {
  const info = await systemInfo(ctx);
  if (opts.format) {
    // docker/cli's formatInfo: a parse error exits 64; a missing field of its dockerInfo struct is
    // an execution error (exit 1) after what the template wrote and a newline.
    const tmpl = compileTemplate(opts.format === 'json' ? '{{json .}}' : opts.format);
    const r = tmpl.executePartial(markStruct(info, 'system.dockerInfo'));
    ctx.stdio.stdout.write(r.out + '\n');
    if (r.error) throw r.error;
    return;
  }
  ctx.stdio.stdout.write(
    [
      'Client:',
      ` Context:    ${info.Namespace}`,
      ` Debug Mode: ${info.Debug}`,
      '',
      'Server:',
      ` Containers: ${info.Containers}`,
      `  Running: ${info.ContainersRunning}`,
      `  Paused: ${info.ContainersPaused}`,
      `  Stopped: ${info.ContainersStopped}`,
      ` Images: ${info.Images}`,
      ` Server Version: containerd ${info.ServerVersion}`,
      ` Storage Driver: ${info.Driver}`,
      ` Logging Driver: ${info.LoggingDriver}`,
      ` Cgroup Driver: ${info.CgroupDriver}`,
      ` Cgroup Version: ${info.CgroupVersion}`,
      ...securityLines(info.SecurityOptions),
      ` Kernel Version: ${info.KernelVersion}`,
      ` Operating System: ${info.OperatingSystem}`,
      ` OSType: ${info.OSType}`,
      ` Architecture: ${info.Architecture}`,
      ` CPUs: ${info.NCPU}`,
      ` Total Memory: ${bytesSize(info.MemTotal)}`,
      ` Name: ${info.Name}`,
      ` ID: ${info.ID}`,
      ` Docker Root Dir: ${info.DockerRootDir}`,
      ...registryLines(info),
      ` containerd: ${info.ContainerdAddress} (namespace ${info.Namespace})`,
      '',
    ].join('\n'),
  );
}
