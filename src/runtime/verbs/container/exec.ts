/**
 * `exec`: an extra process in a running container (containerd's task Exec + Start + Wait for the
 * exec id). Its spec is the container's process with Docker's exec overrides; its output is not
 * logged, so this client reads the FIFOs itself and there is no monitor.
 */
import { randomHex } from '../../state/ids.js';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RuntimeContext } from '../../context.js';
import {
  CannotInvokeError,
  CommandNotFoundError,
  ConflictError,
  ContainerExit,
  DetachedError,
  TsdockError,
  UsageError,
} from '../../errors.js';
import { parseKeyValueFile, validateEnv, type Lookup } from '../../opts/kvfile.js';
import { currentCapabilities, knownCapabilities } from '../../opts/caps.js';
import { processEnv } from '../../spec/build.js';
import type { OciProcess, OciSpec } from '../../spec/types.js';
import { resolveUser } from '../../container/rootfs.js';
import { runSession } from '../../container/session.js';
import { makeFifos, OutputFifos } from '../../container/stdio.js';
import { foreignRecord } from '../../container/foreign.js';
import { getTask, isForeign, resolveContainer } from '../../container/store.js';
import { checkTty, DEFAULT_DETACH_KEYS, parseDetachKeys, type TerminalSize } from '../../container/tty.js';
import { recordEvent } from '../../events/record.js';

export interface ExecRequest {
  container: string;
  command: string[];
  interactive: boolean;
  tty: boolean;
  detach: boolean;
  env: string[];
  envFile: string[];
  workdir?: string;
  user?: string;
  privileged: boolean;
  detachKeys?: string;
}

/** The -e/--env-file entries in Docker's order (files first), bare names looked up in the caller's env. */
export function execEnv(req: Pick<ExecRequest, 'env' | 'envFile'>, env: NodeJS.ProcessEnv): string[] {
  const lookup: Lookup = (k) => env[k];
  const wrap = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  };
  return [
    ...req.envFile.flatMap((f) => wrap(() => parseKeyValueFile(f, lookup))),
    ...req.env.map((e) => wrap(() => validateEnv(e, lookup))),
  ];
}

/**
 * Docker's exec process (moby daemon/exec_linux.go): the container's process with the new args,
 * environment (daemon defaults, the container's Env, then the exec's), working directory, user,
 * terminal, and every capability with --privileged.
 */
export function execProcessSpec(
  base: OciProcess,
  opts: {
    args: string[];
    containerEnv: string[];
    extraEnv: string[];
    hostname: string;
    tty: boolean;
    /** The legacy links' variables of the container's run (Docker gives them to exec'd processes too). */
    linkEnv?: string[];
    cwd?: string;
    user?: { uid: number; gid: number; additionalGids: number[] };
    privileged: boolean;
    /** What --privileged grants: the capabilities this host's root has. */
    hostCaps?: string[];
    consoleSize?: TerminalSize;
  },
): OciProcess & { consoleSize?: { height: number; width: number } } {
  const p: OciProcess & { consoleSize?: { height: number; width: number } } = structuredClone(base);
  p.args = opts.args;
  p.terminal = opts.tty;
  p.env = processEnv([...opts.containerEnv, ...opts.extraEnv], opts.hostname, opts.tty, opts.linkEnv);
  p.cwd = opts.cwd || base.cwd || '/';
  if (opts.user) {
    p.user = {
      uid: opts.user.uid,
      gid: opts.user.gid,
      ...(opts.user.additionalGids.length ? { additionalGids: opts.user.additionalGids } : {}),
    };
  }
  if (opts.privileged) {
    const all = opts.hostCaps ?? knownCapabilities();
    p.capabilities = { bounding: all, effective: all, permitted: all };
  } else if (opts.user && opts.user.uid !== 0 && p.capabilities) {
    // As for the container's own process: a non-root user starts with the bounding set only.
    p.capabilities = { bounding: p.capabilities.bounding ?? [] };
  }
  if (opts.tty && opts.consoleSize)
    p.consoleSize = { height: opts.consoleSize.height, width: opts.consoleSize.width };
  else delete p.consoleSize;
  return p;
}

/**
 * What --privileged grants an exec'd process: the capabilities tsdock has. runc cannot hand one
 * that tsdock itself lacks (a sandboxed host may drop some); it would fail with "unable to apply caps".
 */
export async function hostCapabilities(): Promise<string[]> {
  return currentCapabilities();
}

/** What `exec` prints when the process could not be started; 127/126 as `run` has them. */
export function classifyExecError(message: string): TsdockError {
  const text = message.replace(/^Error response from daemon: /, '');
  if (/executable file not found|no such file or directory/i.test(text))
    return new CommandNotFoundError(text);
  if (/permission denied|is a directory|exec format error/i.test(text)) return new CannotInvokeError(text);
  return new CannotInvokeError(text);
}

