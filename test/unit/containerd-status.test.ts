/** gRPC statuses as tsdock's errors (containerd's errdefs), in the one place they are mapped. */
import { expect } from 'chai';
import { GrpcStatus, grpcCode, statusError } from '../../src/runtime/containerd/status.js';
import {
  ConflictError,
  DaemonError,
  DaemonUnreachableError,
  NotFoundError,
} from '../../src/runtime/errors.js';
import { classifyStartError } from '../../src/runtime/container/start.js';

describe('containerd status → tsdock errors', () => {
  const map = (code: number, details: string) => statusError(code, details, '/run/c.sock', undefined);

  it('maps errdefs kinds to error classes, keeping the message and the code', () => {
    const nf = map(GrpcStatus.NOT_FOUND, 'container "x": not found');
    expect(nf).to.be.instanceOf(NotFoundError);
    expect(nf.message).to.equal('container "x": not found');
    expect(grpcCode(nf)).to.equal(5);
    expect(map(GrpcStatus.ALREADY_EXISTS, 'exists')).to.be.instanceOf(ConflictError);
    expect(map(GrpcStatus.FAILED_PRECONDITION, 'in use')).to.be.instanceOf(ConflictError);
    const other = map(13, 'runc failed');
    expect(other).to.be.instanceOf(DaemonError);
    expect(other.exitCode).to.equal(125);
    expect(grpcCode(other)).to.equal(13);
  });

  it('an unreachable socket says how to start containerd; UNAVAILABLE from containerd itself does not', () => {
    const down = map(
      GrpcStatus.UNAVAILABLE,
      'No connection established. Last error: connect ENOENT /run/c.sock',
    );
    expect(down).to.be.instanceOf(DaemonError);
    expect(down.message).to.equal(
      "Cannot connect to containerd at unix:///run/c.sock: is containerd running? Start it with 'containerd &' or 'systemctl start containerd'.",
    );
    expect(map(GrpcStatus.UNAVAILABLE, 'ttrpc: closed').message).to.equal('ttrpc: closed');
  });

  it("a socket this user may not use is Docker's 'permission denied' line, status 1", () => {
    const denied = map(
      GrpcStatus.UNAVAILABLE,
      'No connection established. Last error: connect EACCES /run/c.sock',
    );
    expect(denied).to.be.instanceOf(DaemonUnreachableError);
    expect(denied.exitCode).to.equal(1);
    expect(denied.message).to.equal(
      'permission denied while trying to connect to the containerd socket at unix:///run/c.sock',
    );
    expect(map(GrpcStatus.UNAVAILABLE, 'connect ECONNREFUSED /run/c.sock').exitCode).to.equal(1);
  });

  it('a kernel without overlay support is named', () => {
    expect(map(2, 'snapshotter not loaded: overlayfs: invalid argument').message).to.match(
      /^containerd's overlayfs snapshotter is not loaded: the kernel needs overlay filesystem support \('modprobe overlay'\)/,
    );
  });

  it('grpcCode is undefined for anything that is not a failed call', () => {
    expect(grpcCode(new Error('x'))).to.equal(undefined);
    expect(grpcCode(undefined)).to.equal(undefined);
    expect(grpcCode({ grpcCode: '5' })).to.equal(undefined);
    expect(grpcCode(Object.assign(new Error('y'), { grpcCode: 6 }))).to.equal(6);
  });
});

describe("a failed start: the host's missing parts named, the container's own failures as Docker's", () => {
  const unable =
    'OCI runtime create failed: unable to retrieve OCI runtime error (open /x/log.json: no such file or directory): ';
  it('runc or the shim not installed', () => {
    const runc = classifyStartError(
      `failed to create shim task: ${unable}exec: "runc": executable file not found in $PATH: unknown`,
    );
    expect(runc.exitCode).to.equal(125);
    expect(runc.message).to.match(
      /^runc is not installed where containerd looks for it: .*\('apt-get install runc'/,
    );
    expect(runc.message).to.match(/\(exec: "runc": executable file not found in \$PATH: unknown\)$/);
    const shim = classifyStartError(
      'failed to start shim: start failed: exec: "containerd-shim-runc-v2": executable file not found in $PATH: unknown',
    );
    expect(shim.message).to.match(
      /^containerd-shim-runc-v2 \(containerd's shim for runc\) is not on containerd's PATH/,
    );
  });

  it('a cgroup controller the kernel does not offer', () => {
    const err = classifyStartError(
      `${unable.slice(0, 27)}runc create failed: unable to start container process: error during container init: openat2 /sys/fs/cgroup/tsdock/abc/memory.max: no such file or directory: unknown`,
    );
    expect(err.exitCode).to.equal(125);
    expect(err.message).to.match(
      /^the kernel's memory cgroup controller is not available to containers \(memory\.max does not exist\)/,
    );
  });

  it("the container's own command keeps Docker's 127 and 126", () => {
    expect(classifyStartError('exec: "nope": executable file not found in $PATH').exitCode).to.equal(127);
    expect(classifyStartError('exec: "/etc": is a directory').exitCode).to.equal(126);
  });
});
