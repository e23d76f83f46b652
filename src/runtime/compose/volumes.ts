/** A service volume's short syntax (`src:dst:ro`), as compose-go's format.ParseVolume reads it. */
import { ComposeError } from '../errors.js';

export interface VolumeMount {
  type: 'volume' | 'bind' | 'tmpfs' | 'npipe' | 'cluster' | 'image';
  source?: string;
  target: string;
  read_only?: boolean;
  bind?: { propagation?: string; create_host_path?: boolean; selinux?: string };
  volume?: { nocopy?: boolean };
  tmpfs?: { size?: number | string; mode?: number };
}

const PROPAGATIONS = new Set(['rprivate', 'private', 'rshared', 'shared', 'rslave', 'slave']);
const SELINUX = new Set(['z', 'Z']);

/** `.`, `/` or `~` at the start (or a Windows drive) makes a bind mount; anything else names a volume. */
function isFilePath(source: string): boolean {
  if (source === '') return false;
  if ('./~'.includes(source[0]!)) return true;
  if (source.startsWith('\\\\')) return true;
  return source.length > 1 && /^[A-Za-z]$/.test(source[0]!) && source[1] === ':';
}

export function parseVolumeSpec(spec: string): VolumeMount {
  if (spec.length === 0) throw new ComposeError('invalid empty volume spec');
  if (spec.length <= 2) return { type: 'volume', target: spec };
  const v: Partial<VolumeMount> & { target?: string } = {};
  let buffer = '';
  let inVar = 0;
  const END = '\0';
  const text = spec + END;
  const populate = (char: string) => {
    if (buffer.length === 0) throw new Error('empty section between colons');
    if (v.source === undefined && char === END) {
      v.target = buffer;
      return;
    }
    if (v.source === undefined) {
      v.source = buffer;
      return;
    }
    if (v.target === undefined) {
      v.target = buffer;
      return;
    }
    if (char === ':') throw new Error('too many colons');
    for (const option of buffer.split(',')) {
      if (option === 'ro') v.read_only = true;
      else if (option === 'rw') v.read_only = false;
      else if (option === 'nocopy') v.volume = { nocopy: true };
      else if (PROPAGATIONS.has(option)) v.bind = { ...v.bind, propagation: option };
      else if (SELINUX.has(option)) v.bind = { ...v.bind, selinux: option };
      // compose-go ignores options it does not know.
    }
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '$' && spec[i + 1] === '{') {
      inVar++;
      buffer += c;
      continue;
    }
    if (c === '}' && inVar > 0) {
      inVar--;
      buffer += c;
      continue;
    }
    if (c === ':' && buffer.length === 1 && /^[A-Za-z]$/.test(buffer)) {
      buffer += c;
    } else if ((c === ':' || c === END) && inVar === 0) {
      try {
        populate(c);
      } catch (err) {
        throw new ComposeError(`invalid spec: ${spec}: ${(err as Error).message}`);
      }
      buffer = '';
    } else buffer += c;
  }
  const out: VolumeMount = {
    type: 'volume',
    ...(v.source !== undefined ? { source: v.source } : {}),
    target: v.target ?? '',
    ...(v.read_only ? { read_only: true } : {}),
  };
  if (v.source !== undefined && isFilePath(v.source)) {
    out.type = 'bind';
    // Short syntax creates a missing host path, as docker-compose v1 did.
    out.bind = { ...v.bind, create_host_path: true };
  } else {
    out.volume = { ...v.volume };
    if (v.bind) out.bind = v.bind;
  }
  return out;
}
