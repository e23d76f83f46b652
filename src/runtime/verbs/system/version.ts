/** `version`: client facts, then the server side as containerd reports it (Docker's layout). */
import { readFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { rootPath } from '../../../paths.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { RuntimeContext } from '../../context.js';
import { markStruct } from '../../format/gofmt.js';
import { compileTemplate } from '../../format/template.js';

const goArch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' };

export function clientVersion(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(rootPath('package.json'), 'utf8')) as { version: string };
  return {
    Version: pkg.version,
    NodeVersion: process.version,
    Os: platform(),
    Arch: goArch[arch()] ?? arch(),
  };
}

async function runcVersion(): Promise<{ version: string; commit: string } | undefined> {
  try {
    const { stdout } = await promisify(execFile)('runc', ['--version']);
    const version = /runc version (\S+)/.exec(stdout)?.[1] ?? '';
    const commit = /commit: (\S+)/.exec(stdout)?.[1] ?? '';
    return { version, commit };
  } catch {
    return undefined;
  }
}

export async function showVersion(ctx: RuntimeContext, opts: { format?: string }): Promise<void> {
  const client = clientVersion();
  const out = ctx.stdio.stdout;
  let server: Record<string, unknown> | undefined;
  let failure: unknown;
  try {
    const c = await ctx.client();
    const [v, runc] = await Promise.all([c.version(), runcVersion()]);
    const components: Record<string, unknown>[] = [
      { Name: 'containerd', Version: v.version, Details: { GitCommit: v.revision } },
    ];
    if (runc) components.push({ Name: 'runc', Version: runc.version, Details: { GitCommit: runc.commit } });
    server = { Platform: { Name: 'containerd' }, Components: components, Version: v.version };
  } catch (err) {
    failure = err;
  }
  if (opts.format) {
    // docker/cli's versionInfo{Client clientVersion; Server *types.Version}, a template named
    // "version": a missing field is an error naming those types, after what was written before it.
    const tmpl = compileTemplate(opts.format === 'json' ? '{{json .}}' : opts.format, 'version');
    const data = markStruct(
      {
        Client: markStruct(client, 'system.clientVersion'),
        Server: server ? markStruct(server, '*types.Version') : null,
      },
      'system.versionInfo',
    );
    const r = tmpl.executePartial(data);
    out.write(r.out + '\n');
    if (r.error && !failure) throw r.error;
  } else {
    out.write(
      [
        'Client:',
        ` Version:      ${client.Version}`,
        ` Node.js:      ${client.NodeVersion}`,
        ` OS/Arch:      ${client.Os}/${client.Arch}`,
        ` Namespace:    ${ctx.globals.namespace}`,
        '',
      ].join('\n'),
    );
    if (server) {
      const lines = ['', 'Server:'];
      for (const comp of server.Components as {
        Name: string;
        Version: string;
        Details: { GitCommit: string };
      }[]) {
        lines.push(
          ` ${comp.Name}:`,
          `  Version:      ${comp.Version}`,
          `  GitCommit:    ${comp.Details.GitCommit}`,
        );
      }
      out.write(lines.join('\n') + '\n');
    }
  }
  if (failure) throw failure;
}
