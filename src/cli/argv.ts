/**
 * Docker's (cobra/pflag's) argument grammar over oclif flag definitions.
 *
 * oclif keeps reading flags after positionals and lets `multiple` flags swallow the next word;
 * Docker stops at the first positional for run/create/exec (`run IMG ls -la` gives `-la` to the
 * container), never lets a repeatable flag take more than one value, and accepts combined short
 * flags (`-itd`, `-dp 80:80`). Command files still declare their flags with oclif's `Flags.*` so
 * help and the manifest come from oclif; this module only reads `type`, `char`, `multiple`,
 * `default`, `aliases` and `options` from those definitions.
 */
import { UsageError } from '../runtime/errors.js';

export interface FlagDef {
  type: 'boolean' | 'option';
  char?: string;
  multiple?: boolean;
  default?: unknown;
  aliases?: string[];
  options?: readonly string[];
  /** Set by our helpers for integer flags: the value is checked and converted like pflag's. */
  tsdockKind?: 'int';
  hidden?: boolean;
}

export type FlagDefs = Record<string, FlagDef>;

export interface ParseOptions {
  /** false for run/create/exec: flags end at the first positional (pflag SetInterspersed(false)). */
  interspersed: boolean;
  /** Used in error hints: "Run 'tsdock run --help' for more information". */
  commandPath: string;
  /** The command's usage line ("[OPTIONS] IMAGE [COMMAND] [ARG...]"), shown under flag errors. */
  usage?: string;
}

export interface Parsed<V = Record<string, unknown>> {
  flags: V;
  args: string[];
  /** Names of flags the user actually gave (to tell "unset" from "default"). */
  given: Set<string>;
}

function usage(commandPath: string, message: string, usageLine?: string): UsageError {
  // docker/cli 28: the error, its Usage line, then where to get help.
  const lines = usageLine ? [``, `Usage:  tsdock ${commandPath} ${usageLine}`] : [];
  return new UsageError(message, {
    hint: [...lines, '', `Run 'tsdock ${commandPath} --help' for more information`].join('\n'),
  });
}

const TRUE_WORDS = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

export function parseArgv(argv: readonly string[], defs: FlagDefs, opts: ParseOptions): Parsed {
  const byLong = new Map<string, string>();
  const byShort = new Map<string, string>();
  for (const [name, def] of Object.entries(defs)) {
    byLong.set(name, name);
    for (const a of def.aliases ?? []) byLong.set(a, name);
    if (def.char) byShort.set(def.char, name);
  }

  const fail = (message: string): UsageError => usage(opts.commandPath, message, opts.usage);
  const flags: Record<string, unknown> = {};
  const given = new Set<string>();
  const args: string[] = [];

  const label = (name: string): string => {
    const c = defs[name]?.char;
    return c ? `-${c}, --${name}` : `--${name}`;
  };

  const setValue = (name: string, raw: string): void => {
    const def = defs[name]!;
    let value: unknown = raw;
    if (def.tsdockKind === 'int') {
      if (!/^[+-]?\d+$/.test(raw.trim())) {
        throw fail(
          `invalid argument "${raw}" for "${label(name)}" flag: strconv.ParseInt: parsing "${raw}": invalid syntax`,
        );
      }
      value = Number.parseInt(raw, 10);
    } else if (def.options && !def.options.includes(raw)) {
      throw fail(
        `invalid argument "${raw}" for "${label(name)}" flag: must be one of ${def.options.join(', ')}`,
      );
    }
    given.add(name);
    if (def.multiple) {
      const list = (flags[name] as unknown[] | undefined) ?? [];
      list.push(value);
      flags[name] = list;
    } else {
      flags[name] = value;
    }
  };

  const setBool = (name: string, raw: string | undefined, shown: string): void => {
    let v = true;
    if (raw !== undefined) {
      if (TRUE_WORDS.has(raw)) v = true;
      else if (FALSE_WORDS.has(raw)) v = false;
      else
        throw fail(
          `invalid argument "${raw}" for "${shown}" flag: strconv.ParseBool: parsing "${raw}": invalid syntax`,
        );
    }
    given.add(name);
    flags[name] = v;
  };

  let i = 0;
  let flagsDone = false;
  while (i < argv.length) {
    const word = argv[i]!;
    i++;
    if (flagsDone || word === '-' || !word.startsWith('-')) {
      args.push(word);
      if (!opts.interspersed) flagsDone = true;
      continue;
    }
    if (word === '--') {
      flagsDone = true;
      continue;
    }
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      const key = eq >= 0 ? word.slice(2, eq) : word.slice(2);
      const name = byLong.get(key);
      if (!name) throw fail(`unknown flag: --${key}`);
      const def = defs[name]!;
      if (def.type === 'boolean') {
        setBool(name, eq >= 0 ? word.slice(eq + 1) : undefined, label(name));
      } else if (eq >= 0) {
        setValue(name, word.slice(eq + 1));
      } else {
        if (i >= argv.length) throw fail(`flag needs an argument: --${key}`);
        setValue(name, argv[i]!);
        i++;
      }
      continue;
    }
    // Short flags, possibly combined: -itd, -p80:80, -e=A, -dp 80:80
    const body = word.slice(1);
    for (let j = 0; j < body.length; j++) {
      const c = body[j]!;
      const name = byShort.get(c);
      if (!name) throw fail(`unknown shorthand flag: '${c}' in ${word}`);
      const def = defs[name]!;
      if (def.type === 'boolean') {
        if (body[j + 1] === '=') {
          setBool(name, body.slice(j + 2), label(name));
          break;
        }
        setBool(name, undefined, label(name));
        continue;
      }
      let rest = body.slice(j + 1);
      if (rest.startsWith('=')) rest = rest.slice(1);
      if (rest.length > 0) {
        setValue(name, rest);
      } else {
        if (i >= argv.length) throw fail(`flag needs an argument: '${c}' in ${word}`);
        setValue(name, argv[i]!);
        i++;
      }
      break;
    }
  }

  for (const [name, def] of Object.entries(defs)) {
    if (flags[name] !== undefined) continue;
    if (def.default !== undefined && typeof def.default !== 'function') flags[name] = def.default;
    else if (def.type === 'boolean') flags[name] = false;
    else if (def.multiple) flags[name] = [];
  }
  return { flags, args, given };
}
