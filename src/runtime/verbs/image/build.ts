/**
 * `build` / `image build`: the Dockerfile and context read where they are (or from stdin), the
 * build run against containerd (build/builder.ts), the result stored and named, progress shown
 * as BuildKit shows it, and on failure BuildKit's report: the step's last output, the Dockerfile
 * lines around it, `ERROR: failed to solve: …`, exit 1, no image named.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { importEsm } from '../../../esm-import.js';
import type { RuntimeContext } from '../../context.js';
import { BuildError, NotFoundError, RequestError, UsageError } from '../../errors.js';
import { hostPlatform } from '../../images/oci.js';
import { normalize, familiar } from '../../images/reference.js';
import { resolveImage, type ResolvedImage } from '../../images/resolve.js';
import { LEASE_PID_LABEL } from '../../container/repair.js';
import { BuildFailure, Builder } from '../../build/builder.js';
import { loadCache } from '../../build/cache.js';
import { contextFromTar, openContext, type BuildContext } from '../../build/context.js';
import { DockerfileError, parseDockerfile, type Dockerfile } from '../../build/dockerfile.js';
import { exportFiles, parseOutputs, storeImage, type Output } from '../../build/export.js';
import { startReaper, sweepBuildLeftovers, type Reaper } from '../../build/leftovers.js';
import { PlainSink, Progress, QuietSink, type ProgressSink } from '../../build/progress.js';

export interface BuildRequest {
  /** PATH, `-` (a Dockerfile or a tar on stdin) or a URL. */
  context: string;
  file?: string;
  tags: string[];
  buildArgs: string[];
  target?: string;
  noCache: boolean;
  pull: boolean;
  quiet: boolean;
  labels: string[];
  iidfile?: string;
  network?: string;
  addHost: string[];
  platform?: string;
  /** `auto`, `plain`, `tty` or `quiet` (checked here, with Docker's message). */
  progress: string;
  cacheFrom: string[];
  secret: string[];
  ssh: string[];
  /** --output values (`type=local,dest=DIR`, `type=tar,dest=FILE`, `DIR`, `-`). */
  output: string[];
}

/** The checks Docker's CLI makes before it sends anything. */
function validate(req: BuildRequest): void {
  if (req.cacheFrom.length) throw new UsageError('--cache-from is not supported by tsdock yet');
  if (req.secret.length) throw new UsageError('--secret is not supported by tsdock yet');
  if (req.ssh.length) throw new UsageError('--ssh is not supported by tsdock yet');
  if (!['auto', 'plain', 'tty', 'quiet', 'rawjson'].includes(req.progress))
    throw new UsageError(`invalid progress mode "${req.progress}"`);
  if (req.progress === 'rawjson') throw new UsageError('--progress=rawjson is not supported by tsdock yet');
  if (req.network && !['default', 'bridge', 'none', 'host'].includes(req.network))
    throw new UsageError(`network mode "${req.network}" not supported by buildkit`);
  if (/^(https?|git):\/\/|^git@/.test(req.context))
    throw new UsageError(`remote build contexts are not supported by tsdock yet: ${req.context}`);
}

function parseTags(tags: string[]): string[] {
  return tags.map((t) => {
    try {
      const n = normalize(t);
      if (n.includes('@')) throw new Error('invalid reference format');
      return n;
    } catch (err) {
      throw new RequestError(
        `ERROR: invalid tag "${t}": ${(err as Error).message.replace(/^invalid reference format: /, '')}`,
      );
    }
  });
}

/**
 * buildx's listToMap: `KEY=VALUE`, or `KEY` alone — taken from the environment for a build
 * argument (left out when unset there), empty for a label; an empty key is refused.
 */
function listToMap(values: string[], env?: NodeJS.ProcessEnv): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of values) {
    const at = v.indexOf('=');
    const key = at === -1 ? v : v.slice(0, at);
    if (key === '') throw new RequestError(`ERROR: invalid key-value pair ${JSON.stringify(v)}: empty key`);
    if (at !== -1) out.set(key, v.slice(at + 1));
    else if (!env) out.set(key, '');
    else if (env[key] !== undefined) out.set(key, env[key]);
  }
  return out;
}

export function parseBuildArgs(args: string[], env: NodeJS.ProcessEnv): Map<string, string> {
  return listToMap(args, env);
}

function parseLabels(labels: string[]): Record<string, string> {
  return Object.fromEntries(listToMap(labels));
}

