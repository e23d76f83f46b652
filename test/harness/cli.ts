/**
 * Runs the CLI under test. By default that is tsdock against the suite's private containerd;
 * with TSDOCK_TEST_CLI=docker the same tests run against a Docker engine (parity, as nerdctl's
 * suite does with -test.target=docker).
 */
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const target = process.env.TSDOCK_TEST_CLI === 'docker' ? 'docker' : 'tsdock';

export interface Env {
  address: string;
  namespace: string;
  dataRoot: string;
  image: string;
}

let env: Env | undefined;
export function setEnv(e: Env): void {
  env = e;
}
export function testEnv(): Env {
  if (!env) throw new Error('integration environment not set up (test/integration/_setup.test.ts)');
  return env;
}

export interface Result {
  stdout: string;
  stderr: string;
  code: number;
}

export function argvFor(args: string[]): [string, string[]] {
  if (target === 'docker') return ['docker', args];
  const e = testEnv();
  return [
    process.execPath,
    [
      // As bin/tsdock's own `#!/usr/bin/env -S node --`: nothing after `--` is read by Node itself.
      '--',
      join(repoRoot, 'bin', 'tsdock'),
      '--address',
      e.address,
      '--namespace',
      e.namespace,
      '--data-root',
      e.dataRoot,
      ...args,
    ],
  ];
}

export function cli(
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Result {
  const [cmd, argv] = argvFor(args);
  const r = spawnSync(cmd, argv, {
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    input: opts.input ?? '',
    env: { ...process.env, ...opts.env },
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 60_000,
  });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr, code: r.status ?? 128 + 9 };
}

/** Async variant for parallel runs and for processes the test signals. */
export function cliAsync(
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv } = {},
): { child: ReturnType<typeof spawn>; done: Promise<Result> } {
  const [cmd, argv] = argvFor(args);
  const child = spawn(cmd, argv, {
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  if (opts.input !== undefined) child.stdin!.end(opts.input);
  else child.stdin!.end();
  const done = new Promise<Result>((resolve) =>
    child.on('close', (code, signal) => resolve({ stdout, stderr, code: code ?? (signal ? 128 + 9 : 1) })),
  );
  return { child, done };
}

/** Like cli() but fails the test with the CLI's stderr when the exit code is not 0. */
export function ok(args: string[], opts: { input?: string } = {}): string {
  const r = cli(args, opts);
  if (r.code !== 0) {
    throw new Error(`${target} ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
  return r.stdout;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/** cli() with binary stdin/stdout (tar streams). */
export function cliRaw(args: string[], input?: Buffer): { stdout: Buffer; stderr: string; code: number } {
  const [cmd, argv] = argvFor(args);
  const r = spawnSync(cmd, argv, { input: input ?? Buffer.alloc(0), timeout: 60_000, maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr.toString('utf8'), code: r.status ?? 128 + 9 };
}
