/**
 * A Kubernetes node in miniature: a private containerd with its CRI plugin enabled, spoken to over
 * CRI (protos/cri.proto) as a kubelet speaks to it. No internet and no CNI: the sandbox ("pause")
 * image is one the test imports into `k8s.io` first (other images come from a test registry on
 * 127.0.0.1, or are imported likewise), and pods use the node's network, for which
 * containerd 1.6 sets up no CNI network (its CNI dirs are empty dirs of this daemon's own).
 * Everything lives under the daemon's temp dir, except the pods' cgroup parent, removed by stop().
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { Connection, type RpcClient } from '../../src/runtime/containerd/rpc.js';
import {
  ImageServiceDefinition,
  NamespaceMode,
  RuntimeServiceDefinition,
  type PodSandboxConfig,
} from './gen/cri.js';
import { startContainerd, type PrivateContainerd } from './containerd.js';

/** The containerd namespace the CRI plugin keeps its containers and images in. */
export const CRI_NAMESPACE = 'k8s.io';

export interface CriNode {
  daemon: PrivateContainerd;
  runtime: RpcClient<typeof RuntimeServiceDefinition>;
  images: RpcClient<typeof ImageServiceDefinition>;
  /** The cgroup every pod of this node goes under (cgroupfs driver). */
  cgroupParent: string;
  /** Where the pods' logs go, as the kubelet's /var/log/pods. */
  podLogs: string;
  /** Restarts containerd (shims and pods live on) and waits until its CRI plugin answers again. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface Pod {
  id: string;
  config: PodSandboxConfig;
  logDirectory: string;
}

const CGROUP_ROOT = '/sys/fs/cgroup';

/** The CRI plugin's settings (containerd 1.6, config version 2). */
function criConfig(dir: string, sandboxImage: string, registry?: string): string[] {
  const cniBin = join(dir, 'cni', 'bin');
  const cniConf = join(dir, 'cni', 'conf');
  mkdirSync(cniBin, { recursive: true });
  mkdirSync(cniConf, { recursive: true });
  const p = '[plugins."io.containerd.grpc.v1.cri"';
  return [
    `${p}]`,
    `  sandbox_image = "${sandboxImage}"`,
    // Streaming (kubectl exec/attach) is not used; a port of its own so runs never collide.
    '  stream_server_address = "127.0.0.1"',
    '  stream_server_port = "0"',
    '  enable_selinux = false',
    '  disable_apparmor = true',
    // The sandbox asks for oom_score_adj -998, which needs CAP_SYS_RESOURCE; where the tests run
    // without it (a VM's or a container's root), runc's init dies. Clamped to containerd's own.
    '  restrict_oom_score_adj = true',
    `${p}.cni]`,
    `  bin_dir = "${cniBin}"`,
    `  conf_dir = "${cniConf}"`,
    '  max_conf_num = 1',
    `${p}.containerd]`,
    '  snapshotter = "overlayfs"',
    '  default_runtime_name = "runc"',
    `${p}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    `${p}.containerd.runtimes.runc.options]`,
    '  SystemdCgroup = false',
    // runc's state under this daemon's dir too, not the machine's /run/containerd/runc/k8s.io.
    `  Root = "${join(dir, 'runc')}"`,
    // A test registry on 127.0.0.1 speaks plain HTTP: the plugin is told so, as a node's config would.
    ...(registry ? [`${p}.registry.mirrors."${registry}"]`, `  endpoint = ["http://${registry}"]`] : []),
  ];
}

/** Removes a cgroup and what is left below it, in every hierarchy (v1) or the unified one (v2). */
function removeCgroup(path: string): void {
  const roots = existsSync(join(CGROUP_ROOT, 'cgroup.controllers'))
    ? [CGROUP_ROOT]
    : readdirSync(CGROUP_ROOT).map((c) => join(CGROUP_ROOT, c));
  const rm = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) rm(join(dir, e.name));
    try {
      rmdirSync(dir);
    } catch {
      /* still in use: the leftover check reports it */
    }
  };
  for (const r of roots) rm(join(r, path));
}

export function cgroupLeft(path: string): string[] {
  const roots = existsSync(join(CGROUP_ROOT, 'cgroup.controllers'))
    ? [CGROUP_ROOT]
    : readdirSync(CGROUP_ROOT).map((c) => join(CGROUP_ROOT, c));
  return roots.map((r) => join(r, path)).filter((d) => existsSync(d));
}

/** registry: a plain-HTTP registry (host:port) the plugin may pull from. */
export async function startCriNode(sandboxImage: string, registry?: string): Promise<CriNode> {
  const cgroupParent = `/tsdock-cri-${randomBytes(4).toString('hex')}`;
  const daemon = await startContainerd({ cri: (dir) => criConfig(dir, sandboxImage, registry) });
  const conn = new Connection(daemon.address);
  const podLogs = join(daemon.dir, 'pods');
  mkdirSync(podLogs);
  const runtime = conn.client(RuntimeServiceDefinition);
  return {
    daemon,
    runtime,
    images: conn.client(ImageServiceDefinition),
    cgroupParent,
    podLogs,
    async restart() {
      await daemon.restart({ killShims: false });
      // The plugin loads its pods and containers back after the daemon answers.
      const end = Date.now() + 60_000;
      for (;;) {
        try {
          await runtime.listContainers({});
          return;
        } catch (e) {
          if (Date.now() > end) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    async stop() {
      conn.close();
      await daemon.stop();
      removeCgroup(cgroupParent);
    },
  };
}

/** Waits until the CRI plugin sees every one of these images (it learns of imports by events). */
export async function waitForImages(node: CriNode, refs: string[], ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const { images } = await node.images.listImages({});
    const tags = new Set(images.flatMap((i) => i.repoTags));
    const missing = refs.filter((r) => !tags.has(r));
    if (!missing.length) return;
    if (Date.now() > end) throw new Error(`the CRI plugin does not see ${missing.join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A `hostNetwork: true` pod's namespaces as the kubelet asks for them, for the sandbox and each
 * container: the node's network, a pid namespace per container, the pod's ipc namespace.
 */
const HOST_NETWORK = { network: NamespaceMode.NODE, pid: NamespaceMode.CONTAINER, ipc: NamespaceMode.POD };

/** What the kubelet puts on every sandbox and container of a pod. */
function podLabels(meta: { name: string; namespace: string; uid: string }): Record<string, string> {
  return {
    'io.kubernetes.pod.name': meta.name,
    'io.kubernetes.pod.namespace': meta.namespace,
    'io.kubernetes.pod.uid': meta.uid,
  };
}

/** RunPodSandbox as the kubelet calls it for a `hostNetwork: true` pod. */
export async function runPod(
  node: CriNode,
  meta: { name: string; namespace: string; labels?: Record<string, string> },
): Promise<Pod> {
  const uid = randomBytes(16).toString('hex');
  const logDirectory = join(node.podLogs, `${meta.namespace}_${meta.name}_${uid}`);
  // The kubelet makes the pod's log directory; the CRI plugin only writes in it.
  mkdirSync(logDirectory, { recursive: true });
  const config: PodSandboxConfig = {
    metadata: { name: meta.name, namespace: meta.namespace, uid, attempt: 0 },
    hostname: '',
    logDirectory,
    labels: { ...meta.labels, ...podLabels({ ...meta, uid }) },
    annotations: { 'kubernetes.io/config.source': 'api' },
    linux: {
      cgroupParent: join(node.cgroupParent, `pod${uid}`),
      securityContext: { namespaceOptions: HOST_NETWORK },
    },
  };
  const { podSandboxId } = await node.runtime.runPodSandbox({ config, runtimeHandler: '' });
  return { id: podSandboxId, config, logDirectory };
}

/** CreateContainer then StartContainer, with the kubelet's labels and log path. */
export async function runContainer(
  node: CriNode,
  pod: Pod,
  c: { name: string; image: string; command: string[] },
): Promise<{ id: string; logPath: string }> {
  const logPath = join(c.name, '0.log');
  mkdirSync(join(pod.logDirectory, c.name), { recursive: true });
  const meta = pod.config.metadata!;
  const { containerId } = await node.runtime.createContainer({
    podSandboxId: pod.id,
    sandboxConfig: pod.config,
    config: {
      metadata: { name: c.name, attempt: 0 },
      image: { image: c.image },
      command: c.command,
      args: [],
      workingDir: '',
      labels: {
        ...podLabels(meta),
        'io.kubernetes.container.name': c.name,
      },
      annotations: {
        'io.kubernetes.container.restartCount': '0',
        'io.kubernetes.container.terminationMessagePath': '/dev/termination-log',
        'io.kubernetes.pod.terminationGracePeriod': '30',
      },
      logPath,
      linux: {
        securityContext: { namespaceOptions: HOST_NETWORK },
      },
    },
  });
  await node.runtime.startContainer({ containerId });
  return { id: containerId, logPath: join(pod.logDirectory, logPath) };
}

/** As the kubelet ends a pod: StopPodSandbox (its containers with it), then RemovePodSandbox. */
export async function removePod(node: CriNode, pod: Pod): Promise<void> {
  await node.runtime.stopPodSandbox({ podSandboxId: pod.id });
  await node.runtime.removePodSandbox({ podSandboxId: pod.id });
}
