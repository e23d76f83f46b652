/** `compose ls` and `compose version`. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { installRoot } from '../../../paths.js';
import type { RuntimeContext } from '../../context.js';
import { ComposeError } from '../../errors.js';
import { renderList } from '../../format/output.js';
import { COMPOSE_VERSION, LABEL } from '../../compose/containers.js';
import { allProjects, isRunning } from '../../compose/observe.js';

/** compose's combinedStatus: `exited(1), running(2)`, states sorted. */
export function combinedStatus(states: string[]): string {
  const counts = new Map<string, number>();
  for (const s of states) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts.keys()]
    .sort()
    .map((s) => `${s}(${counts.get(s)})`)
    .join(', ');
}

export async function composeLs(
  ctx: RuntimeContext,
  o: { all: boolean; quiet: boolean; format?: string; filters: string[] },
): Promise<void> {
  const names: string[] = [];
  for (const f of o.filters) {
    const eq = f.indexOf('=');
    if (eq < 0 || f.slice(0, eq) !== 'name') throw new ComposeError(`invalid filter '${f}'`);
    names.push(f.slice(eq + 1));
  }
  const rows = [];
  for (const [name, containers] of [...(await allProjects(ctx))].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const shown = o.all ? containers : containers.filter(isRunning);
    if (shown.length === 0) continue;
    if (names.length > 0 && !names.some((n) => name.includes(n))) continue;
    const files: string[] = [];
    for (const c of shown)
      for (const f of (c.labels[LABEL.configFiles] ?? '').split(','))
        if (f && !files.includes(f)) files.push(f);
    rows.push({
      Name: name,
      Status: combinedStatus(shown.map((c) => c.status)),
      ConfigFiles: files.join(','),
    });
  }
  if (o.quiet) {
    ctx.print(rows.map((r) => `${r.Name}\n`).join(''));
    return;
  }
  if (o.format === 'json') {
    ctx.print(JSON.stringify(rows) + '\n');
    return;
  }
  ctx.print(
    renderList({
      format: o.format,
      defaultTable: 'table {{.Name}}\t{{.Status}}\t{{.ConfigFiles}}',
      headers: { Name: 'NAME', Status: 'STATUS', ConfigFiles: 'CONFIG FILES' },
      rows,
    }),
  );
}

export function composeVersion(ctx: RuntimeContext, o: { short: boolean; format?: string }): void {
  const pkg = JSON.parse(readFileSync(join(installRoot(), 'package.json'), 'utf8')) as { version: string };
  if (o.short) ctx.print(`${COMPOSE_VERSION}\n`);
  else if (o.format === 'json') ctx.print(`${JSON.stringify({ version: `v${COMPOSE_VERSION}` })}\n`);
  else ctx.print(`Docker Compose version v${COMPOSE_VERSION} (tsdock ${pkg.version})\n`);
}
