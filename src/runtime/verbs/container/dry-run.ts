/**
 * `run --dry-run`, `create --dry-run`: the plan of a container, made by create's own steps up to
 * the point where create starts making things (checkCreate, identityOf, specInputOf → buildSpec,
 * recordOf, then the endpoint setupEndpoint would make and the rules it would install). Nothing
 * is created: no container, snapshot (a read-only view of the image lives for the call), name,
 * address, port, rule, namespace, file or lease; no image is pulled.
 */
import { existsSync } from 'node:fs';
import type { RuntimeContext } from '../../context.js';
import { asRunFailure, ConflictError } from '../../errors.js';
import { detectCgroupVersion } from '../../cgroups/files.js';
import { buildSpec } from '../../spec/build.js';
import {
  cgroupOf,
  mountsOf,
  namespacesOf,
  networkOf,
  preparedMount,
  rootfsOf,
  securityOf,
  specDocument,
} from '../../container/kernel-view.js';
import { peekImageLayers } from '../../container/snapshot-peek.js';
import { resolveUserFrom, type ResolvedUser } from '../../container/rootfs.js';
import { randomName } from '../../container/namesgen.js';
import { nameStore } from '../../container/store.js';
import { hostConfigLinks } from '../../container/joins.js';
import type { MountPoint } from '../../opts/mounts.js';
import { isEmptyDir } from '../../volumes/mounts.js';
import { endpointInput } from '../../network/container.js';
import { netnsPath } from '../../network/links.js';
import { networkDraft, previewEndpoint, type NetworkDraft } from '../../network/endpoint.js';
import { planLayout, renderKernelView, type KernelView } from '../../format/kernel.js';
import {
  checkCreate,
  checkedLinks,
  identityOf,
  joinsFor,
  imageForDryRun,
  joinedOf,
  pinTargets,
  plannedMounts,
  recordOf,
  specInputOf,
  type CreateRequest,
} from './plan.js';

export interface PlanRequest extends CreateRequest {
  /** `run` plans the start too, and fails where its start would; `create` only notes that. */
  verb: 'run' | 'create';
  /** What the dry run's earlier plans took (compose's): networks to create, addresses, ports, bridges. */
  draft?: NetworkDraft;
}

export interface DryRunRequest extends PlanRequest {
  format?: string;
}

/** A snapshot made later gets a number from containerd: the plan shows this in its place. */
export const NEW_SNAPSHOT = '<new>';

export async function dryRun(ctx: RuntimeContext, req: DryRunRequest): Promise<void> {
  let view: KernelView;
  try {
    view = await planContainer(ctx, req);
  } catch (err) {
    throw req.verb === 'run' ? asRunFailure(err) : err;
  }
  ctx.print(renderKernelView(view, req.format, planLayout));
}

