/**
 * Variable interpolation as compose-go's template package does it: `$VAR`, `${VAR}`,
 * `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}`, `${VAR?err}`, `${VAR:+alt}`, `${VAR+alt}`,
 * nested (`${A:-${B}}`), and `$$` for a literal `$`. Applied to every string value of a compose
 * file (never to keys), then values at typed paths are cast (`"${PORT}"` → 8080 for ports.target).
 */
import { ComposeError } from '../errors.js';
import { OverrideTag } from './yaml.js';

export type Lookup = (name: string) => string | undefined;

/** The one regular expression of compose-go (template.DefaultPattern), case-insensitive. */
const PATTERN = /\$(?:(\$)|([_a-z][_a-z0-9]*)|\{(?:([_a-z][_a-z0-9]*(?::?[-+?](.*))?)\}|()))/gi;

export class InvalidTemplateError extends Error {}

export class MissingRequiredError extends Error {
  constructor(
    readonly variable: string,
    readonly reason: string,
  ) {
    super(
      reason
        ? `required variable ${variable} is missing a value: ${reason}`
        : `required variable ${variable} is missing a value`,
    );
  }
}

export interface SubstituteOptions {
  /** Called once per variable that is unset and has no default (compose warns about each). */
  onUnset?: (name: string) => void;
}

type SubstFn = (
  substitution: string,
  lookup: Lookup,
  o: SubstituteOptions,
) => { value: string; applied: boolean };

function partition(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + sep.length)];
}

function withDefault(sep: ':-' | '-'): SubstFn {
  return (substitution, lookup, o) => {
    if (!substitution.includes(sep)) return { value: '', applied: false };
    const [name, def] = partition(substitution, sep);
    const value = lookup(name);
    if (value === undefined || (sep === ':-' && value === ''))
      return { value: substitute(def, lookup, o), applied: true };
    return { value, applied: true };
  };
}

function withPresence(sep: ':+' | '+'): SubstFn {
  return (substitution, lookup, o) => {
    if (!substitution.includes(sep)) return { value: '', applied: false };
    const [name, alt] = partition(substitution, sep);
    const value = lookup(name);
    if (value !== undefined && (sep === '+' || value !== ''))
      return { value: substitute(alt, lookup, o), applied: true };
    return { value: value ?? '', applied: true };
  };
}

function withRequired(sep: ':?' | '?'): SubstFn {
  return (substitution, lookup, o) => {
    if (!substitution.includes(sep)) return { value: '', applied: false };
    const [name, message] = partition(substitution, sep);
    const value = lookup(name);
    if (value === undefined || (sep === ':?' && value === '')) {
      throw new MissingRequiredError(name, substitute(message, lookup, o));
    }
    return { value, applied: true };
  };
}

const OPERATORS: [string, SubstFn][] = [
  [':?', withRequired(':?')],
  ['?', withRequired('?')],
  [':-', withDefault(':-')],
  ['-', withDefault('-')],
  [':+', withPresence(':+')],
  ['+', withPresence('+')],
];

/** The operator that appears first in the text wins (`${A-x?y}` is a default, not an error). */
function operatorFor(template: string): SubstFn {
  let best: [number, SubstFn] | undefined;
  for (const [op, fn] of OPERATORS) {
    const i = template.indexOf(op);
    if (i >= 0 && (best === undefined || i < best[0])) best = [i, fn];
  }
  return best ? best[1] : OPERATORS[0]![1];
}

function firstBraceClosingIndex(s: string): number {
  let open = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '}') {
      open--;
      if (open === 0) return i;
    }
    if (s[i] === '{') {
      open++;
      i++;
    }
  }
  return -1;
}

function replace(match: string, lookup: Lookup, o: SubstituteOptions): string {
  const subst = operatorFor(match);
  const close = firstBraceClosingIndex(match);
  let rest = '';
  if (close > -1) {
    rest = match.slice(close + 1);
    match = match.slice(0, close + 1);
  }
  const m = new RegExp(PATTERN.source, 'i').exec(match);
  if (!m) throw new InvalidTemplateError();
  const [, escaped, named, braced] = m;
  if (escaped) return escaped;
  const name = named ?? braced;
  if (!name) throw new InvalidTemplateError();
  if (braced !== undefined) {
    const r = subst(braced, lookup, o);
    if (r.applied) return r.value + substitute(rest, lookup, o);
  }
  const value = lookup(name);
  if (value === undefined) o.onUnset?.(name);
  return value ?? '';
}

/** template.Substitute: the first error wins, as in compose-go. */
export function substitute(template: string, lookup: Lookup, o: SubstituteOptions = {}): string {
  let first: Error | undefined;
  const out = template.replace(PATTERN, (match) => {
    try {
      return replace(match, lookup, o);
    } catch (err) {
      first ??= err as Error;
      return '';
    }
  });
  if (first) {
    if (first instanceof InvalidTemplateError && !first.message) throw new InvalidTemplateError(template);
    throw first;
  }
  return out;
}

