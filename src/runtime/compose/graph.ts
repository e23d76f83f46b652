/** The depends_on graph: cycle detection (compose-go's wording) and dependency order. */
import { ComposeError } from '../errors.js';
import type { Project } from './model.js';

/** Services a service waits for, restricted to the enabled ones. */
function depsOf(p: Project, name: string): string[] {
  return Object.keys(p.services[name]?.dependsOn ?? {})
    .filter((d) => d in p.services)
    .sort();
}

/** graph.CheckCycle. */
export function checkCycle(p: Project): void {
  const search = (path: string[]): void => {
    for (const d of depsOf(p, path[path.length - 1]!)) {
      const i = path.indexOf(d);
      if (i >= 0) throw new ComposeError(`dependency cycle detected: ${path.slice(i).join(' -> ')} -> ${d}`);
      search([...path, d]);
    }
  };
  for (const name of Object.keys(p.services).sort()) search([name]);
}

/** Every service in `names` with everything it depends on (transitively). */
export function withDependencies(p: Project, names: string[]): string[] {
  const out = new Set<string>();
  const add = (n: string) => {
    if (out.has(n) || !(n in p.services)) return;
    out.add(n);
    for (const d of depsOf(p, n)) add(d);
  };
  names.forEach(add);
  return [...out];
}

/** Services that depend on `name` (directly or not), among `among`. */
export function dependents(p: Project, name: string, among: string[] = Object.keys(p.services)): string[] {
  const out = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of among) {
      if (out.has(s)) continue;
      const deps = depsOf(p, s);
      if (deps.includes(name) || deps.some((d) => out.has(d))) {
        out.add(s);
        grew = true;
      }
    }
  }
  return [...out].sort();
}

/** Dependencies before dependents, names in alphabetical order among equals. */
export function dependencyOrder(p: Project, names: string[] = Object.keys(p.services)): string[] {
  checkCycle(p);
  const wanted = new Set(names);
  const done = new Set<string>();
  const out: string[] = [];
  while (out.length < wanted.size) {
    const next = [...wanted]
      .filter((n) => !done.has(n) && depsOf(p, n).every((d) => !wanted.has(d) || done.has(d)))
      .sort();
    if (next.length === 0) break;
    for (const n of next) {
      done.add(n);
      out.push(n);
    }
  }
  return out;
}