/** The kernel plan of one container (compose's dry run asks it for each service, in start order). */
export async function planContainer(ctx: RuntimeContext, req: PlanRequest): Promise<KernelView> {
  const draft = req.draft ?? networkDraft();
  const checked = await checkCreate(ctx, req, { dryRun: true, planned: draft.networks });
  const { client, opts, plan } = checked;
  const [{ image, pull }, joined, linked] = await Promise.all([
    imageForDryRun(ctx, req.image, opts),
    joinedOf(ctx, checked),
    checkedLinks(ctx, checked),
    pinTargets(ctx, checked),
  ]);
  // Without the image (it would be pulled), its config is unknown: its CMD is shown as such.
  const config = image ? (image.config.config ?? {}) : { Cmd: ['<CMD of the image>'] };
  const planned = await plannedMounts(ctx, opts, config);
  if (opts.name) await nameStore(ctx, client).check(opts.name);
  const who = await identityOf(ctx, checked, joined);
  const name = opts.name ?? randomName(0);
  const mounts = planned.length > 0 ? await mountsPreview(ctx, planned) : undefined;
  const joins = await joinsFor(ctx, checked, { name, dir: who.dir }, req.verb === 'run');
  const notes: string[] = [...(mounts?.notes ?? [])];
  const layers = image ? await peekImageLayers(client, image.chainId) : undefined;

  if (!image) {
    notes.push(
      `${pull ?? req.image} is not here: the image's own config (ENTRYPOINT, CMD, ENV, USER, WORKDIR, ` +
        'VOLUME) and its layers are not part of this plan',
    );
  }
  const user = userOf(
    image?.userFiles ?? layers?.userFiles,
    { spec: opts.user ?? config.User ?? '', groupAdd: opts.groupAdd },
    !image,
    notes,
  );
  const spec = buildSpec(
    specInputOf(checked, who, {
      image: { config },
      command: req.command,
      user,
      joined,
      joins,
      ...(mounts ? { mounts: mounts.points } : {}),
    }),
  );
  const record = recordOf(
    who.id,
    name,
    req,
    opts,
    image ?? { name: pull ?? req.image, configDigest: '', config: { config } },
    spec,
    {
      hostname: who.hostname,
      logPath: '',
      logOpts: checked.logOpts,
      plan,
      cgroupPath: who.cgroupPath,
      links: hostConfigLinks(name, linked),
    },
  );
  if (who.netns) record.netns = who.netns;

  let bridge: Parameters<typeof networkOf>[2];
  if (who.netns && plan.network) {
    const input = {
      ...endpointInput({ id: who.id, dir: who.dir, record }, plan.network),
      ...(joins?.linkHosts.length ? { linkHosts: joins.linkHosts } : {}),
    };
    const preview = await previewEndpoint(ctx, input, draft).catch(async (err: unknown) => {
      // A real create succeeds here: its start is what fails on a taken address or port.
      if (req.verb !== 'create' || !(err instanceof ConflictError)) throw err;
      notes.push(`start would fail now: ${err.message}`);
      return previewEndpoint(ctx, { ...input, bindings: {}, ip: undefined }, draft);
    });
    const network = plan.network;
    bridge = {
      endpoint: preview.endpoint,
      veth: preview.veth,
      preview: true,
      ...(draft.networks.some((n) => n.Id === network.Id) ? { newNetwork: true } : {}),
      ...(preview.newBridge ? { newBridge: preview.newBridge } : {}),
      bridgeRules: preview.bridgeRules,
    };
  }
  if (req.verb === 'create') notes.push('create makes the container only: the network is set up by start');
  if (joined) notes.push(`shares the network namespace of container ${plan.joinTarget ?? ''}`);

  const version = detectCgroupVersion();
  return {
    DryRun: true,
    Container: {
      Id: who.id,
      Name: name,
      Hostname: who.hostname,
      Image: image?.name ?? pull ?? req.image,
      ImageId: image?.configDigest ?? '',
      ...(pull ? { Pull: pull } : {}),
    },
    Namespaces: namespacesOf(spec, { own: who.netns ? [netnsPath(who.netns)] : [] }),
    Cgroup: cgroupOf(spec, version),
    Rootfs:
      image && layers
        ? rootfsOf({
            key: who.id,
            parent: image.chainId,
            chain: layers.chain,
            mount: preparedMount(layers.root, layers.dirs, NEW_SNAPSHOT),
            readOnly: opts.readOnly,
          })
        : null,
    Mounts: mountsOf(spec, {
      points: mounts?.points ?? [],
      tmpfs: Object.keys(opts.tmpfs),
      made: mounts?.made ?? [],
      copyUp: mounts?.copyUp ?? [],
    }),
    Security: securityOf(spec, opts.security.securityOpt, opts.privileged),
    Network: networkOf(plan.mode, spec, bridge),
    Spec: specDocument(spec),
    Notes: notes,
  };
}

/**
 * The volumes and binds as create's attach would record them (found, or named but not made), the
 * new or empty volumes create would fill from the image (copy-up), and what start would make.
 */
async function mountsPreview(
  ctx: RuntimeContext,
  planned: MountPoint[],
): Promise<{ points: MountPoint[]; made: string[]; copyUp: string[]; notes: string[] }> {
  const { previewContainerMounts } = await import('./mounts.js');
  const { points, made } = previewContainerMounts(ctx, planned);
  const copyUp: string[] = [];
  const notes: string[] = [];
  for (const m of points) {
    if (m.Type === 'volume' && m.CopyData && (made.includes(m.Name) || isEmptyDir(m.Source))) {
      copyUp.push(m.Destination);
    }
    if (m.Type === 'bind' && !m.SkipMountpointCreation && !existsSync(m.Source)) {
      notes.push(`bind source ${m.Source} does not exist: start makes it as a directory`);
    }
  }
  return { points, made, copyUp, notes };
}

/** `-u` as create resolves it; without the image, a name it would look up is noted, not failed. */
function userOf(
  files: Parameters<typeof resolveUserFrom>[0] | undefined,
  u: { spec: string; groupAdd: string[] },
  missingImage: boolean,
  notes: string[],
): ResolvedUser {
  if (!missingImage) return resolveUserFrom(files ?? { passwd: null, group: null }, u.spec, u.groupAdd);
  try {
    return resolveUserFrom({ passwd: null, group: null }, u.spec, u.groupAdd);
  } catch {
    notes.push(
      `user ${u.spec}${u.groupAdd.length ? ` (groups ${u.groupAdd.join(',')})` : ''} is looked up in the ` +
        "image's /etc/passwd and /etc/group once it is pulled: shown as 0:0",
    );
    return { uid: 0, gid: 0, additionalGids: [] };
  }
}
