/**
 * A Dockerfile as typed instructions grouped into stages. dockerfile-ast does the lexical work
 * (directives, escape character, comments, line continuations, heredocs, `--flag=value` words);
 * this module turns each instruction into what BuildKit's instructions package makes of it — the
 * same argument forms (JSON or shell, key=value pairs, whitespace lists), flags and error messages
 * (`dockerfile parse error on line N: …`). Variables are not expanded here: that needs the build
 * state of the moment (see dispatch in stage.ts).
 */
import { DockerfileParser, type Instruction as AstInstruction } from 'dockerfile-ast';

export class DockerfileError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

export interface Heredoc {
  name: string;
  /** The lines up to the terminator, each ending in a newline. */
  content: string;
  /** Unquoted delimiter: variables in the content are expanded (COPY/ADD). */
  expand: boolean;
  /** `<<-`: leading tabs are removed from each line. */
  chomp: boolean;
}

/** A command line as RUN, CMD and ENTRYPOINT take it: exec form (JSON) or one shell string. */
export interface CmdLine {
  args: string[];
  /** Shell form: the shell (SHELL, default /bin/sh -c) is put in front. */
  prependShell: boolean;
}

export interface KeyValue {
  key: string;
  value: string;
}

interface Base {
  /** 1-based line of the instruction's first line. */
  line: number;
  endLine: number;
  /** The instruction as written (its lines, continuations and heredocs included). */
  source: string;
  /** `KEYWORD args` on one line, as BuildKit names the step in its progress. */
  text: string;
}

export type Command =
  | (Base & { kind: 'RUN'; cmd: CmdLine; heredocs: Heredoc[]; network?: string; mounts: string[] })
  | (Base & {
      kind: 'COPY' | 'ADD';
      sources: string[];
      contents: { name: string; data: string; expand: boolean }[];
      dest: string;
      from?: string;
      chown?: string;
      chmod?: string;
      link: boolean;
      checksum?: string;
      excludes: string[];
      parents: boolean;
      keepGitDir?: boolean;
      unpack?: boolean;
    })
  | (Base & { kind: 'ENV' | 'LABEL'; pairs: KeyValue[] })
  | (Base & { kind: 'ARG'; args: { key: string; value?: string }[] })
  | (Base & { kind: 'WORKDIR' | 'USER' | 'STOPSIGNAL' | 'MAINTAINER'; value: string })
  | (Base & { kind: 'CMD' | 'ENTRYPOINT'; cmd: CmdLine })
  | (Base & { kind: 'SHELL'; shell: string[] })
  | (Base & { kind: 'EXPOSE'; ports: string[] })
  | (Base & { kind: 'VOLUME'; volumes: string[] })
  | (Base & { kind: 'HEALTHCHECK'; health: Healthcheck })
  | (Base & { kind: 'ONBUILD'; expression: string });