/** --platform: the host's only (there is no emulation); Docker's parse errors for bad values. */
function parsePlatform(value: string | undefined): { os: string; architecture: string; variant?: string } {
  const host = hostPlatform();
  if (!value) return host;
  const [os = '', arch = '', variant] = value.toLowerCase().split('/');
  const archMap: Record<string, string> = {
    x86_64: 'amd64',
    'x86-64': 'amd64',
    aarch64: 'arm64',
    armhf: 'arm',
    i386: '386',
  };
  const known = ['linux', 'windows', 'darwin', 'freebsd'];
  if (!known.includes(os) || (arch !== '' && !/^[a-z0-9_-]+$/.test(arch)))
    throw new UsageError(
      `failed to parse platform ${value}: "${value}": unknown operating system or architecture: invalid argument`,
    );
  return {
    os,
    architecture: arch ? (archMap[arch] ?? arch) : host.architecture,
    ...(variant ? { variant } : {}),
  };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(chunks);
}

function looksLikeTar(head: Buffer): boolean {
  if (head[0] === 0x1f && head[1] === 0x8b) return true;
  return head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar';
}

/** The Dockerfile text and the context, from the arguments and stdin. */
async function inputs(
  ctx: RuntimeContext,
  req: BuildRequest,
): Promise<{ text: string; name: string; context?: BuildContext }> {
  const tmp = join(ctx.globals.dataRoot, 'tmp');
  if (req.context === '-') {
    if (req.file === '-')
      throw new UsageError("invalid argument: can't use stdin for both build context and dockerfile");
    const data = await readAll(ctx.stdio.stdin);
    if (looksLikeTar(data)) {
      const { mkdir } = await import('node:fs/promises');
      await mkdir(tmp, { recursive: true, mode: 0o700 });
      const context = await contextFromTar((async function* () {})(), data, tmp);
      const name = req.file ?? 'Dockerfile';
      const text = await readFile(join(context.root, name), 'utf8').catch(async () => {
        await context.close();
        throw new BuildError(
          `ERROR: failed to solve: failed to read dockerfile: open ${name}: no such file or directory`,
        );
      });
      return { text, name, context };
    }
    return { text: data.toString('utf8'), name: 'Dockerfile' };
  }
  const dir = resolve(req.context);
  const st = await stat(dir).catch(() => undefined);
  if (!st) throw new RequestError(`ERROR: unable to prepare context: path "${req.context}" not found`);
  if (!st.isDirectory())
    throw new RequestError(`ERROR: unable to prepare context: path "${req.context}" is not a directory`);
  if (req.file === '-') {
    const text = (await readAll(ctx.stdio.stdin)).toString('utf8');
    return { text, name: 'Dockerfile', context: await openContext(dir) };
  }
  const file = req.file ? (isAbsolute(req.file) ? req.file : resolve(req.file)) : join(dir, 'Dockerfile');
  const text = await readFile(file, 'utf8').catch(() => undefined);
  const shown = req.file ?? 'Dockerfile';
  if (text === undefined)
    throw new BuildError(
      `ERROR: failed to solve: failed to read dockerfile: open ${shown}: no such file or directory`,
    );
  return {
    text,
    name: shown.split('/').pop()!,
    context: await openContext(dir, req.file ? file : undefined),
  };
}

async function sinkFor(ctx: RuntimeContext, req: BuildRequest): Promise<ProgressSink> {
  if (req.quiet || req.progress === 'quiet') return new QuietSink();
  const err = ctx.stdio.stderr as NodeJS.WriteStream;
  if (req.progress !== 'plain' && err.isTTY === true) {
    // An ES module of its own (ink is ESM-only), loaded next to this file or the bundle.
    const { ttyProgress } = await importEsm<typeof import('../../build/build-view.js')>(
      new URL(
        import.meta.url.includes('/bundle/') ? './build-view.js' : '../../build/build-view.js',
        import.meta.url,
      ).href,
    );
    return ttyProgress(err);
  }
  return new PlainSink(ctx.stdio.stderr);
}

