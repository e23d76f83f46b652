/**
 * The OCI spec's `linux.seccomp`, which runc installs for the container's process and every exec.
 * Two sources: tsdock's default policy (seccomp-default.json, tsdock's own shape) and a profile in
 * Docker's JSON format (`--security-opt seccomp=FILE`). Both become one list of conditional rules
 * (Docker's semantics: a rule applies on some architectures, kernels, or when the container's
 * bounding set holds or lacks a capability) that is resolved for the container at create time.
 * Resolving is a filter over a few dozen rules: microseconds, no file read (the policy is bundled).
 */
import { endianness, release } from 'node:os';
import { UsageError } from '../errors.js';
import policyData from './seccomp-default.json' with { type: 'json' };
import type { OciSeccomp, OciSeccompArg, OciSyscall } from './types.js';

/** When a rule applies (Docker's `includes`/`excludes` filters). */
interface Filter {
  caps?: string[];
  arches?: string[];
  minKernel?: [number, number];
}

interface Rule {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: OciSeccompArg[];
  includes?: Filter;
  excludes?: Filter;
}

interface Compiled {
  defaultAction: string;
  defaultErrnoRet?: number;
  /** Native arch (libseccomp's name) → architectures for the spec. */
  archMap: Record<string, string[]>;
  /** Fixed architectures (Docker's `architectures` field), when no map is given. */
  architectures?: string[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  rules: Rule[];
}

/** What the rules are resolved against. */
export interface SeccompHost {
  /** libseccomp's / Go's name of the native architecture (amd64, arm64, ppc64le …). */
  arch: string;
  /** Kernel version and major revision, `6.1.0-18-amd64` → [6, 1]. */
  kernel: [number, number];
}

const NODE_TO_NATIVE: Record<string, string> = {
  x64: 'amd64',
  ia32: 'x86',
  arm: 'arm',
  arm64: 'arm64',
  s390: 's390',
  s390x: 's390x',
  riscv64: 'riscv64',
  mips: 'mips',
  mipsel: 'mipsle',
  mips64el: 'mipsel64',
  loong64: 'loong64',
};

/** `6.1.0-18-amd64` → [6, 1]; what Docker compares `minKernel` with. */
export function parseKernelRelease(text: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

let host: SeccompHost | undefined;
export function currentHost(): SeccompHost {
  host ??= {
    arch:
      process.arch === 'ppc64'
        ? endianness() === 'LE'
          ? 'ppc64le'
          : 'ppc64'
        : (NODE_TO_NATIVE[process.arch] ?? process.arch),
    kernel: parseKernelRelease(release()),
  };
  return host;
}

const words = (lines: string | string[]): string[] =>
  (Array.isArray(lines) ? lines.join(' ') : lines).split(/\s+/).filter(Boolean);

// ---- tsdock's policy file → rules -------------------------------------------------------------

interface PolicyRule {
  why?: string;
  allow?: string[];
  deny?: string[];
  errno?: string;
  arg0?: ArgCheck;
  arg1?: ArgCheck;
  when?: { cap?: string; noCap?: string; arch?: string[]; notArch?: string[]; kernel?: string };
}
type ArgCheck = { not: string } | { oneOf: string[] } | { noneOf: string[] };
interface Policy {
  defaultErrno: string;
  constants: Record<string, number>;
  architectures: Record<string, string>;
  rules: PolicyRule[];
}

/** `A|B` of named constants (or a number) → its value. */
function constant(c: Record<string, number>, expr: string): number {
  let v = 0;
  for (const part of expr.split('|')) {
    const n = c[part] ?? Number(part);
    if (!Number.isInteger(n)) throw new Error(`seccomp policy: unknown constant ${part}`);
    v = part === expr ? n : (v | n) >>> 0;
  }
  return v;
}

/** The argument checks of one policy rule, each alternative a separate rule (seccomp ANDs a rule's args). */
function argAlternatives(c: Record<string, number>, index: number, check: ArgCheck): OciSeccompArg[][] {
  if ('not' in check) return [[{ index, value: constant(c, check.not), op: 'SCMP_CMP_NE' }]];
  if ('oneOf' in check) {
    return check.oneOf.map((v) => [{ index, value: constant(c, v), op: 'SCMP_CMP_EQ' }]);
  }
  // None of the flags set: (arg & mask) == 0.
  const mask = constant(c, check.noneOf.join('|'));
  return [[{ index, value: mask, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }]];
}

export function compilePolicy(p: Policy): Compiled {
  const c = p.constants;
  const rules: Rule[] = [];
  for (const r of p.rules) {
    const w = r.when ?? {};
    const includes: Filter = {};
    const excludes: Filter = {};
    if (w.cap) includes.caps = [w.cap];
    if (w.noCap) excludes.caps = [w.noCap];
    if (w.arch) includes.arches = w.arch;
    if (w.notArch) excludes.arches = w.notArch;
    if (w.kernel) includes.minKernel = parseMinKernel(w.kernel);
    const names = words(r.allow ?? r.deny ?? []);
    const action = r.allow ? 'SCMP_ACT_ALLOW' : 'SCMP_ACT_ERRNO';
    const check = r.arg0 ? { index: 0, check: r.arg0 } : r.arg1 ? { index: 1, check: r.arg1 } : undefined;
    const alternatives = check ? argAlternatives(c, check.index, check.check) : [undefined];
    for (const args of alternatives) {
      rules.push({
        names,
        action,
        ...(r.deny ? { errnoRet: constant(c, r.errno ?? p.defaultErrno) } : {}),
        ...(args ? { args } : {}),
        ...(Object.keys(includes).length ? { includes } : {}),
        ...(Object.keys(excludes).length ? { excludes } : {}),
      });
    }
  }
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: constant(c, p.defaultErrno),
    archMap: Object.fromEntries(Object.entries(p.architectures).map(([k, v]) => [k, words(v)])),
    rules,
  };
}

let defaultPolicy: Compiled | undefined;

// ---- resolving rules for one container --------------------------------------------------------

function resolve(profile: Compiled, bounding: string[], h: SeccompHost): OciSeccomp {
  const kernelAtLeast = (k: [number, number]) =>
    h.kernel[0] > k[0] || (h.kernel[0] === k[0] && h.kernel[1] >= k[1]);
  const syscalls: OciSyscall[] = [];
  for (const r of profile.rules) {
    const ex = r.excludes;
    if (ex) {
      if (ex.arches?.includes(h.arch)) continue;
      if (ex.caps?.some((cap) => bounding.includes(cap))) continue;
      if (ex.minKernel && kernelAtLeast(ex.minKernel)) continue;
    }
    const inc = r.includes;
    if (inc) {
      if (inc.arches?.length && !inc.arches.includes(h.arch)) continue;
      if (inc.caps?.some((cap) => !bounding.includes(cap))) continue;
      if (inc.minKernel && !kernelAtLeast(inc.minKernel)) continue;
    }
    syscalls.push({
      names: r.names,
      action: r.action,
      ...(r.errnoRet !== undefined ? { errnoRet: r.errnoRet } : {}),
      ...(r.args ? { args: r.args } : {}),
    });
  }
  const architectures = profile.architectures ?? profile.archMap[h.arch];
  return {
    defaultAction: profile.defaultAction,
    ...(profile.defaultErrnoRet !== undefined ? { defaultErrnoRet: profile.defaultErrnoRet } : {}),
    ...(architectures?.length ? { architectures } : {}),
    ...(profile.flags ? { flags: profile.flags } : {}),
    ...(profile.listenerPath ? { listenerPath: profile.listenerPath } : {}),
    ...(profile.listenerMetadata ? { listenerMetadata: profile.listenerMetadata } : {}),
    syscalls,
  };
}

/** The default policy for a container whose bounding set is `bounding`. */
export function defaultSeccomp(bounding: string[], h: SeccompHost = currentHost()): OciSeccomp {
  defaultPolicy ??= compilePolicy(policyData as Policy);
  return resolve(defaultPolicy, bounding, h);
}

// ---- Docker's JSON profile format ---------------------------------------------------------------

const ACTIONS = new Set([
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_LOG',
  'SCMP_ACT_NOTIFY',
]);
const OPS = new Set([
  'SCMP_CMP_NE',
  'SCMP_CMP_LT',
  'SCMP_CMP_LE',
  'SCMP_CMP_EQ',
  'SCMP_CMP_GE',
  'SCMP_CMP_GT',
  'SCMP_CMP_MASKED_EQ',
]);

function decodeError(msg: string): UsageError {
  return new UsageError(`Error response from daemon: Decoding seccomp profile failed: ${msg}`);
}

function parseMinKernel(v: unknown): [number, number] {
  const m = typeof v === 'string' ? /^(\d+)\.(\d+)$/.exec(v) : null;
  const k: [number, number] | undefined = m ? [Number(m[1]), Number(m[2])] : undefined;
  if (!k || k[0] > 255 || k[1] > 255 || (k[0] === 0 && k[1] === 0)) {
    throw decodeError(`invalid kernel version: ${JSON.stringify(v)}, expected "<kernel>.<major>"`);
  }
  return k;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function stringList(v: unknown, what: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string'))
    throw decodeError(`${what}: expected strings`);
  return v as string[];
}

function filterOf(v: unknown, what: string): Filter | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw decodeError(`${what}: expected an object`);
  const f: Filter = {};
  const caps = stringList(v.caps, `${what}.caps`);
  const arches = stringList(v.arches, `${what}.arches`);
  if (caps.length) f.caps = caps;
  if (arches.length) f.arches = arches;
  if (v.minKernel !== undefined && v.minKernel !== '') f.minKernel = parseMinKernel(v.minKernel);
  return f;
}

function argOf(v: unknown): OciSeccompArg {
  if (!isObject(v)) throw decodeError('syscall args: expected objects');
  const { index, value, valueTwo, op } = v;
  const uint = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 0;
  if (!uint(index) || !uint(value ?? 0) || !uint(valueTwo ?? 0)) {
    throw decodeError('syscall args: index, value and valueTwo must be unsigned integers');
  }
  if (typeof op !== 'string' || !OPS.has(op))
    throw decodeError(`unknown comparison operator ${JSON.stringify(op)}`);
  return {
    index: index as number,
    value: (value as number | undefined) ?? 0,
    ...(valueTwo !== undefined ? { valueTwo: valueTwo as number } : {}),
    op,
  };
}

/**
 * A profile in Docker's format, checked as the daemon checks it (moby/profiles seccomp
 * LoadProfile) and, beyond that, for what runc would refuse later (an unknown action or operator),
 * so a bad profile fails before anything is created. Undefined: the profile disables seccomp
 * (no default action and no syscalls).
 */
export function parseDockerProfile(text: string): Compiled | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw decodeError((err as Error).message);
  }
  if (!isObject(raw)) throw decodeError('expected a JSON object');
  const syscallsRaw = raw.syscalls ?? [];
  if (!Array.isArray(syscallsRaw)) throw decodeError('syscalls: expected a list');
  const defaultAction = raw.defaultAction ?? '';
  if (typeof defaultAction !== 'string') throw decodeError('defaultAction: expected a string');
  if (defaultAction === '' && syscallsRaw.length === 0) return undefined;
  if (!ACTIONS.has(defaultAction)) throw decodeError(`unknown action ${JSON.stringify(defaultAction)}`);
  const architectures = stringList(raw.architectures, 'architectures');
  const archMapRaw = raw.archMap ?? [];
  if (!Array.isArray(archMapRaw)) throw decodeError('archMap: expected a list');
  if (architectures.length && archMapRaw.length) {
    throw decodeError(
      "both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'",
    );
  }
  // archMap is keyed by SCMP_ARCH_*; the resolver looks it up by the native arch's libseccomp name.
  const archMap: Record<string, string[]> = {};
  for (const a of archMapRaw) {
    if (!isObject(a) || typeof a.architecture !== 'string') throw decodeError('archMap: expected objects');
    const native = Object.entries(SCMP_ARCH).find(([, s]) => s === a.architecture)?.[0];
    if (native && !archMap[native]) {
      archMap[native] = [a.architecture, ...stringList(a.subArchitectures, 'subArchitectures')];
    }
  }
  const rules: Rule[] = [];
  for (const s of syscallsRaw) {
    if (!isObject(s)) throw decodeError('syscalls: expected objects');
    let names = stringList(s.names, 'names');
    if (s.name !== undefined && s.name !== '') {
      if (names.length) {
        throw decodeError(
          "both 'name' and 'names' are specified in the seccomp profile, use either 'name' or 'names'",
        );
      }
      if (typeof s.name !== 'string') throw decodeError('name: expected a string');
      names = [s.name];
    }
    if (typeof s.action !== 'string' || !ACTIONS.has(s.action)) {
      throw decodeError(`unknown action ${JSON.stringify(s.action)}`);
    }
    if (s.errnoRet !== undefined && (typeof s.errnoRet !== 'number' || !Number.isInteger(s.errnoRet))) {
      throw decodeError('errnoRet: expected an integer');
    }
    const args = s.args === undefined || s.args === null ? undefined : s.args;
    if (args !== undefined && !Array.isArray(args)) throw decodeError('syscall args: expected a list');
    const includes = filterOf(s.includes, 'includes');
    const excludes = filterOf(s.excludes, 'excludes');
    rules.push({
      names,
      action: s.action,
      ...(s.errnoRet !== undefined ? { errnoRet: s.errnoRet as number } : {}),
      ...(args ? { args: args.map(argOf) } : {}),
      ...(includes ? { includes } : {}),
      ...(excludes ? { excludes } : {}),
    });
  }
  const errno = raw.defaultErrnoRet;
  if (errno !== undefined && (typeof errno !== 'number' || !Number.isInteger(errno))) {
    throw decodeError('defaultErrnoRet: expected an integer');
  }
  const flags = stringList(raw.flags, 'flags');
  return {
    defaultAction,
    ...(errno !== undefined ? { defaultErrnoRet: errno } : {}),
    archMap,
    ...(architectures.length ? { architectures } : {}),
    ...(flags.length ? { flags } : {}),
    ...(typeof raw.listenerPath === 'string' && raw.listenerPath ? { listenerPath: raw.listenerPath } : {}),
    ...(typeof raw.listenerMetadata === 'string' && raw.listenerMetadata
      ? { listenerMetadata: raw.listenerMetadata }
      : {}),
    rules,
  };
}

