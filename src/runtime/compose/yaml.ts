/**
 * Compose files through js-yaml: YAML 1.2's core schema (as compose-go's YAML decoder: `yes` is a
 * string, dates stay strings), merge keys (`<<: *base`), the `!reset` and `!override` tags of the
 * compose-spec merge rules, and several documents in one file. Beside the values, every key path
 * gets the line it was written on, so that a validation error can say where the offending key is.
 */
import yaml from 'js-yaml';
import { ComposeError } from '../errors.js';

/** `!reset`: the key is removed from what earlier files (or an extended service) defined. */
export class ResetTag {
  readonly composeReset = true;
}

/** `!override`: the value replaces what earlier files defined instead of being merged with it. */
export class OverrideTag {
  constructor(readonly value: unknown) {}
}

const tagTypes = (['scalar', 'sequence', 'mapping'] as const).flatMap((kind) => [
  new yaml.Type('!reset', { kind, construct: () => new ResetTag() }),
  new yaml.Type('!override', { kind, construct: (data: unknown) => new OverrideTag(data ?? null) }),
]);

// js-yaml exports its merge-key type (`types`), which @types/js-yaml does not declare.
const { merge } = (yaml as unknown as { types: { merge: yaml.Type } }).types;
const SCHEMA = yaml.CORE_SCHEMA.extend({ implicit: [merge], explicit: tagTypes });

/** Key path (`services.web.ports.0`) → 1-based line of that key (or sequence item). */
export type LineIndex = Map<string, number>;

export interface YamlDocument {
  value: unknown;
  lines: LineIndex;
}

interface Frame {
  line: number;
  kind: string;
  result: unknown;
  children: Frame[];
}

/** A node whose only child produced the very same value is the parser's bookkeeping, not a node. */
function collapse(f: Frame): Frame {
  let cur = f;
  while (cur.children.length === 1 && cur.children[0]!.result === cur.result) cur = cur.children[0]!;
  return { ...cur, line: Math.min(cur.line, f.line), children: cur.children.map(collapse) };
}

function indexLines(root: Frame, lines: LineIndex): void {
  // Objects built once and referenced again through aliases (`<<: *base`) are found by identity.
  const byValue = new Map<unknown, Frame>();
  const remember = (f: Frame): void => {
    if (f.result !== null && typeof f.result === 'object' && f.children.length > 0 && !byValue.has(f.result))
      byValue.set(f.result, f);
    f.children.forEach(remember);
  };
  remember(root);
  const walk = (f: Frame, path: string, depth: number): void => {
    if (depth > 64) return;
    const here = byValue.get(f.result) ?? f;
    const prefix = path === '' ? '' : `${path}.`;
    if (Array.isArray(here.result)) {
      here.children.forEach((c, i) => {
        if (!lines.has(`${prefix}${i}`)) lines.set(`${prefix}${i}`, c.line);
        walk(c, `${prefix}${i}`, depth + 1);
      });
      return;
    }
    if (here.result === null || typeof here.result !== 'object' || here.children.length % 2 !== 0) return;
    const merged: Frame[] = [];
    for (let i = 0; i < here.children.length; i += 2) {
      const key = here.children[i]!;
      const value = here.children[i + 1]!;
      if (key.result === '<<') {
        merged.push(value);
        continue;
      }
      const k = String(key.result);
      lines.set(`${prefix}${k}`, key.line);
      walk(value, `${prefix}${k}`, depth + 1);
    }
    // Keys that came through a merge key: their lines are where the merged mapping wrote them,
    // unless the mapping itself set them (explicit keys win over merged ones).
    for (const m of merged) {
      const sources = Array.isArray(m.result) ? m.children : [m];
      for (const s of sources) {
        const src = byValue.get(s.result) ?? s;
        const inner: LineIndex = new Map();
        indexLines(src, inner);
        for (const [k, line] of inner) if (!lines.has(`${prefix}${k}`)) lines.set(`${prefix}${k}`, line);
      }
    }
  };
  walk(root, '', 0);
}

/** Every document of a file, with its key lines. */
export function parseYaml(text: string, filename: string): YamlDocument[] {
  const roots: Frame[] = [];
  const stack: Frame[] = [];
  const listener = (event: 'open' | 'close', state: { line: number; kind: string; result: unknown }) => {
    if (event === 'open') {
      stack.push({ line: state.line + 1, kind: '', result: undefined, children: [] });
      return;
    }
    const f = stack.pop();
    if (!f) return;
    f.kind = state.kind;
    f.result = state.result;
    if (stack.length > 0) stack[stack.length - 1]!.children.push(f);
    else roots.push(f);
  };
  let docs: unknown[];
  try {
    docs = yaml.loadAll(text, undefined, { schema: SCHEMA, filename, listener } as yaml.LoadOptions);
  } catch (err) {
    const e = err as yaml.YAMLException;
    const line = e.mark ? e.mark.line + 1 : undefined;
    // compose-go's wording around go-yaml's: `failed to parse FILE: yaml: line N: reason`.
    throw new ComposeError(
      `failed to parse ${filename}: yaml: ${line !== undefined ? `line ${line}: ` : ''}${e.reason ?? e.message}`,
    );
  }
  return docs.map((value, i) => {
    const lines: LineIndex = new Map();
    const root = roots[i];
    if (root) indexLines(collapse(root), lines);
    return { value, lines };
  });
}

/** The line of a key path, or of the nearest enclosing key that the file wrote. */
export function lineOf(lines: LineIndex | undefined, path: string[]): number | undefined {
  if (!lines) return undefined;
  for (let n = path.length; n > 0; n--) {
    const line = lines.get(path.slice(0, n).join('.'));
    if (line !== undefined) return line;
  }
  return undefined;
}
