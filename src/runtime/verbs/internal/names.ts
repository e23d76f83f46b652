/**
 * Names of the objects that exist now, for shell completion (`tsdock internal complete`):
 * containers (by state), images, networks, volumes. A kind that cannot be listed (no access, no
 * containerd) gives no names: completion stays quiet rather than printing an error into the line.
 */
import type { RuntimeContext } from '../../context.js';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

export type NamesRequest =
  | { kind: 'containers'; state?: 'running' | 'stopped' | 'paused'; suffix?: string }
  | { kind: 'images' }
  | { kind: 'networks' }
  | { kind: 'volumes' };

async function names(ctx: RuntimeContext, req: NamesRequest): Promise<string[]> {
  switch (req.kind) {
    case 'containers': {
      const { summaries } = await import('../../container/list.js');
      const running = (s: string) => s === 'running' || s === 'restarting';
      return (await summaries(ctx))
        .filter(({ state: { status } }) =>
          req.state === 'running'
            ? running(status)
            : req.state === 'paused'
              ? status === 'paused'
              : req.state === 'stopped'
                ? !running(status) && status !== 'paused'
                : true,
        )
        .map((s) => `${s.record.name.replace(/^\//, '')}${req.suffix ?? ''}`);
    }
    case 'images': {
      const [{ loadAll }, { isDanglingName }, { familiar }] = await Promise.all([
        import('../../images/resolve.js'),
        import('../../images/content.js'),
        import('../../images/reference.js'),
      ]);
      return (await loadAll(await ctx.client()))
        .map((l) => l.record.name)
        .filter((n) => !isDanglingName(n))
        .map((n) => familiar(n));
    }
    case 'networks': {
      const { NetworkStore } = await import('../../network/networks.js');
      return (await new NetworkStore(ctx).list()).map((n) => n.Name);
    }
    case 'volumes':
      // The local volume store keeps one directory per volume under the namespace's state.
      return (await readdir(join(ctx.stateDir, 'volumes'), { withFileTypes: true }))
        .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
        .map((e) => e.name);
  }
}

export async function objectNames(ctx: RuntimeContext, requests: NamesRequest[]): Promise<string[]> {
  const lists = await Promise.all(requests.map((r) => names(ctx, r).catch(() => [] as string[])));
  return [...new Set(lists.flat())].sort();
}
