/**
 * The mount flags of `run`/`create` read the way Docker reads them, in its two stages: what the
 * CLI checks (docker/cli internal/volumespec for `-v`, opts/mount.go for `--mount`) and what the
 * daemon checks before the container exists (moby daemon/volume/mounts/linux_parser.go). The
 * result is Docker's MountPoint: where a mount goes, from what, and how — still without touching
 * the host (bind sources and volumes are looked at when the container is created).
 */
import { posix, resolve } from 'node:path';
import { RequestError, UsageError } from '../errors.js';
import { ramInBytes } from '../format/units.js';

/** moby api/types/mount.Mount, as HostConfig.Mounts shows it (empty fields left out). */
export interface MountSpec {
  Type: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: {
    Propagation?: string;
    NonRecursive?: boolean;
    CreateMountpoint?: boolean;
    ReadOnlyNonRecursive?: boolean;
    ReadOnlyForceRecursive?: boolean;
  };
  VolumeOptions?: {
    NoCopy?: boolean;
    Labels?: Record<string, string>;
    Subpath?: string;
    DriverConfig?: { Name?: string; Options?: Record<string, string> };
  };
  ImageOptions?: { Subpath?: string };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number; Options?: string[][] };
}

/** moby's MountPoint: one mount of a container, before the host side is resolved. */
export interface MountPoint {
  Type: 'bind' | 'volume' | 'tmpfs';
  /** Host path: the bind source, or (once created) the volume's data directory. */
  Source: string;
  Destination: string;
  RW: boolean;
  /** Volume name ('' for an anonymous volume not yet created, and for binds and tmpfs). */
  Name: string;
  Driver: string;
  /** The options as typed after the second colon of `-v` (Docker's `Mode`). */
  Mode: string;
  Propagation: string;
  /** Fill a new, empty volume with what the image has at the destination. */
  CopyData: boolean;
  Spec: MountSpec;
  /** `--mount type=bind` without bind-create-src: the source must exist, it is never created. */
  SkipMountpointCreation?: boolean;
}

export const PROPAGATIONS = ['private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared'];
const DEFAULT_PROPAGATION = 'rprivate';
const RW_MODES = new Set(['rw', 'ro']);
const LABEL_MODES = new Set(['z', 'Z']);
const CONSISTENCY_MODES = new Set(['consistent', 'cached', 'delegated']);

const daemon = (message: string) => new RequestError(`Error response from daemon: ${message}`);

// ---------------------------------------------------------------- -v, first stage (docker/cli)

/**
 * docker/cli's volumespec.Parse: splits `[source:]target[:options]` and tells a bind (source looks
 * like a path) from a volume. Its errors are the CLI's (`invalid spec: …`).
 */
export function splitVolumeSpec(spec: string): { source: string; target: string; bind: boolean } {
  if (spec === '') throw new UsageError('invalid empty volume spec');
  if (spec.length <= 2) return { source: '', target: spec, bind: false };
  const fields: string[] = [];
  let buf = '';
  const chars = [...spec];
  for (let i = 0; i <= chars.length; i++) {
    const c = i < chars.length ? chars[i] : undefined;
    // A drive letter (`c:`) stays in the field, as on every platform docker/cli runs on.
    if (c === ':' && buf.length === 1 && /\p{L}/u.test(buf)) {
      buf += c;
      continue;
    }
    if (c !== ':' && c !== undefined) {
      buf += c;
      continue;
    }
    if (buf === '') throw new UsageError(`invalid spec: ${spec}: empty section between colons`);
    if (fields.length === 3 || (fields.length === 2 && c === ':')) {
      throw new UsageError(`invalid spec: ${spec}: too many colons`);
    }
    fields.push(buf);
    buf = '';
  }
  if (fields.length === 1) return { source: '', target: fields[0]!, bind: false };
  const source = fields[0]!;
  return { source, target: fields[1]!, bind: isFilePath(source) };
}

function isFilePath(source: string): boolean {
  if (['.', '/', '~'].includes(source[0]!)) return true;
  if ([...source].length === 1) return false;
  if (source.startsWith('\\\\')) return true;
  return source[1] === ':' && /\p{L}/u.test(source[0]!);
}

/**
 * What the CLI sends for a `-v` value: anonymous volumes go to Config.Volumes (`volume`), the rest
 * to HostConfig.Binds (`bind`), a `.`-relative host path made absolute.
 */
