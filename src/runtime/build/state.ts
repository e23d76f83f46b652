/**
 * A stage's state while its instructions are dispatched — the image config it is building, the
 * history, the layers, the environment RUN steps and variable expansion see — and the pure part of
 * dispatch: what each metadata instruction (ENV, ARG, LABEL, USER, CMD …) does to it, with the
 * history entries BuildKit writes (`created_by`, `comment: buildkit.dockerfile.v0`).
 */
import type { ContainerConfig, Descriptor, HistoryEntry } from '../images/oci.js';
import { parseSignal } from '../opts/signals.js';
import type { CmdLine, Command, Healthcheck } from './dockerfile.js';
import { processWord, processWords, type EnvLookup } from './shell-lex.js';

export const HISTORY_COMMENT = 'buildkit.dockerfile.v0';
/** ARGs usable without a declaration and kept out of history (BuildKit's proxy build args). */
export const PROXY_ARGS = [
  'HTTP_PROXY',
  'http_proxy',
  'HTTPS_PROXY',
  'https_proxy',
  'FTP_PROXY',
  'ftp_proxy',
  'NO_PROXY',
  'no_proxy',
  'ALL_PROXY',
  'all_proxy',
];

export class DispatchError extends Error {}

export interface StageState {
  platform: { architecture: string; os: string; variant?: string };
  config: ContainerConfig;
  author?: string;
  history: HistoryEntry[];
  layers: Descriptor[];
  diffIds: string[];
  /** Chain ID of the root so far ('' for an empty root). */
  chainId: string;
  /** The environment of RUN steps and expansion: image Env, then ARG values and ENV, in order. */
  env: string[];
  /** ARGs declared in this stage, with their values (RUN's `|N K=V` history prefix). */
  buildArgs: { key: string; value?: string }[];
  /** CMD was set in this stage (ENTRYPOINT then keeps it). */
  cmdSet: boolean;
  escape: string;
}

export function emptyState(platform: StageState['platform'], escape: string): StageState {
  return {
    platform,
    config: { Env: [`PATH=${DEFAULT_PATH}`] },
    history: [],
    layers: [],
    diffIds: [],
    chainId: '',
    env: [`PATH=${DEFAULT_PATH}`],
    buildArgs: [],
    cmdSet: false,
    escape,
  };
}

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function cloneState(s: StageState): StageState {
  return structuredClone(s);
}

function keyOf(e: string): string {
  const at = e.indexOf('=');
  return at === -1 ? e : e.slice(0, at);
}

/** Replaces KEY's entry or appends one (BuildKit's addEnv). */
export function setEnv(list: string[], key: string, value: string): string[] {
  const out = [...list];
  const at = out.findIndex((e) => keyOf(e) === key);
  if (at === -1) out.push(`${key}=${value}`);
  else out[at] = `${key}=${value}`;
  return out;
}

export function envOf(list: string[]): EnvLookup {
  const map = new Map<string, string>();
  for (const e of list) {
    const at = e.indexOf('=');
    map.set(at === -1 ? e : e.slice(0, at), at === -1 ? '' : e.slice(at + 1));
  }
  return (k) => map.get(k);
}

export function expand(s: StageState, word: string): string {
  try {
    return processWord(word, envOf(s.env), { escape: s.escape });
  } catch (err) {
    throw new DispatchError((err as Error).message);
  }
}

export function addHistory(s: StageState, createdBy: string, withLayer: boolean, created?: string): void {
  s.history.push({
    ...(created ? { created } : {}),
    created_by: withLayer ? `${createdBy} # buildkit` : createdBy,
    comment: HISTORY_COMMENT,
    ...(withLayer ? {} : { empty_layer: true }),
  });
}

/** Go's %q of a []string: `["a" "b"]`. */
export function goQuoteList(args: string[]): string {
  return `[${args.map((a) => JSON.stringify(a)).join(' ')}]`;
}

/** The shell form's command: the SHELL (default /bin/sh -c) and the line. */
export function withShell(s: StageState, cmd: CmdLine): string[] {
  if (!cmd.prependShell) return cmd.args;
  const shell = s.config.Shell && s.config.Shell.length > 0 ? [...s.config.Shell] : ['/bin/sh', '-c'];
  return [...shell, cmd.args.join(' ')];
}

