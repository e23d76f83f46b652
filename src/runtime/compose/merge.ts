/**
 * The compose-spec merge rules, as compose-go's override package applies them to two YAML trees
 * (a file onto the files before it, a service onto the one it extends): mappings merge key by
 * key, sequences append, scalars are replaced, with the special cases below (command and
 * entrypoint replaced whole, environment/labels merged as KEY=VAL lists, depends_on and networks
 * as mappings, logging by driver …). Then duplicates are removed from the sequences that are
 * really sets (ports by binding, volumes by target, …), the later entry winning.
 */
import { ComposeError } from '../errors.js';
import { OverrideTag, ResetTag } from './yaml.js';
import { parseVolumeSpec } from './volumes.js';
import { pathMatches } from './interpolate.js';

type Tree = Record<string, unknown>;
type Merger = (base: unknown, over: unknown, path: string[]) => unknown;

export function isMapping(v: unknown): v is Tree {
  return (
    v !== null && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype
  );
}

/** Go's fmt `%v` of a YAML scalar. */
export function scalarText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  return String(v);
}

function toSequence(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (isMapping(v)) {
    const seq: string[] = [];
    for (const [k, val] of Object.entries(v)) {
      if (val === null || val === undefined) seq.push(k);
      else if (Array.isArray(val)) for (const x of val) seq.push(`${k}=${scalarText(x)}`);
      else seq.push(`${k}=${scalarText(val)}`);
    }
    return seq.sort();
  }
  if (typeof v === 'string') return [v];
  return [];
}

function toMapping(v: unknown, def?: Tree): Tree {
  if (isMapping(v)) return v;
  const out: Tree = {};
  if (Array.isArray(v)) for (const s of v) out[String(s)] = def ? { ...def } : null;
  return out;
}

const mergeToSequence: Merger = (b, o) => [...toSequence(b), ...toSequence(o)];

const mergeExtraHosts: Merger = (b, o) => {
  const right = toSequence(b);
  const left = toSequence(o).filter((v) => !right.includes(v));
  return [...right, ...left];
};

const replaceWith: Merger = (_b, o) => o;

const mergeLogging: Merger = (b, o, p) => {
  const base = b as Tree;
  const over = o as Tree;
  if (!('driver' in over) || !('driver' in base) || over.driver === base.driver)
    return mergeMappings(base, over, p);
  return over;
};

const mergeBuild: Merger = (b, o, p) => {
  const toBuild = (v: unknown): Tree => (typeof v === 'string' ? { context: v } : isMapping(v) ? v : {});
  return mergeMappings(toBuild(b), toBuild(o), p);
};

const dependsDefault = { condition: 'service_started', required: true };
const mergeDependsOn: Merger = (b, o, p) =>
  mergeMappings(toMapping(b, dependsDefault), toMapping(o, dependsDefault), p);

const mergeNetworks: Merger = (b, o, p) => mergeMappings(toMapping(b), toMapping(o), p);
const mergeModels = mergeNetworks;

// compose-go merges the override with itself here: a ulimit set again replaces the earlier one.
const mergeUlimit: Merger = (_b, o) => o;

const mergeIpamConfig: Merger = (b, o, p) => {
  if (!Array.isArray(b) || !Array.isArray(o)) throw new ComposeError(`${p.join('.')}: unexpected type`);
  const out: Tree[] = [];
  const indexOf = (subnet: unknown) => out.findIndex((c) => c.subnet === subnet);
  for (const original of b) {
    const right = toMapping(original);
    for (const override of o) {
      const left = toMapping(override);
      if (left.subnet !== right.subnet) {
        if (indexOf(left.subnet) < 0) {
          out.push(left);
          continue;
        }
      }
      const merged = mergeMappings({ ...right }, left, p);
      const i = indexOf(merged.subnet);
      if (i >= 0) out[i] = merged;
      else out.push(merged);
    }
  }
  return out;
};