export function cliVolume(spec: string, cwd = process.cwd()): { bind?: string; volume?: string } {
  const parsed = splitVolumeSpec(spec);
  if (parsed.source === '') return { volume: spec };
  if (parsed.bind && parsed.source.startsWith('.')) {
    const colon = spec.indexOf(':');
    return { bind: `${resolve(cwd, spec.slice(0, colon))}${spec.slice(colon)}` };
  }
  return { bind: spec };
}

/**
 * -v values as docker/cli sends them: those with a source go to HostConfig.Binds (a `.`-relative
 * host path made absolute), the others are anonymous volumes in Config.Volumes. Identical values
 * count once. Throws the CLI's `invalid spec` errors.
 */
export function splitVolumes(volumes: string[], cwd = process.cwd()) {
  const binds: string[] = [];
  const anonymous: Record<string, object> = {};
  for (const v of new Set(volumes)) {
    const { bind, volume } = cliVolume(v, cwd);
    if (bind !== undefined) binds.push(bind);
    if (volume !== undefined) anonymous[volume] = {};
  }
  return { binds, anonymous };
}

// ----------------------------------------------------------- -v, second stage (the daemon's)

function validMode(mode: string): boolean {
  if (mode === '') return true;
  const counts = { rw: 0, label: 0, propagation: 0, copy: 0, consistency: 0 };
  for (const o of mode.split(',')) {
    if (RW_MODES.has(o)) counts.rw++;
    else if (LABEL_MODES.has(o)) counts.label++;
    else if (PROPAGATIONS.includes(o)) counts.propagation++;
    else if (o === 'nocopy') counts.copy++;
    else if (CONSISTENCY_MODES.has(o)) counts.consistency++;
    else return false;
  }
  return Object.values(counts).every((n) => n <= 1);
}

const hasPropagation = (mode: string) => mode.split(',').some((o) => PROPAGATIONS.includes(o));

class MountConfigError extends Error {
  constructor(
    readonly type: string,
    readonly reason: string,
  ) {
    super(`invalid mount config for type ${JSON.stringify(type)}: ${reason}`);
  }
}

function validateTarget(target: string, type: string): void {
  if (posix.normalize(target.replace(/\\/g, '/')).replace(/(.)\/$/, '$1') === '/') {
    throw new MountConfigError(type, "invalid specification: destination can't be '/'");
  }
  if (!target.replace(/\\/g, '/').startsWith('/')) {
    throw new MountConfigError(type, `invalid mount path: '${target}' mount path must be absolute`);
  }
}

/** Go's filepath.IsLocal: relative, not empty, never climbing out with `..`. */
function isLocal(p: string): boolean {
  if (p === '' || p.startsWith('/')) return false;
  const clean = posix.normalize(p);
  return clean !== '..' && !clean.startsWith('../');
}

/** The daemon's validateMountConfig (the bind source's existence is checked on the host, later). */
export function validateMountConfig(m: MountSpec): void {
  const type = m.Type;
  const extra = (field: string) => new MountConfigError(type, `field ${field} must not be specified`);
  if (type !== 'bind' && m.BindOptions) throw extra('BindOptions');
  if (type !== 'volume' && m.VolumeOptions) throw extra('VolumeOptions');
  if (type !== 'image' && m.ImageOptions) throw extra('ImageOptions');
  if (type !== 'tmpfs' && m.TmpfsOptions) throw extra('TmpfsOptions');
  if (!m.Target) throw new MountConfigError(type, 'field Target must not be empty');
  validateTarget(m.Target, type);
  switch (type) {
    case 'bind': {
      if (!m.Source) throw new MountConfigError(type, 'field Source must not be empty');
      const p = m.BindOptions?.Propagation;
      if (p && !PROPAGATIONS.includes(p)) throw new MountConfigError(type, `invalid propagation mode: ${p}`);
      if (!m.Source.replace(/\\/g, '/').startsWith('/')) {
        throw new MountConfigError(type, `invalid mount path: '${m.Source}' mount path must be absolute`);
      }
      break;
    }
    case 'volume': {
      const sub = m.VolumeOptions?.Subpath;
      if (sub) {
        if (!m.Source) throw new MountConfigError(type, 'must not set Subpath when using anonymous volumes');
        if (!isLocal(sub))
          throw new MountConfigError(type, 'subpath must be a relative path within the volume');
      }
      break;
    }
    case 'tmpfs':
      if (m.Source) throw extra('Source');
      tmpfsData(m);
      break;
    case 'image':
      if (!m.Source) throw new MountConfigError(type, 'field Source must not be empty');
      break;
    default:
      throw new MountConfigError(type, 'mount type unknown');
  }
}

