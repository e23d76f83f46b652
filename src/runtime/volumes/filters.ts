/**
 * `volume ls --filter` and `volume prune --filter` as the daemon reads them (moby volume/service
 * filtersToBy, filters.Args): the same key twice is an OR, different keys AND.
 */
import { RequestError } from '../errors.js';
import { parseFilterArgs, type FilterArgs } from '../opts/filters.js';
import type { Volume } from './store.js';

export type VolumeFilters = FilterArgs;

/** `volume ls` / `volume prune` filters, checked against the keys the command takes. */
export function parseVolumeFilters(raw: string[], accepted: string[], flag = '-f, --filter'): VolumeFilters {
  return parseFilterArgs(raw, accepted, flag);
}

/** filters.Args.GetBoolOrDefault. */
export function boolFilter(filters: VolumeFilters, key: string): boolean | undefined {
  const values = filters.get(key);
  if (!values) return undefined;
  const parsed = values.map((v) => v.toLowerCase());
  if (parsed.every((v) => v === 'true' || v === '1')) return true;
  if (parsed.every((v) => v === 'false' || v === '0')) return false;
  throw new RequestError(`Error response from daemon: invalid filter '${key}=${values.join(',')}'`);
}

/** A `label=k` / `label=k=v` filter value against a volume's labels. */
function labelMatches(labels: Record<string, string> | null, want: string): boolean {
  const eq = want.indexOf('=');
  const key = eq < 0 ? want : want.slice(0, eq);
  if (!labels || !(key in labels)) return false;
  return eq < 0 || labels[key] === want.slice(eq + 1);
}

/** filters.Args.Match: the exact value, or a regular expression found in it. */
function nameMatches(name: string, pattern: string): boolean {
  if (name === pattern) return true;
  try {
    return new RegExp(pattern).test(name);
  } catch {
    return false;
  }
}

/** Whether a volume passes the filters; `used` tells dangling from used. */
export function volumeMatches(v: Volume, filters: VolumeFilters, used: (name: string) => boolean): boolean {
  for (const [key, values] of filters) {
    switch (key) {
      case 'name':
        if (!values.some((p) => nameMatches(v.Name, p))) return false;
        break;
      case 'driver':
        if (!values.includes(v.Driver)) return false;
        break;
      case 'label':
        if (!values.every((l) => labelMatches(v.Labels, l))) return false;
        break;
      case 'label!':
        if (values.some((l) => labelMatches(v.Labels, l))) return false;
        break;
      case 'dangling':
        if (boolFilter(filters, 'dangling') === used(v.Name)) return false;
        break;
    }
  }
  return true;
}

/** sortorder.NaturalLess: runs of digits compare as numbers, the rest byte by byte. */
export function naturalCompare(a: string, b: string): number {
  const chunks = (s: string) => s.match(/\d+|\D+/g) ?? [];
  const x = chunks(a);
  const y = chunks(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i]!;
    const q = y[i]!;
    if (p === q) continue;
    if (/^\d/.test(p) && /^\d/.test(q)) {
      const d = Number(p) - Number(q);
      if (d !== 0) return d;
      return p.length - q.length;
    }
    return p < q ? -1 : 1;
  }
  return x.length - y.length;
}
