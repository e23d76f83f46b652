/**
 * `system restore`: what dockerd does when it starts, for a machine that just booted (a systemd
 * unit runs it with --all-namespaces, see docs/boot.md) or by hand, in the current namespace: every
 * container whose task is not running has its last run recorded as ended (a reboot leaves records
 * saying "running" and no task: exit 255, as dockerd), and is started again if its restart policy
 * asks for it at engine start — `always` (even after a user's stop), `unless-stopped` (unless the user stopped it),
 * `on-failure` (after a non-zero exit, within its retry count). One line per container started.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeContext } from '../../context.js';
import { NotFoundError, PartialFailureError } from '../../errors.js';
import { finalizeExit } from '../../container/exit.js';
import { policyOf, restartsAtStart } from '../../container/restart-policy.js';
import { startContainer } from '../../container/start.js';
import { findContainer, getTask, statePaths } from '../../container/store.js';

/** The namespaces with containers under the data root (each is `<data-root>/<namespace>/containers`). */
function namespacesUnder(dataRoot: string): string[] {
  try {
    return readdirSync(dataRoot, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .filter((ns) => {
        try {
          return readdirSync(join(dataRoot, ns, 'containers')).length > 0;
        } catch {
          return false;
        }
      })
      .sort();
  } catch {
    return [];
  }
}

/** One namespace: true when every container that should run again started. */
async function restoreNamespace(ctx: RuntimeContext): Promise<boolean> {
  let ids: string[] = [];
  try {
    ids = readdirSync(statePaths(ctx).containers).filter((id) => /^[0-9a-f]{64}$/.test(id));
  } catch {
    return true;
  }
  const client = await ctx.client();
  let ok = true;
  for (const id of ids) {
    let name = id.slice(0, 12);
    try {
      const found = await findContainer(ctx, id);
      name = found.record.name.replace(/^\//, '');
      const task = await getTask(client, id);
      if (task && task.status !== 'STOPPED') continue; // running or paused: nothing to do
      // The run that ended without an exit hook (the machine went down with it) is recorded first.
      const state = await finalizeExit(ctx, found);
      if (!restartsAtStart(policyOf(found.record), state)) continue;
      const started = await startContainer(ctx, found, { stdin: false, restart: true });
      if (started) {
        ctx.stdio.stdout.write(`Started ${name} (namespace ${ctx.globals.namespace})\n`);
      }
    } catch (err) {
      // A directory with no container behind it (one being removed right now) has nothing to restore.
      if (err instanceof NotFoundError) continue;
      ok = false;
      ctx.stdio.stderr.write(
        `restore ${name} (namespace ${ctx.globals.namespace}): ${(err as Error).message}\n`,
      );
    }
  }
  return ok;
}

export async function systemRestore(ctx: RuntimeContext, opts: { allNamespaces: boolean }): Promise<void> {
  const namespaces = opts.allNamespaces ? namespacesUnder(ctx.globals.dataRoot) : [ctx.globals.namespace];
  let ok = true;
  for (const namespace of namespaces) {
    const nsCtx =
      namespace === ctx.globals.namespace
        ? ctx
        : new RuntimeContext({ ...ctx.globals, namespace }, ctx.stdio);
    try {
      ok = (await restoreNamespace(nsCtx)) && ok;
    } finally {
      if (nsCtx !== ctx) nsCtx.close();
    }
  }
  // Each failure was printed as it came, beside the containers restored.
  if (!ok) throw new PartialFailureError([]);
}