/** The daemon's ConvertTmpfsOptions: `--mount type=tmpfs` as `--tmpfs` mount data. */
export function tmpfsData(m: MountSpec): string {
  const o = m.TmpfsOptions;
  const raw: string[] = [];
  if (m.ReadOnly) raw.push('ro');
  if (o?.Mode) raw.push(`mode=${o.Mode.toString(8)}`);
  if (o?.SizeBytes) {
    let size = o.SizeBytes;
    let suffix = '';
    for (const [s, d] of [
      ['g', 2 ** 30],
      ['m', 2 ** 20],
      ['k', 2 ** 10],
    ] as const) {
      if (size % d === 0) {
        size /= d;
        suffix = s;
        break;
      }
    }
    raw.push(`size=${size}${suffix}`);
  }
  for (const opt of o?.Options ?? []) {
    if (opt.length < 1 || opt.length > 2) throw new MountConfigError('tmpfs', 'invalid option array length');
    if (opt[0] !== 'exec' && opt[0] !== 'noexec') {
      throw new MountConfigError('tmpfs', `invalid option: ${opt[0]}`);
    }
    raw.push(opt.join('='));
  }
  return raw.join(',');
}

/** The daemon's parseMountSpec: a validated spec → its mount point. */
export function mountPointOf(spec: MountSpec): MountPoint {
  validateMountConfig(spec);
  const mp: MountPoint = {
    Type: spec.Type as MountPoint['Type'],
    Source: '',
    Destination: posix.normalize(spec.Target!.replace(/\\/g, '/')).replace(/(.)\/$/, '$1'),
    RW: !spec.ReadOnly,
    Name: '',
    Driver: '',
    Mode: '',
    Propagation: '',
    CopyData: false,
    Spec: spec,
  };
  switch (spec.Type) {
    case 'volume':
      mp.Name = spec.Source ?? '';
      mp.CopyData = !spec.VolumeOptions?.NoCopy;
      mp.Driver = spec.VolumeOptions?.DriverConfig?.Name ?? '';
      break;
    case 'bind':
      mp.Source = posix.normalize(spec.Source!.replace(/\\/g, '/')).replace(/(.)\/$/, '$1');
      mp.Propagation = spec.BindOptions?.Propagation || DEFAULT_PROPAGATION;
      break;
    case 'tmpfs':
      break;
    default:
      throw new UsageError(`tsdock: --mount type=${spec.Type} is not supported`);
  }
  return mp;
}

/**
 * The daemon's ParseMountRaw for one HostConfig.Binds or Config.Volumes entry. Errors read
 * `invalid volume specification: '<raw>'…`, as the daemon's.
 */
export function parseBind(raw: string): MountPoint {
  const invalid = () => daemon(`invalid volume specification: '${raw}'`);
  const arr = raw.split(':');
  if (arr.length > 4) arr.splice(3, arr.length - 3, arr.slice(3).join(':'));
  if (arr[0] === '') throw invalid();
  const spec: MountSpec = { Type: 'volume' };
  let mode = '';
  switch (arr.length) {
    case 1:
      spec.Target = arr[0];
      break;
    case 2:
      // A destination with a mode (`/foo:rw`) is not a volume: volumes cannot carry a mode.
      if (validMode(arr[1]!)) throw invalid();
      spec.Source = arr[0];
      spec.Target = arr[1];
      break;
    case 3:
      spec.Source = arr[0];
      spec.Target = arr[1];
      mode = arr[2]!;
      break;
    default:
      throw invalid();
  }
  if (!validMode(mode)) throw daemon(`invalid mode: ${mode}`);
  spec.Type = spec.Source?.startsWith('/') ? 'bind' : 'volume';
  spec.ReadOnly = mode.split(',').includes('ro');
  if (mode.split(',').includes('nocopy')) spec.VolumeOptions = { NoCopy: true };
  if (hasPropagation(mode)) {
    spec.BindOptions = { Propagation: mode.split(',').find((o) => PROPAGATIONS.includes(o))! };
  }
  let mp: MountPoint;
  try {
    mp = mountPointOf(spec);
  } catch (err) {
    if (err instanceof MountConfigError)
      throw daemon(`invalid volume specification: '${raw}': ${err.message}`);
    throw err;
  }
  mp.Mode = mode;
  return mp;
}

