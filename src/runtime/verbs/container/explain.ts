/**
 * `explain CONTAINER`: the kernel objects behind a container, from its live state — the spec
 * containerd holds, the namespace links and cgroup files of its process, its snapshot's overlay
 * mount, the endpoint recorded at start with the routes and rules as the kernel has them now, and
 * the processes from tsdock to the container's init — described by the functions a dry run uses.
 */
import type { RuntimeContext } from '../../context.js';
import { detectCgroupVersion } from '../../cgroups/files.js';
import type { Mount } from '../../containerd/types.js';
import {
  cgroupOf,
  mountsOf,
  namespacesOf,
  networkOf,
  rootfsOf,
  securityOf,
  specDocument,
} from '../../container/kernel-view.js';
import { namespaceIds, readTrimmed, runtimeChain } from '../../container/kernel-live.js';
import { snapshotChain } from '../../container/snapshot-peek.js';
import { findContainer, getTask, liveState, type Found } from '../../container/store.js';
import { containerEndpoints, vethOf } from '../../network/endpoint.js';
import { iptablesSave, savedRules } from '../../network/iptables.js';
import { backedServiceRules } from '../../network/services.js';
import { netnsPath, netnsRoutes } from '../../network/links.js';
import { explainLayout, renderKernelView, type KernelView } from '../../format/kernel.js';
import type { OciSpec } from '../../spec/types.js';
import { readContainerMounts } from '../../volumes/usage.js';

export async function explainContainer(
  ctx: RuntimeContext,
  ref: string,
  opts: { format?: string } = {},
): Promise<void> {
  const view = await explainView(ctx, await findContainer(ctx, ref));
  ctx.print(renderKernelView(view, opts.format, explainLayout));
}

async function rootfsView(ctx: RuntimeContext, found: Found, spec: OciSpec, running: boolean) {
  const client = await ctx.client();
  const key = found.container.snapshotKey || found.id;
  const [mounts, info] = await Promise.all([
    client.snapshots.mounts(key).catch(() => undefined as Mount[] | undefined),
    client.snapshots.stat(key).catch(() => undefined),
  ]);
  const mount = mounts?.[0];
  if (!mount || !info) return null;
  const [chain, mergedDir] = await Promise.all([
    info.parent ? snapshotChain(client, info.parent) : [],
    running
      ? import('../../container/rootfs-mount.js').then((m) => m.taskRootfs(mounts)).catch(() => undefined)
      : undefined,
  ]);
  return rootfsOf({
    key,
    parent: info.parent,
    chain,
    mount,
    readOnly: spec.root.readonly ?? false,
    ...(mergedDir ? { mergedDir } : {}),
  });
}

export async function explainView(ctx: RuntimeContext, found: Found): Promise<KernelView> {
  const client = await ctx.client();
  const r = found.record;
  const spec = found.container.spec as OciSpec;
  const [recorded, task, eps] = await Promise.all([
    found.files.readState(),
    getTask(client, found.id),
    r.netns ? containerEndpoints(ctx, found.id).catch(() => []) : [],
  ]);
  const state = liveState(recorded, task);
  const running = !!task && task.status !== 'STOPPED' && task.pid > 0;
  const ep = running ? eps.find((e) => !e.extra) : undefined;
  const services = ep ? await backedServiceRules(ctx, found.id) : [];
  const [rootfs, routes, saved] = await Promise.all([
    rootfsView(ctx, found, spec, running),
    ep ? netnsRoutes(ep.netns) : undefined,
    ep && ep.rules.length + services.length > 0 ? iptablesSave().then(savedRules) : undefined,
  ]);
  const notes: string[] = [];
  if (!running) {
    notes.push(
      `${state.status}: no process, so no namespace ids, cgroup readings, endpoint or runtime chain; ` +
        'what is shown comes from the spec',
    );
  }
  // A chain's random split is kept in 2^-31 steps, so its dump differs in the last digits.
  const loose = (rule: string) => rule.replace(/ --probability \S+/, '');
  const present = new Set([...(saved?.rules ?? [])].map(loose));
  for (const rule of [...(ep?.rules ?? []), ...services]) {
    if (saved && !present.has(loose(`${rule.table} ${rule.spec}`))) {
      notes.push(`port rule missing from iptables: -t ${rule.table} -A ${rule.spec}`);
    }
  }
  const hc = r.hostConfig as {
    SecurityOpt?: string[] | null;
    Privileged?: boolean;
    Tmpfs?: Record<string, string> | null;
  };
  return {
    DryRun: false,
    Container: {
      Id: found.id,
      Name: r.name,
      Hostname: String(r.config.Hostname ?? ''),
      Image: r.imageName,
      ImageId: r.imageId,
      Status: state.status,
    },
    Namespaces: namespacesOf(spec, {
      own: r.netns ? [netnsPath(r.netns)] : [],
      ...(running ? { live: namespaceIds(task.pid), host: namespaceIds('self') } : {}),
    }),
    Cgroup: cgroupOf(spec, detectCgroupVersion(), running ? readTrimmed : undefined),
    Rootfs: rootfs,
    Mounts: mountsOf(spec, {
      points: readContainerMounts(found.files.dir),
      tmpfs: Object.keys(hc.Tmpfs ?? {}),
    }),
    Security: securityOf(spec, hc.SecurityOpt ?? [], hc.Privileged ?? false),
    Network: networkOf(
      r.networkMode,
      spec,
      ep ? { endpoint: ep, veth: vethOf(ep), ...(routes ? { routes } : {}), services } : undefined,
    ),
    ...(running ? { Runtime: runtimeChain(ctx.globals.address, task.pid) } : {}),
    Spec: specDocument(spec),
    Notes: notes,
  };
}
