/**
 * The build itself: the stages the target needs, each started as soon as the build starts and
 * awaited where used (so independent stages run in parallel), their instructions dispatched in
 * order. File-changing steps (RUN, COPY, ADD, WORKDIR) run on a snapshot prepared from the previous
 * step and become layers through containerd's Diff service; the cache is looked up first by the
 * step's key (cache.ts). Everything is made under one expiring lease labelled with this process,
 * so what a failed or killed build made is collected by containerd's GC; what stays is named by a
 * cache record or by the image.
 */
import { mkdir, mkdtemp, rmdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { ContainerdClient } from '../containerd/client.js';
import type { Mount } from '../containerd/types.js';
import type { RuntimeContext } from '../context.js';
import { isAlreadyExists } from '../images/content.js';
import { EMPTY_LAYER_DIFF_ID, layerDiff } from '../images/layer-diff.js';
import { chainId as chainOf, type ImageConfig } from '../images/oci.js';
import type { ResolvedImage } from '../images/resolve.js';
import { randomHex } from '../state/ids.js';
import { mountSnapshot, unmount } from '../container/rootfs-mount.js';
import { resolveUser } from '../container/rootfs.js';
import { cacheKey, recordUsable, saveRecord, type CacheRecord, type StepResult } from './cache.js';
import {
  resolveSource,
  digestSources,
  SourceNotFoundError,
  type SourceTree,
  type BuildContext,
} from './context.js';
import { archiveKind, copySource, mkdirIn, unpackArchive, writeContent, type CopyTarget } from './copy.js';
import { parseInstruction, type Command, type Dockerfile, type Stage } from './dockerfile.js';
import type { Progress, Vertex } from './progress.js';
import { runStep, RunStepError, type BuildNetwork } from './run-step.js';
import { processWord } from './shell-lex.js';
import {
  addHistory,
  cloneState,
  dispatchMeta,
  DispatchError,
  emptyState,
  expand,
  normalizeWorkdir,
  PROXY_ARGS,
  runCommandString,
  withShell,
  type ArgContext,
  type StageState,
} from './state.js';

/** A failure the user reads as BuildKit's `ERROR: failed to solve: …`, with the step to blame. */
export class BuildFailure extends Error {
  constructor(
    message: string,
    readonly step?: { name: string; line?: number; endLine?: number; vertex?: Vertex },
  ) {
    super(message);
  }
}

export interface BuildOptions {
  dockerfile: Dockerfile;
  context?: BuildContext;
  buildArgs: Map<string, string>;
  target?: string;
  noCache: boolean;
  pull: boolean;
  network: BuildNetwork;
  extraHosts: string[];
  platform: { os: string; architecture: string; variant?: string };
  /** The local image for a reference, pulled if missing (or always with --pull). */
  resolveImage: (ref: string, opts: { pull: boolean }) => Promise<ResolvedImage>;
  cache: Map<string, CacheRecord>;
  progress: Progress;
  signal?: AbortSignal;
}

export interface BuildResult {
  state: StageState;
  /** ImageConfig fields of the base image kept (os.version etc. are not carried). */
  warnings: string[];
}

interface StageRun {
  stage: Stage;
  promise?: Promise<StageState>;
}

export class Builder {
  private readonly stages: StageRun[];
  private readonly globals = new Map<string, string>();
  private readonly args: ArgContext;
  private readonly mountBase: string;
  private client!: ContainerdClient;
  /** Aborted by the caller's signal (Ctrl-C) or by a failed stage. */
  private readonly abort = new AbortController();
  private readonly signal: AbortSignal;
  private readonly images = new Map<string, Promise<ResolvedImage>>();

  constructor(
    private readonly ctx: RuntimeContext,
    private readonly opts: BuildOptions,
  ) {
    this.stages = opts.dockerfile.stages.map((stage) => ({ stage }));
    this.args = { buildArgs: opts.buildArgs, globals: this.globals, consumed: new Set() };
    this.mountBase = join(ctx.globals.dataRoot, 'tmp', 'mnt');
    this.signal = opts.signal ? AbortSignal.any([opts.signal, this.abort.signal]) : this.abort.signal;
  }

  /** An image by reference, resolved (or pulled) once per build however many stages use it. */
  private image(ref: string, pull: boolean, shown?: string): Promise<ResolvedImage> {
    const key = `${pull}:${ref}`;
    let p = this.images.get(key);
    if (!p) {
      const meta = shown ? this.opts.progress.vertex(`[internal] load metadata for ${shown}`) : undefined;
      p = this.opts.resolveImage(ref, { pull }).then(
        (img) => {
          meta?.done();
          return img;
        },
        (err: unknown) => {
          meta?.fail((err as Error).message);
          throw err;
        },
      );
      this.images.set(key, p);
    }
    return p;
  }

  /** Build args given but declared by no ARG (Docker warns about them). */
  unconsumed(): string[] {
    return [...this.opts.buildArgs.keys()].filter(
      (k) => !this.args.consumed.has(k) && !PROXY_ARGS.includes(k) && !AUTO_ARGS.includes(k),
    );
  }

  async run(client: ContainerdClient): Promise<StageState> {
    this.client = client;
    await mkdir(this.mountBase, { recursive: true, mode: 0o700 });
    this.initGlobals();
    const target = this.targetStage();
    for (const s of this.requiredStages(target)) this.start(s);
    try {
      return await this.start(target);
    } catch (err) {
      // Steps of other stages may still be running: stop them and wait, so nothing outlives the build.
      this.abort.abort();
      await Promise.allSettled(this.stages.map((s) => s.promise));
      throw err;
    }
  }

  private initGlobals(): void {
    const p = this.opts.platform;
    const plat = `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
    const auto: Record<string, string> = {
      TARGETPLATFORM: plat,
      TARGETOS: p.os,
      TARGETARCH: p.architecture,
      TARGETVARIANT: p.variant ?? '',
      BUILDPLATFORM: plat,
      BUILDOS: p.os,
      BUILDARCH: p.architecture,
      BUILDVARIANT: p.variant ?? '',
    };
    for (const [k, v] of Object.entries(auto)) this.globals.set(k, v);
    for (const a of this.opts.dockerfile.metaArgs) {
      let value: string | undefined;
      if (this.opts.buildArgs.has(a.key)) {
        value = this.opts.buildArgs.get(a.key);
        this.args.consumed.add(a.key);
      } else if (a.value !== undefined) {
        value = this.expandGlobal(a.value);
      }
      if (value !== undefined) this.globals.set(a.key, value);
      else this.globals.delete(a.key);
    }
  }

  private expandGlobal(word: string): string {
    try {
      return processWord(word, (k) => this.globals.get(k), { escape: this.opts.dockerfile.escape });
    } catch (err) {
      throw new BuildFailure((err as Error).message);
    }
  }

  private findStage(ref: string, before?: number): StageRun | undefined {
    const lower = ref.toLowerCase();
    const list = before === undefined ? this.stages : this.stages.slice(0, before);
    const byName = list.find((s) => s.stage.name === lower);
    if (byName) return byName;
    if (/^\d+$/.test(ref)) return list[Number(ref)];
    return undefined;
  }

  private targetStage(): StageRun {
    if (!this.opts.target) return this.stages[this.stages.length - 1]!;
    const t = this.findStage(this.opts.target);
    if (!t || !this.stages.some((s) => s.stage.name === this.opts.target!.toLowerCase()))
      throw new BuildFailure(`target stage "${this.opts.target}" could not be found`);
    return t;
  }

  /** The stages `target` depends on (FROM a stage, COPY --from a stage), transitively. */
  private requiredStages(target: StageRun): StageRun[] {
    const out = new Set<StageRun>();
    const visit = (run: StageRun) => {
      const deps: StageRun[] = [];
      const base = this.findStage(this.expandGlobal(run.stage.base), run.stage.index);
      if (base) deps.push(base);
      for (const c of run.stage.commands) {
        if ((c.kind === 'COPY' || c.kind === 'ADD') && c.from !== undefined) {
          const from = this.findStage(c.from, run.stage.index);
          if (from) deps.push(from);
        }
      }
      for (const d of deps) {
        if (out.has(d)) continue;
        out.add(d);
        visit(d);
      }
    };
    visit(target);
    return [...out];
  }

  private start(run: StageRun): Promise<StageState> {
    if (!run.promise) {
      run.promise = this.buildStage(run);
      run.promise.catch(() => undefined);
    }
    return run.promise;
  }

  private stageLabel(run: StageRun): string {
    if (this.stages.length === 1) return '';
    return run.stage.name ?? `stage-${run.stage.index}`;
  }

  private async buildStage(run: StageRun): Promise<StageState> {
    const { stage } = run;
    const baseRef = this.expandGlobal(stage.base);
    if (baseRef === '')
      throw new BuildFailure(`base name (${stage.base}) should not be blank`, {
        name: stage.text,
        line: stage.line,
      });
    const baseStage = this.findStage(baseRef, stage.index);
    let state: StageState;
    let triggers: string[] = [];
    let fromVertexName: string | undefined;
    let baseImage: ResolvedImage | undefined;
    if (baseStage) {
      state = cloneState(await this.start(baseStage));
      state.config.OnBuild = null;
    } else if (baseRef.toLowerCase() === 'scratch') {
      state = emptyState(this.opts.platform, this.opts.dockerfile.escape);
    } else {
      const { normalize } = await import('../images/reference.js');
      let full: string;
      try {
        full = normalize(baseRef);
      } catch (err) {
        throw new BuildFailure(
          `failed to parse stage name "${baseRef}": invalid reference format: ${(err as Error).message.replace(/^invalid reference format: /, '')}`,
          { name: stage.text, line: stage.line },
        );
      }
      try {
        baseImage = await this.image(baseRef, this.opts.pull, full);
      } catch (err) {
        throw new BuildFailure(
          `${full}: failed to resolve source metadata for ${full}: ${(err as Error).message}`,
          {
            name: `[internal] load metadata for ${full}`,
          },
        );
      }
      const cfg = baseImage.config;
      const host = this.opts.platform;
      if (cfg.architecture && cfg.architecture !== host.architecture) {
        throw new BuildFailure(
          `image with reference ${baseRef} was found but does not match the specified platform: wanted ${host.os}/${host.architecture}, actual: ${cfg.os}/${cfg.architecture}`,
          { name: stage.text, line: stage.line },
        );
      }
      state = {
        ...emptyState(
          { architecture: cfg.architecture, os: cfg.os, ...(cfg.variant ? { variant: cfg.variant } : {}) },
          this.opts.dockerfile.escape,
        ),
        config: structuredClone(cfg.config ?? {}),
        history: structuredClone(cfg.history ?? []),
        layers: [...baseImage.manifest.layers],
        diffIds: [...baseImage.diffIds],
        chainId: baseImage.chainId,
        env: [...(cfg.config?.Env ?? [])],
      };
      if (cfg.author) state.author = cfg.author;
      triggers = cfg.config?.OnBuild ?? [];
      state.config.OnBuild = null;
      fromVertexName = `FROM ${full}${baseImage.manifestDescriptor ? `@${baseImage.target.digest}` : ''}`;
    }
    state.escape = this.opts.dockerfile.escape;
    state.cmdSet = false;
    state.buildArgs = [];
    const triggerCommands: Command[] = [];
    for (const t of triggers) {
      try {
        triggerCommands.push(parseInstruction(t));
      } catch (err) {
        throw new BuildFailure(
          `failed to parse ONBUILD trigger ${JSON.stringify(t)}: ${(err as Error).message}`,
        );
      }
    }
    const commands = [
      ...triggerCommands.map((c) => ({ c, onbuild: true })),
      ...stage.commands.map((c) => ({ c, onbuild: false })),
    ];
    const total =
      (fromVertexName ? 1 : 0) +
      commands.filter(
        ({ c }) => c.kind === 'RUN' || c.kind === 'COPY' || c.kind === 'ADD' || c.kind === 'WORKDIR',
      ).length;
    let index = 0;
    const label = this.stageLabel(run);
    const prefix = (text: string, onbuild: boolean) => {
      index++;
      const width = String(total).length;
      return `[${label ? `${label} ` : ''}${String(index).padStart(width, ' ')}/${total}] ${onbuild ? 'ONBUILD ' : ''}${text}`;
    };
    if (fromVertexName) {
      const v = this.opts.progress.vertex(prefix(fromVertexName, false));
      v.cached();
    }
    for (const { c, onbuild } of commands) {
      if (this.signal.aborted) throw new BuildFailure('canceled');
      try {
        if (dispatchMeta(state, c, this.args)) continue;
      } catch (err) {
        if (err instanceof DispatchError)
          throw new BuildFailure(err.message, { name: c.text, line: c.line, endLine: c.endLine });
        throw err;
      }
      switch (c.kind) {
        case 'RUN':
          await this.runInstruction(state, c, prefix, onbuild);
          break;
        case 'COPY':
        case 'ADD':
          await this.copy(state, c, stage, prefix, onbuild);
          break;
        case 'WORKDIR':
          await this.workdir(state, c as Command & { value: string }, prefix, onbuild);
          break;
        default:
          break;
      }
    }
    return state;
  }

  /** Runs a file-changing step on a fresh snapshot, or takes its result from the cache. */
  private async layerStep(
    state: StageState,
    key: string,
    vertex: Vertex,
    historyText: string,
    work: (snapshotKey: string, mounts: Mount[]) => Promise<void>,
  ): Promise<void> {
    const hit = this.opts.noCache ? undefined : this.opts.cache.get(key);
    if (hit && (await recordUsable(this.client, hit))) {
      vertex.cached();
      this.apply(state, hit, historyText);
      return;
    }
    const lc = this.client;
    const snapKey = `tsdock-build-step-${randomHex(8)}`;
    const mounts = await lc.snapshots.prepare(snapKey, state.chainId);
    let committed = false;
    try {
      await work(snapKey, mounts);
      const { layer, diffId } = await layerDiff(lc, state.chainId, snapKey);
      const created = new Date().toISOString();
      let result: StepResult;
      if (diffId === EMPTY_LAYER_DIFF_ID) {
        result = { chainId: state.chainId, created };
      } else {
        const next = chainOf([...state.diffIds, diffId])!;
        try {
          await lc.snapshots.commit(next, snapKey);
          committed = true;
        } catch (err) {
          if (!isAlreadyExists(err)) throw err;
        }
        result = { layer, diffId, chainId: next, created };
      }
      await saveRecord(lc, key, result, historyText);
      this.opts.cache.set(key, { ...result, key, digest: '', description: historyText, size: layer.size });
      vertex.done();
      this.apply(state, result, historyText);
    } finally {
      if (!committed) await lc.snapshots.remove(snapKey).catch(() => undefined);
    }
  }

  private apply(state: StageState, r: StepResult, historyText: string): void {
    if (r.layer && r.diffId) {
      state.layers.push(r.layer);
      state.diffIds.push(r.diffId);
      state.chainId = r.chainId;
      addHistory(state, historyText, true, r.created);
    } else {
      addHistory(state, historyText, false, r.created);
      const last = state.history[state.history.length - 1]!;
      // An empty change keeps its RUN text with the marker, as a layer step would.
      last.created_by = `${historyText} # buildkit`;
    }
  }

  private stepFailure(c: Command, vertex: Vertex, message: string): BuildFailure {
    vertex.fail(message);
    return new BuildFailure(message, { name: vertex.state.name, line: c.line, endLine: c.endLine, vertex });
  }

  private async runInstruction(
    state: StageState,
    c: Extract<Command, { kind: 'RUN' }>,
    prefix: (t: string, onbuild: boolean) => string,
    onbuild: boolean,
  ): Promise<void> {
    const env = (k: string) => state.env.find((e) => e.startsWith(`${k}=`))?.slice(k.length + 1);
    const shown = processWord(c.text.replace(/^RUN\s+/i, 'RUN '), env, {
      escape: state.escape,
      rawQuotes: true,
      skipUnsetEnv: true,
    });
    const name = prefix(
      c.heredocs.length === 1 && c.cmd.args[0]?.trim().startsWith('<<')
        ? `${shown} (${summarize(c.heredocs[0]!.content)})`
        : shown,
      onbuild,
    );
    const vertex = this.opts.progress.vertex(name);
    if (c.mounts.length > 0) throw this.stepFailure(c, vertex, 'RUN --mount is not supported by tsdock yet');
    let argv = c.cmd.args;
    if (c.heredocs.length > 0) {
      const only = c.heredocs.length === 1 && /^<<-?\s*["']?[^"'\s]+["']?$/.test(argv[0]!.trim());
      if (only) {
        const data = c.heredocs[0]!.content;
        argv = [data];
      } else {
        argv = [argv[0]! + c.heredocs.map((h) => `\n${h.content}${h.name}`).join('')];
      }
    }
    argv = withShell(state, { args: argv, prependShell: c.cmd.prependShell });
    const network = c.network === undefined || c.network === 'default' ? this.opts.network : c.network;
    if (!['none', 'host', 'bridge'].includes(network))
      throw this.stepFailure(c, vertex, `unsupported network mode ${network}`);
    // Docker's predefined proxy ARGs reach RUN from --build-arg without a declaration, but stay out
    // of its cache key (and history) unless the Dockerfile declares them: a new proxy rebuilds nothing.
    const declared = (k: string) => state.env.some((e) => e.startsWith(`${k}=`));
    const proxies = PROXY_ARGS.filter((k) => this.opts.buildArgs.has(k) && !declared(k)).map(
      (k) => `${k}=${this.opts.buildArgs.get(k)}`,
    );
    const runEnv = [...state.env, ...proxies];
    const historyText = `RUN ${runCommandString(state, argv)}`;
    const key = cacheKey({
      v: 1,
      op: 'run',
      parent: state.chainId,
      argv,
      env: state.env,
      user: state.config.User ?? '',
      workdir: state.config.WorkingDir ?? '',
      network,
      hosts: this.opts.extraHosts,
    });
    await this.layerStep(state, key, vertex, historyText, async (snapshotKey, mounts) => {
      let code: number;
      try {
        code = await runStep(this.ctx, {
          client: this.client,
          snapshotKey,
          mounts,
          argv,
          env: runEnv,
          user: state.config.User ?? '',
          workdir: state.config.WorkingDir || '/',
          network: network as BuildNetwork,
          extraHosts: this.opts.extraHosts,
          onOutput: (stream, data) => vertex.output(stream, data),
          signal: this.signal,
        });
      } catch (err) {
        if (err instanceof RunStepError) throw this.stepFailure(c, vertex, err.message);
        throw err;
      }
      if (this.signal.aborted) throw this.stepFailure(c, vertex, 'canceled');
      if (code !== 0) {
        throw this.stepFailure(
          c,
          vertex,
          `process "${argv.map(goEscape).join(' ')}" did not complete successfully: exit code: ${code}`,
        );
      }
    });
  }

  private async withMounted<T>(
    mounts: Mount[],
    readOnly: boolean,
    fn: (dir: string) => Promise<T>,
  ): Promise<T> {
    const dir = await mkdtemp(join(this.mountBase, `${process.pid}-`));
    try {
      if (mounts.length === 0) return await fn(dir);
      const m =
        readOnly && mounts[0]!.type === 'bind' && !mounts[0]!.options.includes('ro')
          ? [{ ...mounts[0]!, options: [...mounts[0]!.options, 'ro'] }]
          : mounts;
      await mountSnapshot(m, dir);
      try {
        return await fn(dir);
      } finally {
        await unmount(dir);
      }
    } finally {
      await rmdir(dir).catch(() => undefined);
    }
  }

  /** A read-only view of a root (another stage's, an image's) for COPY --from. */
  private async withRoot<T>(chain: string, fn: (dir: string) => Promise<T>): Promise<T> {
    if (!chain) return this.withMounted([], true, fn);
    const key = `tsdock-build-view-${randomHex(8)}`;
    const mounts = await this.client.snapshots.view(key, chain);
    try {
      return await this.withMounted(mounts, true, fn);
    } finally {
      await this.client.snapshots.remove(key).catch(() => undefined);
    }
  }

  private async copy(
    state: StageState,
    c: Extract<Command, { kind: 'COPY' | 'ADD' }>,
    stage: Stage,
    prefix: (t: string, onbuild: boolean) => string,
    onbuild: boolean,
  ): Promise<void> {
    const x = (w: string) => {
      try {
        return expand(state, w);
      } catch (err) {
        throw new BuildFailure((err as Error).message, { name: c.text, line: c.line });
      }
    };
    const sources = c.sources.map(x);
    const dest = x(c.dest);
    const chown = c.chown !== undefined ? x(c.chown) : undefined;
    const chmod = c.chmod !== undefined ? x(c.chmod) : undefined;
    const from = c.from !== undefined ? x(c.from) : undefined;
    const name = prefix(
      `${c.kind} ${[
        ...(from !== undefined ? [`--from=${from}`] : []),
        ...(chown ? [`--chown=${chown}`] : []),
        ...(chmod ? [`--chmod=${chmod}`] : []),
        ...sources,
        ...c.contents.map((h) => `<<${h.name}`),
        dest,
      ].join(' ')}`,
      onbuild,
    );
    let vertex: Vertex | undefined;
    const fail = (msg: string): BuildFailure => {
      vertex ??= this.opts.progress.vertex(name);
      return this.stepFailure(c, vertex, msg);
    };
    if (sources.length + c.contents.length > 1 && !dest.endsWith('/'))
      throw fail(
        `When using ${c.kind} with more than one source file, the destination must be a directory and end with a /`,
      );
    let mode: number | undefined;
    if (chmod !== undefined) {
      if (!/^[0-7]{1,4}$/.test(chmod)) throw fail(`invalid chmod parameter: ${chmod}`);
      mode = parseInt(chmod, 8);
    }
    const urls = c.kind === 'ADD' ? sources.filter((s) => /^https?:\/\//.test(s)) : [];
    if (c.kind === 'COPY' && sources.some((s) => /^https?:\/\//.test(s)))
      throw fail("source can't be a URL for COPY");
    // Destination relative to the working directory, its trailing slash kept.
    const wd = state.config.WorkingDir || '/';
    const destAbs =
      posix.join(dest.startsWith('/') ? '/' : wd, dest) + (dest.endsWith('/') || dest === '.' ? '/' : '');
    const intoDir = dest.endsWith('/') || sources.length + c.contents.length > 1 || dest === '.';

    const run = async (tree: SourceTree) => {
      let matches: Awaited<ReturnType<typeof resolveSource>>[] = [];
      try {
        matches = await Promise.all(
          sources.filter((s) => !urls.includes(s)).map((s) => resolveSource(tree, s)),
        );
      } catch (err) {
        if (err instanceof SourceNotFoundError) {
          vertex ??= this.opts.progress.vertex(name);
          const message = `failed to compute cache key: failed to calculate checksum of ref ${randomHex(16)}::${randomHex(13)}: ${err.message}`;
          vertex.fail(message);
          throw new BuildFailure(message, { name, line: c.line, endLine: c.endLine, vertex });
        }
        throw err;
      }
      vertex ??= this.opts.progress.vertex(name);
      const fetched = await Promise.all(
        urls.map((u) =>
          fetchUrl(u, this.mountBase).catch((e: Error) => {
            throw this.stepFailure(c, vertex!, e.message);
          }),
        ),
      );
      try {
        const key = cacheKey({
          v: 1,
          op: c.kind.toLowerCase(),
          parent: state.chainId,
          sources: await digestSources(tree, matches.flat()),
          names: sources,
          urls: fetched.map((f) => f.digest),
          contents: c.contents.map((h) => ({ name: h.name, data: h.expand ? x(h.data) : h.data })),
          dest: destAbs,
          intoDir,
          chown,
          mode,
          user: chown ? undefined : '',
        });
        const historyText = `${c.kind}${chown ? ` --chown=${chown}` : ''}${chmod ? ` --chmod=${chmod}` : ''} ${[...sources, ...c.contents.map((h) => `<<${h.name}`), dest].join(' ')}`;
        await this.layerStep(state, key, vertex, historyText, async (_key, mounts) => {
          let owner: { uid: number; gid: number } | undefined;
          if (chown) {
            try {
              const u = await resolveUser(mounts, chown);
              owner = { uid: u.uid, gid: u.gid };
            } catch (err) {
              throw this.stepFailure(
                c,
                vertex!,
                `unable to convert uid/gid chown string to host mapping: ${(err as Error).message}`,
              );
            }
          }
          await this.withMounted(mounts, false, async (root) => {
            const target: CopyTarget = {
              root,
              dest: destAbs,
              ...(owner ? { owner } : {}),
              ...(mode !== undefined ? { mode } : {}),
            };
            for (const m of matches.flat()) {
              if (c.kind === 'ADD' && m.stat.isFile()) {
                const kind = await archiveKind(m.abs);
                if (kind && c.unpack !== false) {
                  await unpackArchive(m.abs, kind, target);
                  continue;
                }
              }
              await copySource(tree, m, target, intoDir || (await isDirIn(root, destAbs)));
            }
            for (const f of fetched) {
              await copySource(
                { root: posix.dirname(f.path), scoped: false, label: 'url' },
                { rel: posix.basename(f.path), abs: f.path, stat: f.stat },
                { ...target, mode: mode ?? 0o600 },
                intoDir || (await isDirIn(root, destAbs)),
              );
            }
            for (const h of c.contents)
              await writeContent(target, h.name, h.expand ? x(h.data) : h.data, intoDir);
          });
        });
      } finally {
        for (const f of fetched) await f.cleanup();
      }
    };

    if (from === undefined) {
      if (!this.opts.context && sources.length > urls.length)
        throw fail(
          `failed to compute cache key: failed to calculate checksum of ref ${randomHex(16)}: "/${sources[0]}": not found`,
        );
      const tree = this.opts.context?.tree ?? { root: '/nonexistent', scoped: false, label: 'context' };
      await run(tree);
      return;
    }
    const fromStage = this.findStage(from, stage.index);
    if (fromStage) {
      const src = await this.start(fromStage);
      await this.withRoot(src.chainId, (root) => run({ root, scoped: true, label: from }));
      return;
    }
    if (/^\d+$/.test(from) || this.stages.some((s) => s.stage.name === from.toLowerCase()))
      throw fail(`invalid stage name or index: ${from}`);
    let image: ResolvedImage;
    const { normalize } = await import('../images/reference.js');
    let full = from;
    try {
      full = normalize(from);
    } catch {
      /* resolving reports the bad reference */
    }
    try {
      image = await this.image(from, false, full);
    } catch (err) {
      throw fail(`${full}: failed to resolve source metadata for ${full}: ${(err as Error).message}`);
    }
    await this.withRoot(image.chainId, (root) => run({ root, scoped: true, label: from }));
  }

  private async workdir(
    state: StageState,
    c: Command & { value: string },
    prefix: (t: string, onbuild: boolean) => string,
    onbuild: boolean,
  ): Promise<void> {
    let path: string;
    try {
      path = expand(state, c.value);
    } catch (err) {
      throw new BuildFailure((err as Error).message, { name: c.text, line: c.line });
    }
    const wd = normalizeWorkdir(state.config.WorkingDir ?? '', path);
    state.config.WorkingDir = wd;
    const vertex = this.opts.progress.vertex(prefix(`WORKDIR ${path}`, onbuild));
    if (wd === '/') {
      vertex.done();
      addHistory(state, `WORKDIR ${wd}`, false);
      return;
    }
    const user = state.config.User ?? '';
    const key = cacheKey({ v: 1, op: 'mkdir', parent: state.chainId, path: wd, user });
    await this.layerStep(state, key, vertex, `WORKDIR ${wd}`, async (_k, mounts) => {
      let owner: { uid: number; gid: number } | undefined;
      if (user) {
        const u = await resolveUser(mounts, user).catch(() => undefined);
        if (u) owner = { uid: u.uid, gid: u.gid };
      }
      await this.withMounted(mounts, false, async (root) => {
        await mkdirIn(root, wd, owner);
      });
    });
    // WORKDIR's history entry has no "# buildkit" marker: it is not a RUN-like step.
    const last = state.history[state.history.length - 1]!;
    last.created_by = `WORKDIR ${wd}`;
  }
}

const AUTO_ARGS = [
  'TARGETPLATFORM',
  'TARGETOS',
  'TARGETARCH',
  'TARGETVARIANT',
  'BUILDPLATFORM',
  'BUILDOS',
  'BUILDARCH',
  'BUILDVARIANT',
];

/** Go's %q-free quoting BuildKit uses in `process "…"`: the argv joined, quotes escaped. */
function goEscape(arg: string): string {
  return arg.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function summarize(content: string): string {
  const lines = content.split('\n').filter((l) => l.trim() !== '');
  const first = lines[0] ?? '';
  return lines.length > 1 ? `${first}...` : first;
}

async function isDirIn(root: string, dest: string): Promise<boolean> {
  const { hostPath, resolveInRoot } = await import('../container/tarfs.js');
  const { stat } = await import('node:fs/promises');
  const st = await stat(hostPath(root, await resolveInRoot(root, dest))).catch(() => undefined);
  return st?.isDirectory() ?? false;
}

/** Go's http.Client, which Docker's builder fetches with, stops after 10 redirects. */
const MAX_REDIRECTS = 10;
const REDIRECTS = [301, 302, 303, 307, 308];

/**
 * ADD <url>: fetched into a private temporary file (mode 0600, the server's Last-Modified as mtime),
 * through the proxy the environment names for the URL, as the registry's requests (http/request.ts).
 */
async function fetchUrl(
  url: string,
  tmpBase: string,
): Promise<{ path: string; digest: string; stat: import('node:fs').Stats; cleanup: () => Promise<void> }> {
  const { mkdtemp, utimes, stat, rm } = await import('node:fs/promises');
  const { createWriteStream } = await import('node:fs');
  const { createHash } = await import('node:crypto');
  const { pipeline } = await import('node:stream/promises');
  const { request, transportErrorText } = await import('../http/request.js');
  const signal = AbortSignal.timeout(30_000);
  const failed = (at: string, why: string) => new Error(`failed to load cache key: Get "${at}": ${why}`);
  const reason = (at: string, err: unknown) =>
    signal.aborted ? 'context deadline exceeded' : transportErrorText(at, err);
  let at = url;
  let res: Awaited<ReturnType<typeof request>>;
  for (let hops = 0; ; hops++) {
    try {
      res = await request({ method: 'GET', url: at, signal });
    } catch (err) {
      throw failed(at, reason(at, err));
    }
    const location = res.headers.location;
    if (!REDIRECTS.includes(res.status) || !location) break;
    res.body.resume();
    if (hops === MAX_REDIRECTS) throw failed(at, `stopped after ${MAX_REDIRECTS} redirects`);
    at = new URL(location, at).href;
  }
  if (res.status < 200 || res.status > 299) {
    res.body.resume();
    throw new Error(`failed to load cache key: invalid response status ${res.status}`);
  }
  const dir = await mkdtemp(join(tmpBase, `${process.pid}-url-`));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  const base = new URL(url).pathname.split('/').filter(Boolean).pop() ?? '__unnamed__';
  const path = join(dir, base);
  const hash = createHash('sha256');
  try {
    await pipeline(
      res.body,
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const c of chunks) {
          hash.update(c);
          yield c;
        }
      },
      createWriteStream(path, { mode: 0o600 }),
      { signal },
    );
  } catch (err) {
    await cleanup();
    throw failed(at, reason(at, err));
  }
  const lm = res.headers['last-modified'];
  if (lm) await utimes(path, new Date(lm), new Date(lm)).catch(() => undefined);
  return { path, digest: `sha256:${hash.digest('hex')}`, stat: await stat(path), cleanup };
}

/** The image config of the target stage, with history times filled as BuildKit's exporter does. */
export function imageConfigOf(state: StageState, extraLabels: Record<string, string>): ImageConfig {
  const config = structuredClone(state.config);
  if (Object.keys(extraLabels).length) config.Labels = { ...(config.Labels ?? {}), ...extraLabels };
  if (config.OnBuild === null) delete config.OnBuild;
  return {
    architecture: state.platform.architecture,
    ...(state.author ? { author: state.author } : {}),
    config,
    history: state.history,
    os: state.platform.os,
    rootfs: { type: 'layers', diff_ids: [...state.diffIds] },
    ...(state.platform.variant ? { variant: state.platform.variant } : {}),
  };
}