// ------------------------------------------------------------------------ --mount (docker/cli)

/** Go's encoding/csv for one line (the form docker/cli reads --mount values in). */
export function csvFields(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    const start = i;
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) {
          throw new Error(
            `parse error on line 1, column ${line.length + 1}: extraneous or missing " in quoted-field`,
          );
        }
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      if (i < line.length && line[i] !== ',') {
        throw new Error(`parse error on line 1, column ${i + 1}: extraneous or missing " in quoted-field`);
      }
    } else {
      while (i < line.length && line[i] !== ',') {
        if (line[i] === '"')
          throw new Error(
            `parse error on line 1, column ${i + 1 - start + start}: bare " in non-quoted-field`,
          );
        field += line[i++];
      }
    }
    fields.push(field);
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

function boolValue(key: string, val: string, hasValue: boolean): boolean {
  if (!hasValue) return true;
  if (val === '1' || val === 'true') return true;
  if (val === '0' || val === 'false') return false;
  throw new Error(
    `invalid value for '${key}': invalid boolean value (${JSON.stringify(val)}): must be one of "true", "1", "false", or "0" (default "true")`,
  );
}

function setOnMap(
  target: Record<string, string> | undefined,
  kv: string,
): Record<string, string> | undefined {
  const eq = kv.indexOf('=');
  const k = eq < 0 ? kv : kv.slice(0, eq);
  if (k === '') return target;
  return { ...target, [k]: eq < 0 ? '' : kv.slice(eq + 1) };
}

/**
 * docker/cli's MountOpt.Set: one `--mount` value → the mount the CLI sends. Errors are the flag's
 * own (the caller wraps them as pflag does).
 */
export function parseMountFlag(value: string, cwd = process.cwd()): MountSpec {
  value = value.trim();
  if (value === '') throw new Error('value is empty');
  const m: MountSpec = { Type: 'volume' };
  const bind = () => (m.BindOptions ??= {});
  const vol = () => (m.VolumeOptions ??= {});
  const driver = () => (vol().DriverConfig ??= {});
  const tmpfs = () => (m.TmpfsOptions ??= {});
  for (const field of csvFields(value)) {
    const eq = field.indexOf('=');
    const hasValue = eq >= 0;
    let key = hasValue ? field.slice(0, eq) : field;
    const val = hasValue ? field.slice(eq + 1) : '';
    if (key.trim() !== key) {
      throw new Error(`invalid option '${key.trim()}' in '${field}': option should not have whitespace`);
    }
    if (hasValue) {
      if (val.trim() === '') throw new Error(`invalid value for '${key}': value is empty`);
      if (val.trim() !== val) {
        throw new Error(`invalid value for '${key}' in '${field}': value should not have whitespace`);
      }
    }
    key = key.toLowerCase();
    if (
      !hasValue &&
      !['readonly', 'ro', 'volume-nocopy', 'bind-nonrecursive', 'bind-create-src'].includes(key)
    ) {
      throw new Error(`invalid field '${field}' must be a key=value pair`);
    }
    switch (key) {
      case 'type':
        m.Type = val.toLowerCase();
        break;
      case 'source':
      case 'src':
        m.Source = !val.startsWith('/') && val.startsWith('.') ? resolve(cwd, val) : val;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        m.Target = val;
        break;
      case 'readonly':
      case 'ro':
        m.ReadOnly = boolValue(key, val, hasValue);
        break;
      case 'consistency':
        m.Consistency = val.toLowerCase();
        break;
      case 'bind-propagation':
        bind().Propagation = val.toLowerCase();
        break;
      case 'bind-nonrecursive':
        throw new Error('bind-nonrecursive is deprecated, use bind-recursive=disabled instead');
      case 'bind-recursive':
        switch (val) {
          case 'enabled':
            break;
          case 'disabled':
            bind().NonRecursive = true;
            break;
          case 'writable':
            bind().ReadOnlyNonRecursive = true;
            break;
          case 'readonly':
            bind().ReadOnlyForceRecursive = true;
            break;
          default:
            throw new Error(
              `invalid value for ${key}: ${val} (must be "enabled", "disabled", "writable", or "readonly")`,
            );
        }
        break;
      case 'bind-create-src':
        bind().CreateMountpoint = boolValue(key, val, hasValue);
        break;
      case 'volume-subpath':
        vol().Subpath = val;
        break;
      case 'volume-nocopy':
        vol().NoCopy = boolValue(key, val, hasValue);
        break;
      case 'volume-label': {
        const labels = setOnMap(vol().Labels, val);
        if (labels) vol().Labels = labels;
        break;
      }
      case 'volume-driver':
        driver().Name = val;
        break;
      case 'volume-opt': {
        const options = setOnMap(driver().Options, val);
        if (options) driver().Options = options;
        break;
      }
      case 'image-subpath':
        (m.ImageOptions ??= {}).Subpath = val;
        break;
      case 'tmpfs-size':
        try {
          tmpfs().SizeBytes = ramInBytes(val);
        } catch {
          throw new Error(`invalid value for ${key}: ${val}`);
        }
        break;
      case 'tmpfs-mode':
        if (!/^[0-7]+$/.test(val) || parseInt(val, 8) > 0xffffffff) {
          throw new Error(`invalid value for ${key}: ${val}`);
        }
        tmpfs().Mode = parseInt(val, 8);
        break;
      default:
        throw new Error(`unknown option '${key}' in '${field}'`);
    }
  }
  validateMountOptions(m);
  return m;
}