/** BuildKit's failure report: the step's last lines, then the Dockerfile around it. */
function failureReport(f: BuildFailure, df: Dockerfile | undefined, name: string): string {
  const out: string[] = [];
  if (f.step?.vertex) {
    out.push('------', ` > ${f.step.name}:`);
    out.push(...f.step.vertex.state.lines.slice(-10));
    out.push('------');
  }
  if (df && f.step?.line) {
    const first = Math.max(1, f.step.line - 3);
    const end = f.step.endLine ?? f.step.line;
    const last = Math.min(df.lines.length, end + 1);
    out.push(`${name}:${f.step.line}${end !== f.step.line ? `-${end}` : ''}`, '--------------------');
    for (let n = first; n <= last; n++) {
      const mark = n >= f.step.line && n <= end ? '>>>' : '   ';
      out.push(`${String(n).padStart(4)} | ${mark} ${df.lines[n - 1] ?? ''}`);
    }
    out.push('--------------------');
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

export async function buildImage(ctx: RuntimeContext, req: BuildRequest): Promise<string> {
  validate(req);
  // buildx reads build arguments and labels before anything else.
  const buildArgs = parseBuildArgs(req.buildArgs, process.env);
  const labels = parseLabels(req.labels);
  const names = parseTags(req.tags);
  const platform = parsePlatform(req.platform);
  let output: Output;
  try {
    output = parseOutputs(req.output);
  } catch (err) {
    throw new UsageError(`ERROR: ${(err as Error).message}`);
  }
  const { text, name, context } = await inputs(ctx, req);
  const sink = await sinkFor(ctx, req);
  const progress = new Progress(sink);
  let dockerfile: Dockerfile | undefined;
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  // on, not once: a once-listener is gone before it runs, and the lock hook would then re-raise the signal.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let reaper: Reaper | undefined;
  let release: (() => Promise<void>) | undefined;
  try {
    const def = progress.vertex(`[internal] load build definition from ${name}`);
    def.log(`transferring dockerfile: ${Buffer.byteLength(text)}B done`);
    try {
      dockerfile = parseDockerfile(text);
    } catch (err) {
      if (err instanceof DockerfileError) {
        def.fail(err.message);
        throw new BuildFailure(
          err.message,
          err.line ? { name: `[internal] load build definition from ${name}`, line: err.line } : undefined,
        );
      }
      throw err;
    }
    def.done();
    if (context) {
      const ign = progress.vertex('[internal] load .dockerignore');
      ign.log('transferring context: done');
      ign.done();
    }
    const client = await ctx.client();
    await sweepBuildLeftovers(ctx, client).catch(() => undefined);
    const lease = await client.openLease({
      expireSeconds: 3600,
      labels: { [LEASE_PID_LABEL]: String(process.pid) },
    });
    release = lease.release;
    const cache = await loadCache(client);
    if (dockerfile.stages.some((s) => s.commands.some((c) => c.kind === 'RUN'))) reaper = startReaper(ctx);
    const builder = new Builder(ctx, {
      dockerfile,
      ...(context ? { context } : {}),
      buildArgs,
      ...(req.target ? { target: req.target } : {}),
      noCache: req.noCache,
      pull: req.pull,
      network: req.network === 'none' || req.network === 'host' ? req.network : 'bridge',
      extraHosts: req.addHost,
      platform,
      resolveImage: (ref, o) => baseImage(ctx, ref, o.pull),
      cache,
      progress,
      signal: abort.signal,
    });
    const state = await builder.run(lease.client);
    const unconsumed = builder.unconsumed();
    if (output.type !== 'image') {
      const files = progress.vertex(
        `exporting to client ${output.type === 'local' ? 'directory' : 'tarball'}`,
      );
      await exportFiles(
        lease.client,
        state.chainId,
        output,
        join(ctx.globals.dataRoot, 'tmp', 'mnt'),
        ctx.stdio.stdout,
      );
      files.log(`copying files ${output.dest === '-' ? 'to stdout' : output.dest} done`);
      files.done();
      await sink.close();
      return '';
    }
    const exp = progress.vertex('exporting to image');
    exp.log('exporting layers done');
    const stored = await storeImage(lease.client, state, labels, names, (n) =>
      exp.log(`naming to ${n} done`),
    );
    exp.log(`writing image ${stored.id} done`);
    exp.done();
    if (unconsumed.length)
      progress.message(`[Warning] One or more build-args [${unconsumed.join(' ')}] were not consumed`);
    await sink.close();
    if (req.iidfile) await writeFile(req.iidfile, stored.id);
    if (req.quiet) ctx.stdio.stdout.write(`${stored.id}\n`);
    return stored.id;
  } catch (err) {
    await sink.close();
    if (err instanceof BuildFailure) {
      const canceled = abort.signal.aborted;
      ctx.stdio.stderr.write(failureReport(err, dockerfile, name));
      throw new BuildError(
        canceled
          ? 'ERROR: failed to solve: Canceled: context canceled'
          : `ERROR: failed to solve: ${err.message}`,
      );
    }
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await release?.();
    reaper?.stop();
    await context?.close();
  }
}

/** FROM's image: the local one unless --pull; pulled (quietly, as BuildKit does) when missing. */
async function baseImage(ctx: RuntimeContext, ref: string, pull: boolean): Promise<ResolvedImage> {
  if (!pull) {
    try {
      return await resolveImage(ctx, ref);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
  const [{ pullImage }, { progressFor }] = await Promise.all([
    import('../../registry/pull.js'),
    import('../../registry/progress.js'),
  ]);
  const progress = await progressFor(ctx.stdio.stderr, true);
  try {
    await pullImage(ctx, ref, { progress });
  } finally {
    await progress.close();
  }
  return resolveImage(ctx, familiar(normalize(ref)));
}
