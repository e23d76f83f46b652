/**
 * `docker top`: the host's `ps` (default `-ef`), filtered to the container's processes as
 * containerd lists them, as the Docker daemon does (daemon/top_unix.go), printed by docker/cli's
 * tabwriter (minwidth 20, padding 3).
 */
import { spawnSync } from 'node:child_process';
import type { RuntimeContext } from '../../context.js';
import { ConflictError, SystemError } from '../../errors.js';
import { tabwrite } from '../../format/table.js';
import { findContainer, getTask } from '../../container/store.js';
import { recordEvent } from '../../events/record.js';

export interface ProcessList {
  titles: string[];
  processes: string[][];
}

/** Keeps the rows of `ps` output whose PID column is one of pids; the last column keeps its spaces. */
export function filterPsOutput(output: string, pids: number[]): ProcessList {
  const lines = output.split('\n');
  const titles = (lines[0] ?? '').trim().split(/\s+/).filter(Boolean);
  const pidIndex = titles.indexOf('PID');
  if (pidIndex < 0) throw new SystemError("Error response from daemon: Couldn't find PID field in ps output");
  const wanted = new Set(pids);
  const processes: string[][] = [];
  for (const line of lines.slice(1)) {
    if (!line.trim()) continue;
    const fields = line.trim().split(/\s+/);
    if (fields.length < titles.length) continue;
    const pid = Number(fields[pidIndex]);
    if (!wanted.has(pid)) continue;
    const head = fields.slice(0, titles.length - 1);
    processes.push([...head, fields.slice(titles.length - 1).join(' ')]);
  }
  return { titles, processes };
}

export async function containerTop(ctx: RuntimeContext, ref: string, psArgs: string[]): Promise<void> {
  const client = await ctx.client();
  const found = await findContainer(ctx, ref);
  const task = await getTask(client, found.id);
  if (!task || task.status !== 'RUNNING') {
    throw new ConflictError(`Error response from daemon: container ${found.id} is not running`);
  }
  const pids = await client.tasks.pids(found.id);
  const args = psArgs.length ? psArgs : ['-ef'];
  const ps = spawnSync('ps', args, { encoding: 'utf8' });
  if (ps.error || ps.status !== 0) {
    const why = ps.error ? ps.error.message : `exit status ${ps.status}: ${ps.stderr.trim()}`;
    throw new SystemError(`Error response from daemon: ps: ${why}`);
  }
  const list = filterPsOutput(ps.stdout, pids);
  const text = [list.titles, ...list.processes].map((r) => r.join('\t')).join('\n') + '\n';
  ctx.stdio.stdout.write(tabwrite(text, { minwidth: 20, padding: 3, padchar: ' ' }));
  await recordEvent(ctx, found.record, 'top');
}
