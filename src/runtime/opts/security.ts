/**
 * `--security-opt` as docker/cli and the daemon read it (cli opts.go parseSecurityOpts and
 * parseSystemPaths, moby daemon_unix.go parseSecurityOpt). On this host, without AppArmor or
 * SELinux, `apparmor=…` and `label=…` are accepted and recorded but change nothing, as Docker's
 * daemon does on such a host.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { parseDockerProfile } from './seccomp-profile.js';

/** What `--security-opt seccomp=…` chose: the built-in policy by default, none, or a Docker profile. */
export type SeccompSetting = 'default' | 'builtin' | 'unconfined' | { profile: string };

export interface SecurityOptions {
  /** HostConfig.SecurityOpt as Docker stores it: a profile file replaced by its compacted JSON. */
  securityOpt: string[];
  /** `default`: the built-in policy (unless privileged); a string: a Docker-format profile. */
  seccomp: SeccompSetting;
  noNewPrivileges: boolean;
  /** undefined: as --privileged has it (rw when privileged). */
  writableCgroups?: boolean;
  /** `systempaths=unconfined`: no masked or read-only paths under /proc and /sys. */
  unmaskSystemPaths: boolean;
}

/** json.Compact: insignificant whitespace out, everything else (number spelling, key order) kept. */
export function compactJson(text: string): string {
  return text.replace(/"(?:[^"\\]|\\.)*"|\s+/g, (m) => (m.startsWith('"') ? m : ''));
}

function parseBool(v: string): boolean | undefined {
  // Go's strconv.ParseBool.
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  return undefined;
}

export function parseSecurityOpts(
  values: string[],
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): SecurityOptions {
  const out: SecurityOptions = {
    securityOpt: [],
    seccomp: 'default',
    noNewPrivileges: false,
    unmaskSystemPaths: false,
  };
  for (const opt of values) {
    // The client's pass: `key=value` (or the old `key:value`); only no-new-privileges stands alone.
    let sep = opt.indexOf('=');
    if (sep === -1 && opt !== 'no-new-privileges') sep = opt.indexOf(':');
    const key = sep === -1 ? opt : opt.slice(0, sep);
    let value = sep === -1 ? '' : opt.slice(sep + 1);
    if ((sep === -1 || value === '') && key !== 'no-new-privileges') {
      throw new UsageError(`Invalid --security-opt: ${JSON.stringify(opt)}`);
    }
    if (opt === 'systempaths=unconfined') {
      out.unmaskSystemPaths = true;
      continue;
    }
    let stored = opt;
    if (key === 'seccomp' && value !== 'unconfined' && value !== 'builtin') {
      let text: string;
      try {
        text = readFile(value);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        const why = e.code === 'ENOENT' ? 'no such file or directory' : e.message;
        throw new UsageError(`opening seccomp profile (${value}) failed: open ${value}: ${why}`);
      }
      try {
        JSON.parse(text);
      } catch (err) {
        throw new UsageError(
          `compacting json for seccomp profile (${value}) failed: ${(err as Error).message}`,
        );
      }
      value = compactJson(text);
      stored = `seccomp=${value}`;
    }
    out.securityOpt.push(stored);
    // The daemon's pass over what the client sent.
    switch (key) {
      case 'no-new-privileges': {
        const nnp = sep === -1 ? true : parseBool(value);
        if (nnp === undefined) throw daemonError(opt);
        out.noNewPrivileges = nnp;
        break;
      }
      case 'writable-cgroups': {
        const w = parseBool(value);
        if (w === undefined) throw daemonError(opt);
        out.writableCgroups = w;
        break;
      }
      case 'seccomp':
        if (value === 'unconfined' || value === 'builtin') out.seccomp = value;
        else {
          parseDockerProfile(value);
          out.seccomp = { profile: value };
        }
        break;
      case 'apparmor':
      case 'label':
        // No AppArmor, no SELinux on this host: as Docker, accepted and without effect.
        break;
      default:
        throw daemonError(opt);
    }
  }
  return out;
}

function daemonError(opt: string): UsageError {
  return new UsageError(`Error response from daemon: invalid --security-opt 2: ${JSON.stringify(opt)}`);
}
