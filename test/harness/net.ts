/**
 * Network helpers for the integration suite: free subnets and ports chosen at run time (several
 * suites may run at once), and a namespace acting as another host on a veth link to this one.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

function routes(): { base: number; prefix: number }[] {
  const out: { base: number; prefix: number }[] = [];
  for (const line of readFileSync('/proc/net/route', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const le = (h: string) => {
      const v = parseInt(h, 16);
      return (((v & 255) << 24) | (((v >>> 8) & 255) << 16) | (((v >>> 16) & 255) << 8) | (v >>> 24)) >>> 0;
    };
    const mask = le(f[7]!);
    if (mask === 0) continue;
    let prefix = 0;
    while (prefix < 32 && ((mask << prefix) & 0x80000000) !== 0) prefix++;
    out.push({ base: le(f[1]!), prefix });
  }
  return out;
}

const taken = new Set<string>();

/** A random 10.X.Y.0/24 (X in 100–199) that no route of the host overlaps. */
export function freeSubnet24(): string {
  const rs = routes();
  for (;;) {
    const x = 100 + Math.floor(Math.random() * 100);
    const y = Math.floor(Math.random() * 256);
    const base = ((10 << 24) | (x << 16) | (y << 8)) >>> 0;
    const key = `10.${x}.${y}.0/24`;
    const clash = rs.some((r) => {
      const p = Math.min(r.prefix, 24);
      const m = p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0;
      return (r.base & m) >>> 0 === (base & m) >>> 0;
    });
    if (!clash && !taken.has(key)) {
      taken.add(key);
      return key;
    }
  }
}

/** A TCP port nothing listens on right now (the kernel's choice for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '0.0.0.0', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A network namespace linked to the host by a veth pair: the host end gets .1, the namespace .2 of
 * a free /24. Traffic from it reaches the host as from another machine.
 */
export class RemoteHost {
  readonly ns: string;
  readonly hostIf: string;
  readonly hostIp: string;
  readonly ip: string;
  constructor(tag: string) {
    const subnet = freeSubnet24();
    this.ns = `tsdt-remote-${tag}`;
    this.hostIf = `tsdtr${tag}`.slice(0, 15);
    this.hostIp = subnet.replace(/\.0\/24$/, '.1');
    this.ip = subnet.replace(/\.0\/24$/, '.2');
    const batch = [
      `netns add ${this.ns}`,
      `link add name ${this.hostIf} type veth peer name eth0 netns ${this.ns}`,
      `addr add ${this.hostIp}/24 dev ${this.hostIf}`,
      `link set ${this.hostIf} up`,
    ].join('\n');
    execFileSync('ip', ['-batch', '-'], { input: batch + '\n' });
    execFileSync('ip', ['-n', this.ns, '-batch', '-'], {
      // No default route: replies can only reach a container if its traffic was masqueraded.
      input: `link set lo up\naddr add ${this.ip}/24 dev eth0\nlink set eth0 up\n`,
    });
  }

  /** Runs a command inside the namespace; the result, never an exception. */
  run(args: string[], timeoutMs = 10_000): { code: number; stdout: string; stderr: string } {
    try {
      const stdout = execFileSync('ip', ['netns', 'exec', this.ns, ...args], {
        encoding: 'utf8',
        timeout: timeoutMs,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return { code: 0, stdout, stderr: '' };
    } catch (err) {
      const e = err as { status?: number; stdout?: string; stderr?: string };
      return { code: e.status ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }

  remove(): void {
    execFileSync('ip', ['-force', '-batch', '-'], {
      input: `link del ${this.hostIf}\nnetns del ${this.ns}\n`,
    });
  }
}

/** HTTP GET with curl; the body, or null when it fails. */
export function curl(url: string, timeoutS = 3): string | null {
  try {
    return execFileSync('curl', ['-sS', '-m', String(timeoutS), url], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch {
    return null;
  }
}