const SPECIALS: [string, Merger][] = [
  ['networks.*.ipam.config', mergeIpamConfig],
  ['networks.*.labels', mergeToSequence],
  ['volumes.*.labels', mergeToSequence],
  ['services.*.annotations', mergeToSequence],
  ['services.*.build', mergeBuild],
  ['services.*.build.args', mergeToSequence],
  ['services.*.build.additional_contexts', mergeToSequence],
  ['services.*.build.extra_hosts', mergeExtraHosts],
  ['services.*.build.labels', mergeToSequence],
  ['services.*.command', replaceWith],
  ['services.*.depends_on', mergeDependsOn],
  ['services.*.deploy.labels', mergeToSequence],
  ['services.*.dns', mergeToSequence],
  ['services.*.dns_opt', mergeToSequence],
  ['services.*.dns_search', mergeToSequence],
  ['services.*.entrypoint', replaceWith],
  ['services.*.env_file', mergeToSequence],
  ['services.*.label_file', mergeToSequence],
  ['services.*.environment', mergeToSequence],
  ['services.*.extra_hosts', mergeExtraHosts],
  ['services.*.healthcheck.test', replaceWith],
  ['services.*.labels', mergeToSequence],
  ['services.*.volumes.*.volume.labels', mergeToSequence],
  ['services.*.logging', mergeLogging],
  ['services.*.models', mergeModels],
  ['services.*.networks', mergeNetworks],
  ['services.*.sysctls', mergeToSequence],
  ['services.*.tmpfs', mergeToSequence],
  ['services.*.ulimits.*', mergeUlimit],
];

export function mergeYaml(base: unknown, over: unknown, path: string[]): unknown {
  for (const [pattern, merger] of SPECIALS) if (pathMatches(path, pattern)) return merger(base, over, path);
  if (over === null || over === undefined) return base;
  if (isMapping(base)) {
    if (!isMapping(over)) throw new ComposeError(`cannot override ${path.join('.')}`);
    return mergeMappings(base, over, path);
  }
  if (Array.isArray(base)) {
    if (!Array.isArray(over)) throw new ComposeError(`cannot override ${path.join('.')}`);
    return [...base, ...over];
  }
  return over;
}

export function mergeMappings(base: Tree, over: Tree, path: string[]): Tree {
  for (const [k, v] of Object.entries(over)) {
    if (!(k in base)) {
      base[k] = v;
      continue;
    }
    base[k] = mergeYaml(base[k], v, [...path, k]);
  }
  return base;
}

/** override.Merge: `over` (a later file) onto `base`. */
export function mergeTrees(base: Tree, over: Tree): Tree {
  return mergeMappings(base, over, []);
}

/** override.ExtendService: the extending service onto (a copy of) the one it extends. */
export function extendService(base: Tree, over: Tree): Tree {
  return mergeYaml(base, over, ['services', 'x']) as Tree;
}

export function deepClone<T>(v: T): T {
  if (Array.isArray(v)) return v.map(deepClone) as T;
  if (isMapping(v)) {
    const out: Tree = {};
    for (const [k, x] of Object.entries(v)) out[k] = deepClone(x);
    return out as T;
  }
  if (v instanceof OverrideTag) return new OverrideTag(deepClone(v.value)) as T;
  return v;
}

/**
 * `!reset` and `!override` in a tree about to be merged: the tags are taken out of it (a reset key
 * disappears, an override keeps its value) and their paths returned, for `applyResets` to clear
 * in the tree it is merged onto.
 */
export function takeResetPaths(tree: unknown, path: string[] = [], out: string[][] = []): string[][] {
  if (isMapping(tree)) {
    for (const [k, v] of Object.entries(tree)) {
      if (v instanceof ResetTag) {
        out.push([...path, k]);
        delete tree[k];
      } else if (v instanceof OverrideTag) {
        out.push([...path, k]);
        tree[k] = v.value;
      } else takeResetPaths(v, [...path, k], out);
    }
  } else if (Array.isArray(tree)) {
    for (let i = tree.length - 1; i >= 0; i--) {
      const v = tree[i];
      if (v instanceof ResetTag) tree.splice(i, 1);
      else if (v instanceof OverrideTag) tree[i] = v.value;
      else takeResetPaths(v, [...path, String(i)], out);
    }
  }
  return out;
}

export function applyResets(tree: Tree, paths: string[][]): void {
  for (const p of paths) {
    let cur: unknown = tree;
    for (let i = 0; i < p.length - 1 && cur !== undefined; i++) {
      cur = isMapping(cur) ? cur[p[i]!] : Array.isArray(cur) ? cur[Number(p[i])] : undefined;
    }
    const last = p[p.length - 1]!;
    if (isMapping(cur)) delete cur[last];
  }
}

type Indexer = (v: unknown, path: string) => string;

const keyValueIndexer: Indexer = (v, path) => {
  if (typeof v !== 'string') {
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw new ComposeError(`${path}: unexpected type ${typeof v}`);
  }
  const eq = v.indexOf('=');
  return eq >= 0 ? v.slice(0, eq) : v;
};

