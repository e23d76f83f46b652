/** A compose project for the integration suites: its own directory, driven with `-p` and `-f`. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, ok, testEnv, uniqueName } from './cli.js';
import { detectCgroupVersion } from '../../src/runtime/cgroups/files.js';

export const img = (): string => testEnv().image;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Inspected {
  Id: string;
  Name: string;
  State: { Status: string; ExitCode: number; StartedAt: string; FinishedAt: string };
  Config: { Hostname: string; Env: string[]; Labels: Record<string, string> };
  NetworkSettings: { Networks: Record<string, { IPAddress: string }> };
}
export const inspect = (ref: string): Inspected => (JSON.parse(ok(['inspect', ref])) as Inspected[])[0]!;

/** A compose project in a directory of its own, driven with `-p` and `-f`. */
export class Project {
  readonly dir = mkdtempSync(join(tmpdir(), 'tsdock-compose-'));
  readonly name = uniqueName('cmp');
  files = ['compose.yaml'];

  write(files: Record<string, string>): this {
    for (const [f, text] of Object.entries(files)) writeFileSync(join(this.dir, f), text);
    return this;
  }

  run(args: string[], opts: { input?: string; timeoutMs?: number } = {}) {
    const fileArgs = this.files.flatMap((f) => ['-f', join(this.dir, f)]);
    return cli(['compose', '-p', this.name, ...fileArgs, ...args], {
      input: opts.input ?? '',
      timeoutMs: opts.timeoutMs ?? 90_000,
    });
  }

  ok(args: string[]): string {
    const r = this.run(args);
    if (r.code !== 0) throw new Error(`compose ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }

  /** Containers of the project, name → id. */
  containers(): Map<string, string> {
    const out = ok([
      'ps',
      '-a',
      '--no-trunc',
      '--filter',
      `label=com.docker.compose.project=${this.name}`,
      '--format',
      '{{.Names}} {{.ID}}',
    ]);
    return new Map(
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ') as [string, string]),
    );
  }

  cleanup(): void {
    this.run(['down', '-t', '0', '--remove-orphans']);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The host file of a container's cgroup (v1: per controller; v2: unified). */
export function cgroupFile(id: string, v1: string, v2: string): string {
  const [controller, file] = v1.split('/');
  const path =
    detectCgroupVersion() === 1
      ? join('/sys/fs/cgroup', controller!, 'tsdock', id, file!)
      : join('/sys/fs/cgroup', 'tsdock', id, v2);
  return readFileSync(path, 'utf8').trim();
}
