/** Docker's image inspect document (moby api/types ImageInspect), keys in Docker's order. */
import type { RuntimeContext } from '../context.js';
import { SNAPSHOTTER } from './content.js';
import type { ContainerConfig, ImageConfig } from './oci.js';
import { rfc3339NanoOfText } from '../state/clock.js';
import { familiar } from './reference.js';
import { imageSize, resolveWith } from './resolve.js';

const CONFIG_DEFAULTS: ContainerConfig = {
  Hostname: '',
  Domainname: '',
  User: '',
  AttachStdin: false,
  AttachStdout: false,
  AttachStderr: false,
  Tty: false,
  OpenStdin: false,
  StdinOnce: false,
  Env: null as unknown as string[],
  Cmd: null,
  Image: '',
  Volumes: null as unknown as Record<string, object>,
  WorkingDir: '',
  Entrypoint: null,
  OnBuild: null,
  Labels: null as unknown as Record<string, string>,
};

/** Docker's Config block: its fixed keys first, then whatever else the image config has. */
export function dockerContainerConfig(c: ContainerConfig | undefined): ContainerConfig {
  const out: ContainerConfig = { ...CONFIG_DEFAULTS };
  const src = c ?? {};
  if (src.ExposedPorts) out.ExposedPorts = src.ExposedPorts;
  for (const [k, v] of Object.entries(src)) {
    if (k === 'ExposedPorts') continue;
    out[k] = v;
  }
  // Key order as Docker prints it: ExposedPorts right after AttachStderr.
  const ordered: ContainerConfig = {};
  for (const k of ['Hostname', 'Domainname', 'User', 'AttachStdin', 'AttachStdout', 'AttachStderr'])
    ordered[k] = out[k];
  if (out.ExposedPorts) ordered.ExposedPorts = out.ExposedPorts;
  for (const [k, v] of Object.entries(out)) if (!(k in ordered)) ordered[k] = v;
  return ordered;
}

export async function inspectImage(ctx: RuntimeContext, ref: string): Promise<Record<string, unknown>> {
  const client = await ctx.client();
  const img = await resolveWith(client, ref);
  const size = await imageSize(client, img);
  const c = img.config;
  return {
    Id: img.configDigest,
    RepoTags: img.names.filter((n) => !n.includes('@')).map(familiar),
    RepoDigests: img.names.filter((n) => n.includes('@')).map(familiar),
    Parent: '',
    Comment: c.comment ?? historyComment(c) ?? '',
    Created: rfc3339NanoOfText(c.created),
    DockerVersion: c.docker_version ?? '',
    Author: c.author ?? '',
    Config: dockerContainerConfig(c.config),
    Architecture: c.architecture,
    ...(c.variant ? { Variant: c.variant } : {}),
    Os: c.os,
    Size: size,
    GraphDriver: { Data: null, Name: SNAPSHOTTER },
    RootFS: { Type: 'layers', Layers: img.diffIds },
    Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
  };
}

/** `docker import -m` stores its message as the last history comment; Docker shows it as Comment. */
function historyComment(c: ImageConfig): string | undefined {
  const h = c.history;
  return h && h.length === 1 ? h[0]!.comment || undefined : undefined;
}