const volumeIndexer: Indexer = (v, path) => {
  if (isMapping(v)) {
    if (typeof v.target !== 'string')
      throw new ComposeError(`service volume ${path} is missing a mount target`);
    return v.target;
  }
  if (typeof v === 'string') return parseVolumeSpec(v).target;
  return '';
};

const deviceIndexer: Indexer = (v, path) => {
  if (isMapping(v)) {
    if (typeof v.target !== 'string')
      throw new ComposeError(`service device ${path} is missing a mount target`);
    return v.target;
  }
  if (typeof v === 'string') {
    const parts = v.split(':');
    return parts.length === 1 ? parts[0]! : parts[1]!;
  }
  return '';
};

const exposeIndexer: Indexer = (v, path) => {
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  throw new ComposeError(`${path}: unsupported expose value ${String(v)}`);
};

const mountIndexer =
  (defaultPath: string): Indexer =>
  (v, path) => {
    if (typeof v === 'string') return `${defaultPath}/${v}`;
    if (isMapping(v)) return typeof v.target === 'string' ? v.target : `${defaultPath}/${String(v.source)}`;
    throw new ComposeError(`${path}: unsupported expose value ${String(v)}`);
  };

const portIndexer: Indexer = (v, path) => {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v;
  if (isMapping(v)) {
    if (v.target === undefined) throw new ComposeError(`service ports ${path} is missing a target port`);
    return `${String(v.host_ip ?? '0.0.0.0')}:${String(v.published ?? '')}:${String(v.target)}/${String(v.protocol ?? 'tcp')}`;
  }
  return '';
};

const envFileIndexer: Indexer = (v, path) => {
  if (typeof v === 'string') return v;
  if (isMapping(v)) {
    if (typeof v.path !== 'string') throw new ComposeError(`environment path attribute ${path} is missing`);
    return v.path;
  }
  return '';
};

const UNIQUE: [string, Indexer][] = [
  ['networks.*.labels', keyValueIndexer],
  ['networks.*.ipam.options', keyValueIndexer],
  ['services.*.annotations', keyValueIndexer],
  ['services.*.build.args', keyValueIndexer],
  ['services.*.build.additional_contexts', keyValueIndexer],
  ['services.*.build.platform', keyValueIndexer],
  ['services.*.build.tags', keyValueIndexer],
  ['services.*.build.labels', keyValueIndexer],
  ['services.*.cap_add', keyValueIndexer],
  ['services.*.cap_drop', keyValueIndexer],
  ['services.*.configs', mountIndexer('')],
  ['services.*.deploy.labels', keyValueIndexer],
  ['services.*.dns', keyValueIndexer],
  ['services.*.dns_opt', keyValueIndexer],
  ['services.*.dns_search', keyValueIndexer],
  ['services.*.environment', keyValueIndexer],
  ['services.*.env_file', envFileIndexer],
  ['services.*.expose', exposeIndexer],
  ['services.*.labels', keyValueIndexer],
  ['services.*.links', keyValueIndexer],
  ['services.*.networks.*.aliases', keyValueIndexer],
  ['services.*.networks.*.link_local_ips', keyValueIndexer],
  ['services.*.ports', portIndexer],
  ['services.*.profiles', keyValueIndexer],
  ['services.*.secrets', mountIndexer('/run/secrets')],
  ['services.*.sysctls', keyValueIndexer],
  ['services.*.tmpfs', keyValueIndexer],
  ['services.*.volumes', volumeIndexer],
  ['services.*.devices', deviceIndexer],
];

/** override.EnforceUnicity: in set-like sequences a later entry with the same key replaces the earlier one. */
export function enforceUnicity(value: unknown, path: string[] = []): unknown {
  if (isMapping(value)) {
    for (const [k, v] of Object.entries(value)) value[k] = enforceUnicity(v, [...path, k]);
    return value;
  }
  if (Array.isArray(value)) {
    const entry = UNIQUE.find(([pattern]) => pathMatches(path, pattern));
    if (!entry) return value;
    const seq: unknown[] = [];
    const keys = new Map<string, number>();
    value.forEach((item, i) => {
      const key = entry[1](item, `${path.join('.')}[${i}]`);
      const j = keys.get(key);
      if (j !== undefined) seq[j] = item;
      else {
        keys.set(key, seq.length);
        seq.push(item);
      }
    });
    return seq;
  }
  return value;
}
