/** Runs ip/iptables (node:child_process itself, not execa: this sits on `run`'s start-up path). */
import { childProcess } from '../builtins.js';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function exec(cmd: string, args: string[], input?: string): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = childProcess().spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => resolve({ code: 127, stdout, stderr: spawnFailure(cmd, err) }));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

export function firstLine(r: ExecResult): string {
  return (r.stderr || r.stdout).trim().split('\n')[0] ?? '';
}

/** Debian's package of each program tsdock runs for networking. */
const PACKAGE: Record<string, string> = {
  ip: 'iproute2',
  iptables: 'iptables',
  'iptables-save': 'iptables',
  'iptables-restore': 'iptables',
};

/** A program that could not be started, named with what to install. */
function spawnFailure(cmd: string, err: NodeJS.ErrnoException): string {
  if (err.code !== 'ENOENT') return err.message;
  const pkg = PACKAGE[cmd];
  return `${cmd} is not installed: tsdock needs it for container networking${pkg ? ` ('apt-get install ${pkg}')` : ''}`;
}
