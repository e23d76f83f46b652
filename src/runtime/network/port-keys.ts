/**
 * Port keys (`80/tcp`) and bind addresses, apart from ports.ts's parsing: what `ps` needs to show
 * ports, without loading node:net (and Node's stream machinery behind it) as ports.ts must.
 */
export function splitProtoPort(raw: string): { proto: string; port: string } {
  const parts = raw.split('/');
  if (raw.length === 0 || parts[0]!.length === 0) return { proto: '', port: '' };
  if (parts.length === 1) return { proto: 'tcp', port: raw };
  if (parts[1]!.length === 0) return { proto: 'tcp', port: parts[0]! };
  return { proto: parts[1]!, port: parts[0]! };
}

/** `80/tcp` → [80, 'tcp'] */
export function splitPortKey(key: string): { port: number; proto: string } {
  const { proto, port } = splitProtoPort(key);
  return { port: Number(port), proto: proto || 'tcp' };
}

export function bindAddress(hostIp: string): string {
  return hostIp === '' ? '0.0.0.0' : hostIp;
}