type Cast = (v: string) => unknown;

const toInt: Cast = (v) => {
  if (!/^[+-]?\d+$/.test(v)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
};
const toFloat: Cast = (v) => {
  const n = Number(v);
  if (v.trim() === '' || Number.isNaN(n))
    throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(v)}: invalid syntax`);
  return n;
};
const toBool: Cast = (v) => {
  switch (v.toLowerCase()) {
    case 'true':
    case 'y':
    case 'yes':
    case 'on':
      return true;
    case 'false':
    case 'n':
    case 'no':
    case 'off':
      return false;
    default:
      throw new Error(`invalid boolean: ${v}`);
  }
};

/** loader/interpolate.go's interpolateTypeCastMapping (`*` one key, `[]` one sequence item). */
const CASTS: [string, Cast][] = [
  ['services.*.cpu_count', toInt],
  ['services.*.cpu_percent', toFloat],
  ['services.*.cpu_period', toInt],
  ['services.*.cpu_quota', toInt],
  ['services.*.cpu_rt_period', toInt],
  ['services.*.cpu_rt_runtime', toInt],
  ['services.*.cpus', toFloat],
  ['services.*.cpu_shares', toInt],
  ['services.*.init', toBool],
  ['services.*.depends_on.*.required', toBool],
  ['services.*.depends_on.*.restart', toBool],
  ['services.*.deploy.replicas', toInt],
  ['services.*.deploy.update_config.parallelism', toInt],
  ['services.*.deploy.update_config.max_failure_ratio', toFloat],
  ['services.*.deploy.rollback_config.parallelism', toInt],
  ['services.*.deploy.rollback_config.max_failure_ratio', toFloat],
  ['services.*.deploy.restart_policy.max_attempts', toInt],
  ['services.*.deploy.placement.max_replicas_per_node', toInt],
  ['services.*.healthcheck.retries', toInt],
  ['services.*.healthcheck.disable', toBool],
  ['services.*.oom_kill_disable', toBool],
  ['services.*.oom_score_adj', toInt],
  ['services.*.pids_limit', toInt],
  ['services.*.ports.[].target', toInt],
  ['services.*.privileged', toBool],
  ['services.*.read_only', toBool],
  ['services.*.scale', toInt],
  ['services.*.stdin_open', toBool],
  ['services.*.tty', toBool],
  ['services.*.ulimits.*', toInt],
  ['services.*.ulimits.*.hard', toInt],
  ['services.*.ulimits.*.soft', toInt],
  ['services.*.volumes.[].read_only', toBool],
  ['services.*.volumes.[].volume.nocopy', toBool],
  ['networks.*.external', toBool],
  ['networks.*.internal', toBool],
  ['networks.*.attachable', toBool],
  ['networks.*.enable_ipv4', toBool],
  ['networks.*.enable_ipv6', toBool],
  ['volumes.*.external', toBool],
  ['secrets.*.external', toBool],
  ['configs.*.external', toBool],
];

/** tree.Path.Matches: `*` matches any key, `[]` any sequence item, the rest literally. */
export function pathMatches(path: string[], pattern: string): boolean {
  const parts = pattern.split('.');
  if (parts.length !== path.length) return false;
  return parts.every((p, i) => p === '*' || p === path[i] || (p === '[]' && path[i] === '[]'));
}

function castFor(path: string[]): Cast | undefined {
  return CASTS.find(([pattern]) => pathMatches(path, pattern))?.[1];
}

function pathError(path: string[], err: unknown): ComposeError {
  if (err instanceof InvalidTemplateError) {
    return new ComposeError(
      `invalid interpolation format for ${path.join('.')}.\nYou may need to escape any $ with another $.\n${err.message}`,
    );
  }
  return new ComposeError(`error while interpolating ${path.join('.')}: ${(err as Error).message}`);
}

/** Interpolates every string of a parsed compose file; sequence items appear as `[]` in paths. */
export function interpolateTree(
  value: unknown,
  lookup: Lookup,
  o: SubstituteOptions = {},
  path: string[] = [],
): unknown {
  if (typeof value === 'string') {
    let out: string;
    try {
      out = substitute(value, lookup, o);
    } catch (err) {
      throw pathError(path, err);
    }
    const cast = castFor(path);
    if (!cast) return out;
    try {
      return cast(out);
    } catch (err) {
      throw new ComposeError(
        `error while interpolating ${path.join('.')}: failed to cast to expected type: ${(err as Error).message}`,
      );
    }
  }
  if (value instanceof OverrideTag) return new OverrideTag(interpolateTree(value.value, lookup, o, path));
  if (Array.isArray(value)) return value.map((v) => interpolateTree(v, lookup, o, [...path, '[]']));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateTree(v, lookup, o, [...path, k]);
    return out;
  }
  return value;
}
