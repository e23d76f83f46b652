/** `compose pull`, `compose push` and `compose images`: the services' images. */
import type { RuntimeContext } from '../../context.js';
import { ComposeError } from '../../errors.js';
import { composeProgress } from '../../format/compose-progress.js';
import { renderList } from '../../format/output.js';
import type { UiOptions } from '../../format/compose-progress.js';
import type { ProjectOptions } from '../../compose/discover.js';
import { withDependencies } from '../../compose/graph.js';
import { listImages } from '../image/ls.js';
import { resolveImageForRun } from '../../images/resolve.js';
import { familiar, normalize } from '../../images/reference.js';
import { asComposeFailure, pullOne, serviceContainers, Session } from './engine.js';
import { projectOrName } from './down.js';
import { openProject, warn } from './project.js';
import { selectServices } from './up.js';

export interface PullOptions {
  project: ProjectOptions;
  ui: UiOptions;
  services: string[];
  ignorePullFailures: boolean;
  includeDeps: boolean;
  quiet: boolean;
  policy?: string;
}

export async function composePull(ctx: RuntimeContext, o: PullOptions): Promise<void> {
  const project = openProject(ctx, o.project, o.services);
  const named = selectServices(project, o.services, true);
  const services = o.includeDeps ? withDependencies(project, named) : named;
  const progress = await composeProgress(ctx.stdio.stderr, o.quiet ? 'quiet' : o.ui.progress, 'Pulling');
  const s = new Session(ctx, project, progress);
  try {
    const images = new Set<string>();
    for (const n of services) {
      const svc = project.services[n]!;
      if (!svc.image) continue;
      if (svc.pullPolicy === 'never' && o.policy === undefined) continue;
      images.add(svc.image);
    }
    const failures: string[] = [];
    await Promise.all(
      [...images].map(async (ref) => {
        if (o.policy === 'missing') {
          try {
            await resolveImageForRun(ctx, ref);
            return;
          } catch {
            /* missing: pulled below */
          }
        }
        try {
          await pullOne(s, ref);
        } catch (err) {
          if (!o.ignorePullFailures) throw err;
          failures.push(`${ref}: ${(err as Error).message}`);
        }
      }),
    );
    for (const f of failures) warn(ctx, f);
  } catch (err) {
    throw asComposeFailure(err);
  } finally {
    await progress.close();
  }
}

export async function composePush(
  ctx: RuntimeContext,
  o: {
    project: ProjectOptions;
    ui: UiOptions;
    services: string[];
    ignorePushFailures: boolean;
    quiet: boolean;
  },
): Promise<void> {
  const project = openProject(ctx, o.project, o.services);
  const services = selectServices(project, o.services, true);
  const progress = await composeProgress(ctx.stdio.stderr, o.quiet ? 'quiet' : o.ui.progress, 'Pushing');
  const s = new Session(ctx, project, progress);
  const { pushImage } = await import('../../registry/push.js');
  const { withProgress } = await import('../image/pull.js');
  try {
    // docker compose pushes the images of services that are built (have a `build` section).
    const refs = new Set(
      services
        .map((n) => project.services[n]!)
        .filter((x) => x.raw.build !== undefined && x.image)
        .map((x) => x.image!),
    );
    for (const ref of refs) {
      s.event(`Image ${ref}`, 'working', 'Pushing');
      try {
        await withProgress(ctx.stdio.stderr, true, (progress) => pushImage(s.quiet, ref, { progress }));
        s.event(`Image ${ref}`, 'done', 'Pushed');
      } catch (err) {
        s.event(`Image ${ref}`, 'error', 'Error', (err as Error).message);
        if (!o.ignorePushFailures) throw err;
      }
    }
  } catch (err) {
    throw asComposeFailure(err);
  } finally {
    await progress.close();
  }
}

export async function composeImages(
  ctx: RuntimeContext,
  o: { project: ProjectOptions; services: string[]; quiet: boolean; format?: string },
): Promise<void> {
  const project = projectOrName(ctx, o.project, o.services);
  const containers = (await serviceContainers(ctx, project, o.services)).sort((a, b) =>
    a.name < b.name ? -1 : 1,
  );
  const images = await listImages(ctx, { all: true, filters: [], digests: false, noTrunc: true });
  const rows = containers.map((c) => {
    const imageId = (c.summary?.record.imageId ?? '').toString();
    const ref = c.summary?.record.imageName ?? '';
    let repo = ref;
    let tag = '';
    try {
      const f = familiar(normalize(ref));
      const at = f.lastIndexOf(':');
      [repo, tag] = at > f.lastIndexOf('/') ? [f.slice(0, at), f.slice(at + 1)] : [f, 'latest'];
    } catch {
      /* keep the name as recorded */
    }
    const img = images.find((i) => i.ID === imageId);
    return {
      ContainerName: c.name,
      Repository: repo,
      Tag: tag,
      ID: imageId.replace(/^sha256:/, '').slice(0, 12),
      Size: img?.Size ?? '',
    };
  });
  if (o.quiet) {
    ctx.print([...new Set(rows.map((r) => r.ID))].map((id) => `${id}\n`).join(''));
    return;
  }
  if (o.format === 'json') {
    ctx.print(JSON.stringify(rows) + '\n');
    return;
  }
  if (o.format !== undefined && o.format !== 'table')
    throw new ComposeError(`unsupported format ${JSON.stringify(o.format)}`);
  ctx.print(
    renderList({
      defaultTable: 'table {{.ContainerName}}\t{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Size}}',
      headers: {
        ContainerName: 'CONTAINER',
        Repository: 'REPOSITORY',
        Tag: 'TAG',
        ID: 'IMAGE ID',
        Size: 'SIZE',
      },
      rows,
    }),
  );
}
