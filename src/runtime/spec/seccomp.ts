/**
 * The OCI spec's `linux.seccomp`, which runc installs for the container's process and every exec.
 * Two sources: tsdock's default policy (seccomp-default.json, tsdock's own shape) and a profile in
 * Docker's JSON format (`--security-opt seccomp=FILE`, read by opts/seccomp-profile.ts). Both become one list of conditional rules
 * (Docker's semantics: a rule applies on some architectures, kernels, or when the container's
 * bounding set holds or lacks a capability) that is resolved for the container at create time.
 * Resolving is a filter over a few dozen rules: microseconds, no file read (the policy is bundled).
 */
import { endianness, release } from 'node:os';
import {
  parseDockerProfile,
  parseMinKernel,
  type CompiledProfile as Compiled,
  type SeccompFilter as Filter,
  type SeccompRule as Rule,
} from '../opts/seccomp-profile.js';
import type { SeccompSetting } from '../opts/security.js';
import policyData from './seccomp-default.json' with { type: 'json' };
import type { OciSeccomp, OciSeccompArg, OciSyscall } from './types.js';

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

/** A Docker-format profile (text) resolved for a container; undefined when it disables seccomp. */
export function profileSeccomp(
  text: string,
  bounding: string[],
  h: SeccompHost = currentHost(),
): OciSeccomp | undefined {
  const profile = parseDockerProfile(text);
  return profile ? resolve(profile, bounding, h) : undefined;
}

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