/** docker/cli's validateMountOptions (the client-side wording of the daemon's exclusivity rule). */
function validateMountOptions(m: MountSpec): void {
  if (!m.Type) throw new Error('type is required');
  const mix = (prefix: string) => new Error(`cannot mix '${prefix}-*' options with mount type '${m.Type}'`);
  if (m.Type !== 'bind' && m.BindOptions) throw mix('bind');
  if (m.Type !== 'volume' && m.VolumeOptions) throw mix('volume');
  if (m.Type !== 'image' && m.ImageOptions) throw mix('image');
  if (m.Type !== 'tmpfs' && m.TmpfsOptions) throw mix('tmpfs');
  const b = m.BindOptions;
  if (b?.ReadOnlyNonRecursive && !m.ReadOnly) {
    throw new Error("option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction");
  }
  if (b?.ReadOnlyForceRecursive) {
    if (!m.ReadOnly) {
      throw new Error("option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction");
    }
    if (b.Propagation !== 'rprivate') {
      throw new Error(
        "option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction",
      );
    }
  }
}

/** A --mount spec as the daemon takes it (its errors are the daemon's). */
export function parseMountSpec(spec: MountSpec): MountPoint {
  try {
    if (spec.Type === 'image') throw new UsageError('tsdock: --mount type=image is not supported');
    if (spec.BindOptions?.ReadOnlyForceRecursive) {
      throw daemon('rro is not supported by runtime "runc"');
    }
    return mountPointOf(spec);
  } catch (err) {
    if (err instanceof MountConfigError) throw daemon(err.message);
    throw err;
  }
}

// ------------------------------------------------------------------- --volumes-from, --tmpfs

/** The daemon's ParseVolumesFrom: `CONTAINER[:ro|rw]` (and z/Z). */
export function parseVolumesFrom(spec: string): { container: string; mode: string } {
  if (spec === '') throw daemon('volumes-from specification cannot be an empty string');
  const colon = spec.indexOf(':');
  const container = colon < 0 ? spec : spec.slice(0, colon);
  const mode = colon < 0 ? '' : spec.slice(colon + 1);
  if (mode === '') return { container, mode: 'rw' };
  const copy = mode.split(',').includes('nocopy');
  if (!validMode(mode) || hasPropagation(mode) || copy) throw daemon(`invalid mode: ${mode}`);
  return { container, mode };
}

/** Whether a mode string makes a mount writable (the daemon's ReadWrite). */
export function modeIsRW(mode: string): boolean {
  return validMode(mode) && !mode.split(',').includes('ro');
}

/** The daemon's check of a --tmpfs destination. */
export function validateTmpfsDestination(dest: string): void {
  try {
    validateTarget(dest, 'tmpfs');
  } catch (err) {
    if (err instanceof MountConfigError) throw daemon(err.reason);
    throw err;
  }
}

/** Docker's rule for local volume names (moby volume/local validateName). */
export function validateVolumeName(name: string, op = 'create'): void {
  if (name.length === 1) {
    throw daemon(
      `${op} ${name}: volume name is too short, names should be at least two alphanumeric characters`,
    );
  }
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name)) {
    throw daemon(
      `${op} ${name}: ${JSON.stringify(name)} includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
  }
}
