/**
 * Seccomp profiles in Docker's JSON format (`--security-opt seccomp=FILE`), read and checked as the
 * daemon checks them (moby/profiles seccomp LoadProfile), into conditional rules that
 * spec/seccomp.ts resolves for a container. Here, below the spec, so that a bad profile fails
 * with the other options, before anything is made.
 */
import { UsageError } from '../errors.js';

/** A syscall argument check, as Docker's profiles and the OCI spec both write it. */
export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

/** When a rule applies (Docker's `includes`/`excludes` filters). */
export interface SeccompFilter {
  caps?: string[];
  arches?: string[];
  minKernel?: [number, number];
}

export interface SeccompRule {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: SeccompArg[];
  includes?: SeccompFilter;
  excludes?: SeccompFilter;
}

export interface CompiledProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  /** Native arch (libseccomp's name) → architectures for the spec. */
  archMap: Record<string, string[]>;
  /** Fixed architectures (Docker's `architectures` field), when no map is given. */
  architectures?: string[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  rules: SeccompRule[];
}

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

export function parseMinKernel(v: unknown): [number, number] {
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

function filterOf(v: unknown, what: string): SeccompFilter | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw decodeError(`${what}: expected an object`);
  const f: SeccompFilter = {};
  const caps = stringList(v.caps, `${what}.caps`);
  const arches = stringList(v.arches, `${what}.arches`);
  if (caps.length) f.caps = caps;
  if (arches.length) f.arches = arches;
  if (v.minKernel !== undefined && v.minKernel !== '') f.minKernel = parseMinKernel(v.minKernel);
  return f;
}

function argOf(v: unknown): SeccompArg {
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
export function parseDockerProfile(text: string): CompiledProfile | undefined {
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
  const rules: SeccompRule[] = [];
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
