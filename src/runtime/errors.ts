/**
 * One error class per failure kind. The exit code lives on the class, so mapping an error to the
 * process status happens in exactly one place (`exitCodeOf`), whatever layer threw it.
 *
 * Messages are what the user sees as one line on stderr; they follow Docker's wording where Docker
 * has one, because scripts grep for it.
 */
export abstract class TsdockError extends Error {
  abstract readonly exitCode: number;
  /** Extra line printed after the message (e.g. "See 'tsdock run --help'."). */
  hint?: string;
  /** Raised while reading flags: shown as pflag shows it, even inside `run`. */
  flagError?: boolean;
  constructor(message: string, options?: { cause?: unknown; hint?: string }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    if (options?.hint) this.hint = options.hint;
  }
}

/** A bad flag, a bad value, a bad reference: the user can fix the command line. Docker: 125. */
export class UsageError extends TsdockError {
  readonly exitCode = 125;
}

/** An object named by the user does not exist (container, image, network). Docker CLI: 1. */
export class NotFoundError extends TsdockError {
  readonly exitCode: number = 1;
}

/**
 * An image missing (or not for --platform) on `run`/`create`: the daemon's "not found", status 1
 * from `create` as docker/cli returns it; `run` turns it into 125 as it does every failure.
 */
export class ImageNotFoundError extends NotFoundError {}

/** Something already exists or is in a state that forbids the action (name in use, container running). */
export class ConflictError extends TsdockError {
  readonly exitCode: number = 1;
}

/** containerd is not reachable or answered with an internal failure. */
export class DaemonError extends TsdockError {
  readonly exitCode: number = 125;
}

/**
 * containerd's socket cannot be used: not there, nobody listening, or not this user's to use.
 * Docker's CLI exits 1 when it cannot reach its daemon (`run` still makes it 125).
 */
export class DaemonUnreachableError extends DaemonError {
  override readonly exitCode: number = 1;
}

/** The container's command cannot be invoked (permission denied, is a directory). */
export class CannotInvokeError extends TsdockError {
  readonly exitCode = 126;
}

/** The container's command was not found. */
export class CommandNotFoundError extends TsdockError {
  readonly exitCode = 127;
}

/**
 * A host path the user named for the container does not exist (`--device /dev/nope`): Docker's CLI
 * reads "no such file or directory" in the daemon's answer as 127.
 */
export class HostPathNotFoundError extends TsdockError {
  readonly exitCode = 127;
}

/** A kernel-side operation (mount, netns, iptables, cgroup write) failed. */
export class SystemError extends TsdockError {
  readonly exitCode = 125;
}

/** A template given to --format failed to parse or execute. Docker exits 1 (inspect: 64 on parse). */
export class TemplateError extends TsdockError {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** One object of a command over several (`rm a b c`) that failed, with what it failed with. */
export interface Failure {
  ref: string;
  error: Error;
}

/**
 * Some objects of a command over several (`rm a b c`) failed: the failures, each as its own error,
 * and what was done (the objects, or what became of them: the command still reports it). The message is the failures'
 * lines, in argument order, then `summary` if any (Docker's CLI joins them into one error); the
 * command ends with status 1 as Docker's does.
 */
export class PartialFailureError<Done = string> extends TsdockError {
  readonly exitCode = 1;
  constructor(
    readonly failures: Failure[],
    readonly done: Done[] = [],
    summary?: string,
  ) {
    super([...failures.map((f) => f.error.message), ...(summary ? [summary] : [])].join('\n'));
  }
}

/** The process inside the container decided the status (`run` in the foreground, `wait`). */
export class ContainerExit extends TsdockError {
  readonly exitCode: number;
  constructor(code: number) {
    super('');
    this.exitCode = code;
  }
}

/**
 * A record of tsdock's own state is unreadable (cut short, not JSON, written by a newer tsdock):
 * named in the message, so the one line says which file to look at. Commands that list or clean
 * up go on with the rest and deal with this record as damaged.
 */
export class CorruptRecordError extends TsdockError {
  readonly exitCode = 1;
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`damaged record ${path}: ${reason}`);
  }
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof TsdockError) return err.exitCode;
  return 1;
}

/**
 * `run` reports every failure before the container's own process runs as 125 (Docker's
 * toStatusError), except the "cannot invoke"/"not found" cases that keep 126/127, and prints it as
 * docker/cli's reportError does: `docker: <message>`, a blank line, where to get help. Flag errors keep pflag's form.
 */
export class RunFailure extends TsdockError {
  readonly exitCode: number;
  constructor(message: string, exitCode: number, options?: { cause?: unknown; hint?: string }) {
    super(message, options);
    this.exitCode = exitCode;
  }
}

export function asRunFailure(err: unknown, command = 'run'): unknown {
  if (!(err instanceof TsdockError) || err.flagError) return err;
  if (err instanceof ContainerExit || err instanceof PartialFailureError || err instanceof RunFailure)
    return err;
  const code = err.exitCode === 126 || err.exitCode === 127 ? err.exitCode : 125;
  return new RunFailure(`tsdock: ${err.message}`, code, {
    cause: err,
    hint: `\nRun 'tsdock ${command} --help' for more information`,
  });
}

/** Words on the command line that name no command (docker/cli 28: status 1). */
export class UnknownCommandError extends TsdockError {
  readonly exitCode = 1;
}

/** Wrong number of positional arguments: docker/cli's RequiresMinArgs errors exit 1, not 125. */
export class ArgumentCountError extends TsdockError {
  readonly exitCode = 1;
}

/**
 * A request the engine refused or could not carry out (a bad archive, a malformed reference on
 * `tag`/`pull`): Docker's CLI reports those with status 1 (`run` still turns them into 125).
 */
export class RequestError extends TsdockError {
  readonly exitCode = 1;
}

/** A build that failed (a step, the Dockerfile, the context): BuildKit's `ERROR: failed to solve: …`, exit 1. */
export class BuildError extends TsdockError {
  readonly exitCode = 1;
}

/** The user typed the detach keys: the container keeps running, Docker's CLI reports it and exits 1. */
export class DetachedError extends TsdockError {
  readonly exitCode = 1;
}

/**
 * A registry refused or could not serve a request (unknown manifest, authentication, unreachable):
 * `pull`/`push`/`login` exit 1 as Docker's CLI does; `run` turns it into 125 (asRunFailure).
 */
export class RegistryError extends TsdockError {
  readonly exitCode = 1;
}

/** `-it` without a terminal to read from (docker/cli CheckTty). */
export class NotATerminalError extends TsdockError {
  readonly exitCode = 1;
}

/**
 * A compose project that cannot be loaded: no file, bad YAML, a value the compose-spec schema
 * rejects, an undefined variable marked required, a reference to an undefined service. `docker
 * compose` (v2.33 and later) exits 1 for all of them; nothing is created.
 */
export class ComposeError extends TsdockError {
  readonly exitCode = 1;
}