export async function execInContainer(ctx: RuntimeContext, req: ExecRequest): Promise<void> {
  const detachKeys = parseDetachKeys(req.detachKeys || DEFAULT_DETACH_KEYS);
  if (!req.detach) checkTty(ctx.stdio, req.interactive, req.tty);
  const extraEnv = execEnv(req, process.env);
  const target = await resolveContainer(ctx, req.container);
  // Another client's container: what containerd knows stands in for tsdock's record, and the
  // FIFOs go beside the containers' directories (they are removed when the exec ends).
  const found = isForeign(target)
    ? {
        id: target.id,
        container: target.container,
        record: foreignRecord(target),
        ioDir: join(ctx.stateDir, 'exec'),
        env: undefined,
        linkEnv: undefined,
      }
    : {
        ...target,
        ioDir: join(target.files.dir, 'exec'),
        env: (target.record.config.Env as string[] | null | undefined) ?? [],
        linkEnv: target.files.readStateOrDead().linkEnv,
      };
  const client = await ctx.client();
  const task = await getTask(client, found.id);
  if (!task || task.status === 'STOPPED' || task.status === 'CREATED' || task.status === 'UNKNOWN')
    throw new ConflictError(`Error response from daemon: container ${found.id} is not running`);
  if (task.status === 'PAUSED' || task.status === 'PAUSING')
    throw new ConflictError(
      `Error response from daemon: Container ${req.container} is paused, unpause the container before exec`,
    );

  const container = await client.containers.get(found.id);
  const spec = (typeof container.spec === 'string' ? JSON.parse(container.spec) : container.spec) as OciSpec;
  const userSpec = req.user;
  const user =
    userSpec !== undefined && userSpec !== ''
      ? await resolveUser(
          await client.snapshots.mounts(
            found.container.snapshotKey || found.id,
            found.container.snapshotter || undefined,
          ),
          userSpec,
          (found.record.hostConfig.GroupAdd as string[] | null | undefined) ?? [],
        )
      : undefined;
  const stdout = ctx.stdio.stdout as NodeJS.WriteStream;
  const localSize = req.tty && stdout.isTTY ? { width: stdout.columns, height: stdout.rows } : undefined;
  const processSpec = execProcessSpec(spec.process, {
    args: req.command,
    containerEnv: found.env ?? spec.process.env ?? [],
    extraEnv,
    hostname: spec.hostname ?? String(found.record.config.Hostname ?? ''),
    tty: req.tty,
    linkEnv: found.linkEnv,
    cwd: req.workdir,
    user,
    privileged: req.privileged,
    hostCaps: req.privileged ? await hostCapabilities() : undefined,
    consoleSize: localSize,
  });

  const execId = randomHex(32);
  const ioDir = found.ioDir;
  const fifo = (name: string) => join(ioDir, `${execId.slice(0, 16)}-${name}`);
  const paths: { stdin?: string; stdout?: string; stderr?: string } = req.detach
    ? {}
    : {
        stdout: fifo('stdout'),
        ...(req.tty ? {} : { stderr: fifo('stderr') }),
        ...(req.interactive ? { stdin: fifo('stdin') } : {}),
      };
  const created = [paths.stdout, paths.stderr, paths.stdin].filter((p): p is string => p !== undefined);
  const cleanup = () => Promise.all(created.map((p) => rm(p, { force: true })));
  await mkdir(ioDir, { recursive: true, mode: 0o700 });
  await makeFifos(created);

  const outputs = [
    paths.stdout ? { path: paths.stdout, to: ctx.stdio.stdout } : undefined,
    paths.stderr ? { path: paths.stderr, to: ctx.stdio.stderr } : undefined,
  ].filter((x) => x !== undefined);
  let fifos: OutputFifos | undefined;
  try {
    fifos = new OutputFifos(outputs.map((o) => o.path));
    const readers = fifos.streams;
    const outputDone = Promise.all(
      outputs.map(
        ({ to }, i) =>
          new Promise<void>((resolve) => {
            const r = readers[i]!;
            r.on('data', (d: Buffer) => {
              if (!to.write(d)) {
                r.pause();
                to.once('drain', () => r.resume());
              }
            });
            r.once('end', resolve);
            r.once('error', () => resolve());
            r.once('close', () => resolve());
          }),
      ),
    );

    await client.tasks.exec({
      containerId: found.id,
      execId,
      stdin: paths.stdin,
      stdout: paths.stdout,
      stderr: paths.stderr,
      terminal: req.tty,
      spec: processSpec,
    });
    // dockerd's action text: the entrypoint, a space, the arguments (so `true` becomes "true ").
    const shown = `${req.command[0] ?? ''} ${req.command.slice(1).join(' ')}`;
    const execAttrs = { execID: execId };
    await recordEvent(ctx, found.record, `exec_create: ${shown}`, execAttrs);
    // Wait before Start: a process that exits at once must not be missed.
    const waited = client.tasks.wait(found.id, execId);
    waited.catch(() => undefined);
    try {
      await fifos.opening(() => client.tasks.start(found.id, execId));
    } catch (err) {
      await client.tasks.deleteProcess(found.id, execId).catch(() => undefined);
      throw err instanceof TsdockError ? classifyExecError(err.message) : err;
    }
    await recordEvent(ctx, found.record, `exec_start: ${shown}`, execAttrs);
    if (req.detach) return;

    const end = await runSession(ctx, {
      tty: req.tty,
      stdinPath: paths.stdin,
      closeStdin: () => client.tasks.closeIO(found.id, execId),
      detachKeys,
      resize: (s) => client.tasks.resizePty(found.id, s.width, s.height, execId),
      outputDone,
    });
    if (end === 'detached') {
      await recordEvent(ctx, found.record, 'exec_detach', execAttrs);
      throw new DetachedError('read escape sequence');
    }
    const { exitStatus } = await waited;
    await recordEvent(ctx, found.record, 'exec_die', { ...execAttrs, exitCode: String(exitStatus) });
    await client.tasks.deleteProcess(found.id, execId).catch(() => undefined);
    if (exitStatus !== 0) throw new ContainerExit(exitStatus);
  } finally {
    // Every way out, the exec refused included: the streams must not keep this process alive.
    fifos?.close();
    await cleanup();
  }
}