/** Go's time.Duration String for HEALTHCHECK's history line (`5s`, `1m30s`, `0s`). */
export function goDuration(ns: number | undefined): string {
  if (!ns) return '0s';
  if (ns < 1e3) return `${ns}ns`;
  if (ns < 1e6) return `${ns / 1e3}\u00b5s`;
  if (ns < 1e9) return `${ns / 1e6}ms`;
  let s = ns / 1e9;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const secs = `${Number(s.toFixed(9))}s`;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${secs}`;
}

function healthHistory(h: Healthcheck): string {
  return (
    `HEALTHCHECK {Test:[${h.Test.join(' ')}] Interval:${goDuration(h.Interval)} Timeout:${goDuration(h.Timeout)} ` +
    `StartPeriod:${goDuration(h.StartPeriod)} StartInterval:${goDuration(h.StartInterval)} Retries:${h.Retries ?? 0}}`
  );
}

/** Docker's port spec for EXPOSE: `80` → `80/tcp`, ranges expanded, protocol checked. */
function exposedPorts(words: string[]): string[] {
  const out: string[] = [];
  for (const w of words) {
    const [range = '', proto = 'tcp'] = w.split('/');
    const p = proto.toLowerCase();
    if (!['tcp', 'udp', 'sctp'].includes(p)) throw new DispatchError(`invalid proto: ${proto}`);
    const m = /^(\d+)(?:-(\d+))?$/.exec(range);
    if (!m) throw new DispatchError(`invalid containerPort: ${range}`);
    const start = Number(m[1]);
    const end = m[2] ? Number(m[2]) : start;
    if (end < start) throw new DispatchError(`invalid range specified for container port: ${range}`);
    for (let port = start; port <= end; port++) out.push(`${port}/${p}`);
  }
  return out;
}

/** Docker's workdir normalisation: relative paths join the current one; cleaned, absolute. */
export function normalizeWorkdir(current: string, path: string): string {
  const joined = path.startsWith('/') ? path : `${current || '/'}/${path}`;
  const parts: string[] = [];
  for (const p of joined.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return `/${parts.join('/')}`;
}

export interface ArgContext {
  /** --build-arg values (and bare `KEY` ones taken from the environment). */
  buildArgs: Map<string, string>;
  /** Global ARGs (before the first FROM) with their values. */
  globals: Map<string, string>;
  /** Build args that some ARG declared (the rest get "[Warning] One or more build-args … were not consumed"). */
  consumed: Set<string>;
}

/**
 * Applies a metadata instruction (one that changes no files) to the state. Returns false for the
 * instructions that are steps of their own (RUN, COPY, ADD, WORKDIR's mkdir) — the builder runs
 * those.
 */
export function dispatchMeta(s: StageState, cmd: Command, args: ArgContext): boolean {
  switch (cmd.kind) {
    case 'ENV': {
      const parts: string[] = [];
      for (const p of cmd.pairs) {
        const key = expand(s, p.key);
        const value = expand(s, p.value);
        s.env = setEnv(s.env, key, value);
        s.config.Env = setEnv(s.config.Env ?? [], key, value);
        parts.push(`${key}=${value}`);
      }
      addHistory(s, `ENV ${parts.join(' ')}`, false);
      return true;
    }
    case 'LABEL': {
      const parts: string[] = [];
      s.config.Labels ??= {};
      for (const p of cmd.pairs) {
        const key = expand(s, p.key);
        const value = expand(s, p.value);
        s.config.Labels[key] = value;
        parts.push(`${key}=${value}`);
      }
      addHistory(s, `LABEL ${parts.join(' ')}`, false);
      return true;
    }
    case 'ARG': {
      const parts: string[] = [];
      for (const a of cmd.args) {
        let value: string | undefined;
        if (args.buildArgs.has(a.key)) {
          value = args.buildArgs.get(a.key);
          args.consumed.add(a.key);
        } else if (a.value !== undefined) value = expand(s, a.value);
        else if (args.globals.has(a.key)) value = args.globals.get(a.key);
        if (value !== undefined) s.env = setEnv(s.env, a.key, value);
        // A redeclared ARG keeps its first place (BuildKit's runCommandString order).
        const entry = { key: a.key, ...(value !== undefined ? { value } : {}) };
        const at = s.buildArgs.findIndex((b) => b.key === a.key);
        s.buildArgs = at === -1 ? [...s.buildArgs, entry] : s.buildArgs.map((b, i) => (i === at ? entry : b));
        parts.push(value !== undefined ? `${a.key}=${value}` : a.key);
      }
      addHistory(s, `ARG ${parts.join(' ')}`, false);
      return true;
    }
    case 'USER': {
      const user = expand(s, cmd.value);
      s.config.User = user;
      addHistory(s, `USER ${user}`, false);
      return true;
    }
    case 'CMD': {
      const argv = withShell(s, cmd.cmd);
      s.config.Cmd = argv;
      s.config.ArgsEscaped = true;
      s.cmdSet = true;
      addHistory(s, `CMD ${goQuoteList(argv)}`, false);
      return true;
    }
    case 'ENTRYPOINT': {
      const argv = cmd.cmd.args.length === 0 && !cmd.cmd.prependShell ? [] : withShell(s, cmd.cmd);
      s.config.Entrypoint = argv;
      if (!s.cmdSet) s.config.Cmd = null;
      addHistory(s, `ENTRYPOINT ${goQuoteList(argv)}`, false);
      return true;
    }
    case 'EXPOSE': {
      const words = cmd.ports.flatMap((p) => {
        try {
          return processWords(p, envOf(s.env), { escape: s.escape });
        } catch (err) {
          throw new DispatchError((err as Error).message);
        }
      });
      const ports = exposedPorts(words);
      s.config.ExposedPorts ??= {};
      for (const p of ports) s.config.ExposedPorts[p] = {};
      addHistory(s, `EXPOSE map[${ports.map((p) => `${p}:{}`).join(' ')}]`, false);
      return true;
    }
    case 'VOLUME': {
      const vols = cmd.volumes.map((v) => expand(s, v));
      if (vols.some((v) => v === '')) throw new DispatchError('VOLUME specified can not be an empty string');
      s.config.Volumes ??= {};
      for (const v of vols) s.config.Volumes[v] = {};
      addHistory(s, `VOLUME [${vols.join(' ')}]`, false);
      return true;
    }
    case 'STOPSIGNAL': {
      const sig = expand(s, cmd.value);
      try {
        parseSignal(sig);
      } catch {
        throw new DispatchError(`Invalid signal: ${sig}`);
      }
      s.config.StopSignal = sig;
      addHistory(s, `STOPSIGNAL ${sig}`, false);
      return true;
    }
    case 'HEALTHCHECK': {
      s.config.Healthcheck = { ...cmd.health };
      addHistory(s, healthHistory(cmd.health), false);
      return true;
    }
    case 'SHELL':
      s.config.Shell = [...cmd.shell];
      addHistory(s, `SHELL [${cmd.shell.join(' ')}]`, false);
      return true;
    case 'MAINTAINER':
      s.author = cmd.value;
      addHistory(s, `MAINTAINER ${cmd.value}`, false);
      return true;
    case 'ONBUILD':
      // Stored for images built FROM this one; BuildKit writes no history entry for it.
      s.config.OnBuild = [...(s.config.OnBuild ?? []), cmd.expression];
      return true;
    default:
      return false;
  }
}

/** RUN's history text: the command, after the ARGs in effect (`|2 A=1 B=2 /bin/sh -c …`). */
export function runCommandString(s: StageState, argv: string[]): string {
  const env = envOf(s.env);
  const pairs = s.buildArgs.map((a) => `${a.key}=${env(a.key) ?? a.value ?? ''}`);
  return [...(pairs.length ? [`|${pairs.length}`, ...pairs] : []), ...argv].join(' ');
}

/**
 * Forward-fills history times as BuildKit's exporter does: entries without a time take the first
 * new layer's time (or the previous entry's); the image's `created` is the last entry's.
 */
export function fillHistoryTimes(history: HistoryEntry[]): { history: HistoryEntry[]; created?: string } {
  let created: string | undefined;
  let missing = false;
  for (const h of history) {
    if (h.created) {
      created = h.created;
      if (missing) break;
    } else missing = true;
  }
  missing = false;
  const out = history.map((h) => {
    if (h.created) {
      if (missing) created = h.created;
      return h;
    }
    missing = true;
    return created ? { created, ...h } : h;
  });
  let last: string | undefined;
  for (const h of out) if (h.created) last = h.created;
  return { history: out, ...(last ? { created: last } : {}) };
}

/** Signals by name or number, as STOPSIGNAL accepts them. */
export { parseSignal };
