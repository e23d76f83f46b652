/**
 * What a failed containerd call looks like to the rest of tsdock: one of tsdock's error classes
 * (NotFoundError, ConflictError, DaemonError) carrying the gRPC status code as `grpcCode`, for the
 * few callers that tell codes apart beyond the class (an ingest that is locked, a blob that exists).
 * The mapping follows containerd's errdefs. No gRPC library is loaded here: callers that only test
 * an error's code do not pull the transport in.
 */
import { ConflictError, DaemonError, NotFoundError, type TsdockError } from '../errors.js';
import { unreachable } from './socket.js';

/** gRPC status codes (google.rpc.Code) that tsdock tells apart. */
export const GrpcStatus = {
  CANCELLED: 1,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  FAILED_PRECONDITION: 9,
  UNAVAILABLE: 14,
} as const;

export type GrpcError = TsdockError & { grpcCode: number };

/** The gRPC status of a failed containerd call, if `err` is one. */
export function grpcCode(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null || !('grpcCode' in err)) return undefined;
  return typeof err.grpcCode === 'number' ? err.grpcCode : undefined;
}

/** grpc-js's own wording when the channel cannot reach (or loses) the socket. */
const NO_CONNECTION =
  /No connection established|connect E[A-Z]+|Connection dropped|Failed to connect|Connection refused/i;

/** tsdock's error for a call to containerd at `address` that ended with status `code`. */
export function statusError(code: number, details: string, address: string, cause: unknown): GrpcError {
  let mapped: TsdockError;
  switch (code) {
    case GrpcStatus.NOT_FOUND:
      mapped = new NotFoundError(details, { cause });
      break;
    case GrpcStatus.ALREADY_EXISTS:
    case GrpcStatus.FAILED_PRECONDITION:
      mapped = new ConflictError(details, { cause });
      break;
    case GrpcStatus.UNAVAILABLE:
      // containerd itself answers UNAVAILABLE too (e.g. "ttrpc: closed" from a dead shim): only a
      // failure to reach the socket means containerd is not running.
      mapped = NO_CONNECTION.test(details)
        ? unreachable(address, /connect (E[A-Z]+)/.exec(details)?.[1], cause)
        : new DaemonError(details, { cause });
      break;
    default:
      mapped = new DaemonError(explain(details), { cause });
  }
  return Object.assign(mapped, { grpcCode: code });
}

/** containerd's words for a kernel feature the host lacks, with the feature named. */
function explain(details: string): string {
  if (/snapshotter not loaded: overlayfs/.test(details))
    return (
      "containerd's overlayfs snapshotter is not loaded: the kernel needs overlay filesystem support " +
      `('modprobe overlay'), on a filesystem overlayfs can use (${details})`
    );
  return details;
}