/** libseccomp's native name → its SCMP_ARCH_* (moby's nativeToSeccomp). */
const SCMP_ARCH: Record<string, string> = {
  x86: 'SCMP_ARCH_X86',
  amd64: 'SCMP_ARCH_X86_64',
  arm: 'SCMP_ARCH_ARM',
  arm64: 'SCMP_ARCH_AARCH64',
  mips64: 'SCMP_ARCH_MIPS64',
  mips64n32: 'SCMP_ARCH_MIPS64N32',
  mipsel64: 'SCMP_ARCH_MIPSEL64',
  mips3l64n32: 'SCMP_ARCH_MIPSEL64N32',
  mipsle: 'SCMP_ARCH_MIPSEL',
  ppc: 'SCMP_ARCH_PPC',
  ppc64: 'SCMP_ARCH_PPC64',
  ppc64le: 'SCMP_ARCH_PPC64LE',
  riscv64: 'SCMP_ARCH_RISCV64',
  s390: 'SCMP_ARCH_S390',
  s390x: 'SCMP_ARCH_S390X',
};

/** A Docker-format profile (text) resolved for a container; undefined when it disables seccomp. */
export function profileSeccomp(
  text: string,
  bounding: string[],
  h: SeccompHost = currentHost(),
): OciSeccomp | undefined {
  const profile = parseDockerProfile(text);
  return profile ? resolve(profile, bounding, h) : undefined;
}

/** What `--security-opt seccomp=…` chose: the built-in policy by default, none, or a Docker profile. */
export type SeccompSetting = 'default' | 'builtin' | 'unconfined' | { profile: string };

/**
 * The container's filter, as Docker's daemon picks it (moby daemon/seccomp_linux.go WithSeccomp):
 * none when unconfined, none for --privileged unless a profile is named, else the profile resolved
 * against the container's bounding set. `builtin` names the default policy explicitly (with
 * --privileged it then applies, computed for every capability).
 */
export function seccompFor(
  setting: SeccompSetting,
  privileged: boolean,
  bounding: string[],
  h: SeccompHost = currentHost(),
): OciSeccomp | undefined {
  if (setting === 'unconfined' || (privileged && setting === 'default')) return undefined;
  if (setting === 'default' || setting === 'builtin') return defaultSeccomp(bounding, h);
  return profileSeccomp(setting.profile, bounding, h);
}