export interface Healthcheck {
  Test: string[];
  /** Nanoseconds, as the image config stores them (0: unset). */
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

export interface Stage {
  /** Lower-cased `AS` name, if any. */
  name?: string;
  /** The FROM argument as written (expanded with the global ARGs when the build starts). */
  base: string;
  platform?: string;
  line: number;
  text: string;
  commands: Command[];
  index: number;
}

export interface Dockerfile {
  /** ARG instructions before the first FROM. */
  metaArgs: { key: string; value?: string }[];
  stages: Stage[];
  escape: string;
  /** The `# syntax=` directive, if any (reported, not acted on: there is no frontend to fetch). */
  syntax?: string;
  /** The source lines, for showing context around an error. */
  lines: string[];
}

const KNOWN = [
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'FROM',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
];

/** Flags each instruction accepts (BuildKit's BFlags per command); value-less ones are booleans. */
const FLAGS: Record<string, Record<string, 'string' | 'bool' | 'strings'>> = {
  ADD: {
    chown: 'string',
    chmod: 'string',
    link: 'bool',
    'keep-git-dir': 'bool',
    checksum: 'string',
    unpack: 'bool',
    exclude: 'strings',
  },
  COPY: {
    chown: 'string',
    from: 'string',
    chmod: 'string',
    link: 'bool',
    exclude: 'strings',
    parents: 'bool',
  },
  FROM: { platform: 'string' },
  RUN: { mount: 'strings', network: 'string', security: 'string', device: 'strings' },
  HEALTHCHECK: {
    interval: 'string',
    timeout: 'string',
    'start-period': 'string',
    'start-interval': 'string',
    retries: 'string',
  },
};

type FlagValues = Map<string, string[]>;

/** BuildKit's BFlags.Parse over `--name[=value]` words. */
function parseFlags(keyword: string, words: { name: string; value: string | null }[]): FlagValues {
  const allowed = FLAGS[keyword] ?? {};
  const out: FlagValues = new Map();
  for (const w of words) {
    const type = allowed[w.name];
    if (!type) throw new DockerfileError(`unknown flag: ${w.name}`);
    if (out.has(w.name) && type !== 'strings')
      throw new DockerfileError(`duplicate flag specified: ${w.name}`);
    let value = w.value;
    if (type === 'bool') {
      if (value === null) value = 'true';
      value = value.toLowerCase();
      if (value !== 'true' && value !== 'false')
        throw new DockerfileError(`expecting boolean value for flag ${w.name}, not: ${w.value}`);
    } else if (value === null) {
      throw new DockerfileError(`missing a value on flag: ${w.name}`);
    }
    out.set(w.name, [...(out.get(w.name) ?? []), value]);
  }
  return out;
}

/** BuildKit's parseWords: whitespace-separated words, quotes and escapes kept in the words. */
export function parseWords(rest: string, escape: string): string[] {
  const words: string[] = [];
  const chars = Array.from(rest);
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let quote = '';
  let blankOk = false;
  let buf = '';
  for (let pos = 0; pos <= chars.length; pos++) {
    const ch = chars[pos] ?? '';
    const end = pos === chars.length;
    if (phase === 'spaces') {
      if (end) break;
      if (/\s/u.test(ch)) continue;
      phase = 'word';
    }
    if (end) {
      if (blankOk || buf.length > 0) words.push(buf);
      break;
    }
    if (phase === 'word') {
      if (/\s/u.test(ch)) {
        phase = 'spaces';
        if (blankOk || buf.length > 0) words.push(buf);
        buf = '';
        blankOk = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOk = true;
        phase = 'quote';
      }
      if (ch === escape) {
        if (pos + 1 === chars.length) continue;
        buf += ch;
        pos++;
        buf += chars[pos]!;
        continue;
      }
      buf += ch;
      continue;
    }
    // in a quote
    if (ch === quote) phase = 'word';
    if (ch === escape && quote !== "'") {
      if (pos + 1 === chars.length) {
        phase = 'word';
        continue;
      }
      buf += ch;
      pos++;
      buf += chars[pos]!;
      continue;
    }
    buf += ch;
  }
  return words;
}

/** `ENV`/`LABEL` pairs (BuildKit parseNameVal): `k=v …` or the legacy `k v v v`. */
function parseNameVal(rest: string, keyword: string, escape: string): KeyValue[] {
  const words = parseWords(rest, escape);
  if (words.length === 0) throw new DockerfileError(`${keyword} requires at least one argument`);
  if (!words[0]!.includes('=')) {
    const m = /^(\S+)\s+([\s\S]*)$/.exec(rest.trim());
    if (!m) throw new DockerfileError(`${keyword} must have two arguments`);
    return [{ key: m[1]!, value: m[2]! }];
  }
  return words.map((w) => {
    const at = w.indexOf('=');
    if (at === -1)
      throw new DockerfileError(`Syntax error - can't find = in "${w}". Must be of the form: name=value`);
    return { key: w.slice(0, at), value: w.slice(at + 1) };
  });
}

/** A JSON array of strings, or undefined when the text is not one (then it is the shell form). */
function parseJsonArray(rest: string): string[] | undefined {
  const t = rest.trimStart();
  if (!t.startsWith('[')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(t);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  if (!parsed.every((x) => typeof x === 'string'))
    throw new DockerfileError('when using JSON array syntax, arrays must be comprised of strings only');
  return parsed;
}

function cmdLine(rest: string): CmdLine {
  const json = parseJsonArray(rest);
  if (json) return { args: json, prependShell: false };
  return { args: rest === '' ? [] : [rest], prependShell: true };
}

function whitespaceList(rest: string): string[] {
  return rest === '' ? [] : rest.split(/[\t\v\f\r ]+/).filter((w, i, all) => w !== '' || all.length === 1);
}

/** Go's time.ParseDuration for HEALTHCHECK flags, in nanoseconds. */
export function parseGoDuration(s: string): number {
  const units: Record<string, number> = {
    ns: 1,
    us: 1e3,
    '\u00b5s': 1e3,
    '\u03bcs': 1e3,
    ms: 1e6,
    s: 1e9,
    m: 60e9,
    h: 3600e9,
  };
  if (s === '0') return 0;
  const m = /^([-+]?)((?:\d*\.?\d+(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)$/.exec(s);
  if (!m) throw new DockerfileError(`time: invalid duration "${s}"`);
  let total = 0;
  for (const part of m[2]!.matchAll(/(\d*\.?\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/g)) {
    total += Number(part[1]) * units[part[2]!]!;
  }
  return Math.round(m[1] === '-' ? -total : total);
}

function interval(flags: FlagValues, name: string): number | undefined {
  const v = flags.get(name)?.[0];
  if (v === undefined || v === '') return undefined;
  const d = parseGoDuration(v);
  if (d === 0) return undefined;
  if (d < 1e6) throw new DockerfileError(`Interval "${name}" cannot be less than 1ms`);
  return d;
}

interface Raw {
  keyword: string;
  line: number;
  endLine: number;
  source: string;
  /** Arguments after the flags, continuations joined. */
  rest: string;
  flags: { name: string; value: string | null }[];
  heredocs: Heredoc[];
}

function heredocsOf(ins: AstInstruction, lines: string[]): Heredoc[] {
  const withDocs = ins as AstInstruction & {
    getHeredocs?: () => {
      getName(): string;
      getContentRange(): { start: { line: number }; end: { line: number } } | null;
    }[];
  };
  const first = lines[ins.getRange().start.line] ?? '';
  return (withDocs.getHeredocs?.() ?? []).map((h) => {
    const name = h.getName();
    const range = h.getContentRange();
    const body = range ? lines.slice(range.start.line, range.end.line + 1) : [];
    const marker = new RegExp(`<<(-?)\\s*(["']?)${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\2`).exec(
      first,
    );
    const chomp = marker?.[1] === '-';
    const quoted = Boolean(marker?.[2]);
    const content = body.map((l) => `${chomp ? l.replace(/^\t+/, '') : l}\n`).join('');
    return { name, content, expand: !quoted, chomp };
  });
}

function rawInstructions(text: string): { raws: Raw[]; df: ReturnType<typeof DockerfileParser.parse> } {
  const df = DockerfileParser.parse(text);
  const lines = text.split(/\r?\n/);
  const raws = df.getInstructions().map((ins): Raw => {
    const range = ins.getRange();
    const keyword = ins.getKeyword();
    const withFlags = ins as AstInstruction & {
      getFlags?: () => { getName(): string; getValue(): string | null }[];
    };
    const heredocs = heredocsOf(ins, lines);
    let rest = ins.getArgumentsContent() ?? '';
    // With heredocs the arguments are the first line only; the bodies are in `heredocs`.
    if (heredocs.length > 0) rest = rest.split('\n')[0]!;
    let flags = (withFlags.getFlags?.() ?? []).map((f) => ({ name: f.getName(), value: f.getValue() }));
    if (!withFlags.getFlags) {
      // Instructions dockerfile-ast reads no flags for: BuildKit still takes leading `--x` words
      // as flags (and refuses them as unknown).
      const words: { name: string; value: string | null }[] = [];
      let m: RegExpExecArray | null;
      while ((m = /^--([^\s=]+)(?:=(\S*))?\s*/.exec(rest)) && keyword !== 'ONBUILD') {
        words.push({ name: m[1]!, value: m[2] ?? null });
        rest = rest.slice(m[0].length);
      }
      flags = words;
    }
    return {
      keyword,
      line: range.start.line + 1,
      endLine: range.end.line + 1,
      source: lines.slice(range.start.line, range.end.line + 1).join('\n'),
      rest: rest.trim() === '' ? '' : rest.replace(/^\s+/, '').replace(/\s+$/, ''),
      flags,
      heredocs,
    };
  });
  return { raws, df };
}

function heredocWord(word: string): { name: string } | undefined {
  const m = /^<<-?\s*(["']?)([^"'\s]+)\1$/.exec(word);
  return m ? { name: m[2]! } : undefined;
}

function parseCommand(
  raw: Raw,
  escape: string,
): Command | { kind: 'FROM'; args: string[]; platform?: string } {
  const base: Base = {
    line: raw.line,
    endLine: raw.endLine,
    source: raw.source,
    text: `${raw.keyword} ${raw.rest}`.trim(),
  };
  const flags = parseFlags(raw.keyword, raw.flags);
  const rest = raw.rest;
  const need = (ok: boolean, msg: string) => {
    if (!ok) throw new DockerfileError(msg);
  };
  switch (raw.keyword) {
    case 'FROM': {
      const args = whitespaceList(rest);
      const platform = flags.get('platform')?.[0];
      return { kind: 'FROM', args, ...(platform !== undefined ? { platform } : {}) };
    }
    case 'RUN': {
      const cmd = cmdLine(rest);
      return {
        ...base,
        kind: 'RUN',
        cmd,
        heredocs: raw.heredocs,
        ...(flags.has('network') ? { network: flags.get('network')![0]! } : {}),
        mounts: flags.get('mount') ?? [],
      };
    }
    case 'COPY':
    case 'ADD': {
      const json = parseJsonArray(rest);
      const args = json ?? whitespaceList(rest);
      need(
        args.length >= 2,
        `${raw.keyword} requires at least two arguments, but only one was provided. Destination could not be determined`,
      );
      const dest = args[args.length - 1]!;
      if (heredocWord(dest))
        throw new DockerfileError(`${raw.keyword} cannot accept a heredoc as a destination`);
      const sources: string[] = [];
      const contents: { name: string; data: string; expand: boolean }[] = [];
      for (const src of args.slice(0, -1)) {
        const doc = json ? undefined : heredocWord(src);
        const body = doc && raw.heredocs.find((h) => h.name === doc.name);
        if (body) contents.push({ name: body.name, data: body.content, expand: body.expand });
        else sources.push(src);
      }
      const one = (n: string) => flags.get(n)?.[0];
      const bool = (n: string) => (flags.has(n) ? one(n) === 'true' : undefined);
      return {
        ...base,
        kind: raw.keyword,
        sources,
        contents,
        dest,
        ...(one('from') !== undefined ? { from: one('from')! } : {}),
        ...(one('chown') ? { chown: one('chown')! } : {}),
        ...(one('chmod') ? { chmod: one('chmod')! } : {}),
        ...(one('checksum') ? { checksum: one('checksum')! } : {}),
        link: bool('link') ?? false,
        parents: bool('parents') ?? false,
        excludes: flags.get('exclude') ?? [],
        ...(bool('keep-git-dir') !== undefined ? { keepGitDir: bool('keep-git-dir')! } : {}),
        ...(bool('unpack') !== undefined ? { unpack: bool('unpack')! } : {}),
      };
    }
    case 'ENV':
    case 'LABEL':
      return { ...base, kind: raw.keyword, pairs: parseNameVal(rest, raw.keyword, escape) };
    case 'ARG': {
      const words = parseWords(rest, escape);
      need(words.length > 0, 'ARG requires at least one argument');
      return {
        ...base,
        kind: 'ARG',
        args: words.map((w) => {
          const at = w.indexOf('=');
          if (at === -1) return { key: w };
          need(at > 0, 'ARG names can not be blank');
          return { key: w.slice(0, at), value: w.slice(at + 1) };
        }),
      };
    }
    case 'WORKDIR':
    case 'USER':
    case 'STOPSIGNAL':
      need(rest !== '' && whitespaceList(rest).length === 1, `${raw.keyword} requires exactly one argument`);
      return { ...base, kind: raw.keyword, value: rest };
    case 'MAINTAINER':
      need(rest !== '', 'MAINTAINER requires exactly one argument');
      return { ...base, kind: 'MAINTAINER', value: rest };
    case 'CMD':
    case 'ENTRYPOINT':
      return { ...base, kind: raw.keyword, cmd: cmdLine(rest) };
    case 'SHELL': {
      const json = parseJsonArray(rest);
      need(rest !== '' && (json === undefined || json.length > 0), 'SHELL requires at least one argument');
      if (!json) throw new DockerfileError(`SHELL requires the arguments to be in JSON form`);
      return { ...base, kind: 'SHELL', shell: json };
    }
    case 'EXPOSE': {
      const ports = whitespaceList(rest);
      need(ports.length > 0, 'EXPOSE requires at least one argument');
      return { ...base, kind: 'EXPOSE', ports: [...ports].sort() };
    }
    case 'VOLUME': {
      const list = parseJsonArray(rest) ?? whitespaceList(rest);
      need(list.length > 0, 'VOLUME requires at least one argument');
      const volumes = list.map((v) => v.trim());
      if (volumes.some((v) => v === ''))
        throw new DockerfileError('VOLUME specified can not be an empty string');
      return { ...base, kind: 'VOLUME', volumes };
    }
    case 'HEALTHCHECK':
      return { ...base, kind: 'HEALTHCHECK', health: parseHealth(rest, flags) };
    case 'ONBUILD': {
      need(rest !== '', 'ONBUILD requires at least one argument');
      const trigger = rest.split(/\s+/)[0]!.toUpperCase();
      if (trigger === 'ONBUILD')
        throw new DockerfileError("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
      if (trigger === 'MAINTAINER' || trigger === 'FROM')
        throw new DockerfileError(`${trigger} isn't allowed as an ONBUILD trigger`);
      let expression = raw.source
        .split('\n')
        .slice(0, raw.heredocs.length ? 1 : undefined)
        .join('\n')
        .replace(/^\s*ONBUILD\s*/i, '');
      for (const h of raw.heredocs) expression += `\n${h.content}${h.name}`;
      return { ...base, kind: 'ONBUILD', expression };
    }
  }
  throw new DockerfileError(`unknown instruction: ${raw.keyword}`);
}

function parseHealth(rest: string, flags: FlagValues): Healthcheck {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(rest);
  if (!m) throw new DockerfileError('HEALTHCHECK requires at least one argument');
  const typ = m[1]!.toUpperCase();
  const args = m[2]!;
  if (typ === 'NONE') {
    if (args !== '') throw new DockerfileError('HEALTHCHECK NONE takes no arguments');
    return { Test: ['NONE'] };
  }
  if (typ !== 'CMD') throw new DockerfileError(`Unknown type "${typ}" in HEALTHCHECK (try CMD)`);
  const cmd = cmdLine(args);
  if (cmd.args.length === 0) throw new DockerfileError('Missing command after HEALTHCHECK CMD');
  const health: Healthcheck = { Test: [cmd.prependShell ? 'CMD-SHELL' : 'CMD', ...cmd.args] };
  const set = (k: 'Interval' | 'Timeout' | 'StartPeriod' | 'StartInterval', flag: string) => {
    const v = interval(flags, flag);
    if (v !== undefined) health[k] = v;
  };
  set('Interval', 'interval');
  set('Timeout', 'timeout');
  set('StartPeriod', 'start-period');
  set('StartInterval', 'start-interval');
  const retries = flags.get('retries')?.[0];
  if (retries !== undefined && retries !== '') {
    if (!/^[-+]?\d+$/.test(retries))
      throw new DockerfileError(`strconv.ParseInt: parsing "${retries}": invalid syntax`);
    const n = Number(retries);
    if (n < 0) throw new DockerfileError(`--retries cannot be negative (${n})`);
    if (n > 0) health.Retries = n;
  }
  return health;
}

const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

/** Parses a Dockerfile's text into stages; throws DockerfileError with BuildKit's wording. */
export function parseDockerfile(text: string): Dockerfile {
  const { raws, df } = rawInstructions(text);
  const escape = df.getEscapeCharacter();
  const syntax = df
    .getDirectives()
    .find((d) => d.getDirective() === 'syntax')
    ?.getValue();
  const lines = text.split(/\r?\n/);
  if (raws.length === 0) throw new DockerfileError('the Dockerfile cannot be empty');
  const metaArgs: Dockerfile['metaArgs'] = [];
  const stages: Stage[] = [];
  for (const raw of raws) {
    const wrap = (err: unknown): never => {
      if (err instanceof DockerfileError && err.line === undefined) {
        throw new DockerfileError(`dockerfile parse error on line ${raw.line}: ${err.message}`, raw.line);
      }
      throw err;
    };
    if (!KNOWN.includes(raw.keyword)) wrap(new DockerfileError(`unknown instruction: ${raw.keyword}`));
    let cmd: ReturnType<typeof parseCommand>;
    try {
      cmd = parseCommand(raw, escape);
    } catch (err) {
      wrap(err);
      throw err;
    }
    if (cmd.kind === 'FROM') {
      const args = cmd.args;
      let name: string | undefined;
      if (args.length === 3 && args[1]!.toLowerCase() === 'as') {
        name = args[2]!.toLowerCase();
        if (!STAGE_NAME.test(name))
          wrap(
            new DockerfileError(
              `invalid name for build stage: "${args[2]}", name can't start with a number or contain symbols`,
            ),
          );
      } else if (args.length !== 1) {
        wrap(new DockerfileError('FROM requires either one or three arguments'));
      }
      stages.push({
        ...(name ? { name } : {}),
        base: args[0]!,
        ...(cmd.platform !== undefined ? { platform: cmd.platform } : {}),
        line: raw.line,
        text: `FROM ${raw.rest}`,
        commands: [],
        index: stages.length,
      });
      continue;
    }
    if (stages.length === 0) {
      if (cmd.kind === 'ARG') {
        metaArgs.push(...cmd.args);
        continue;
      }
      throw new DockerfileError(`no build stage in current context`, raw.line);
    }
    stages[stages.length - 1]!.commands.push(cmd);
  }
  return { metaArgs, stages, escape, ...(syntax ? { syntax } : {}), lines };
}

/** Parses one instruction (ONBUILD triggers, `commit --change`-like uses). */
export function parseInstruction(text: string, escape = '\\'): Command {
  const { raws } = rawInstructions(`${escape === '\\' ? '' : `# escape=${escape}\n`}${text}`);
  const raw = raws[0];
  if (!raw) throw new DockerfileError('empty instruction');
  if (!KNOWN.includes(raw.keyword)) throw new DockerfileError(`unknown instruction: ${raw.keyword}`);
  const cmd = parseCommand(raw, escape);
  if (cmd.kind === 'FROM') throw new DockerfileError("FROM isn't allowed as an ONBUILD trigger");
  return cmd;
}
