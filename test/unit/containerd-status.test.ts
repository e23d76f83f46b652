/** gRPC statuses as tsdock's errors (containerd's errdefs), in the one place they are mapped. */
import { expect } from 'chai';
import { GrpcStatus, grpcCode, statusError } from '../../src/runtime/containerd/status.js';
import { ConflictError, DaemonError, NotFoundError } from '../../src/runtime/errors.js';

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

  it('grpcCode is undefined for anything that is not a failed call', () => {
    expect(grpcCode(new Error('x'))).to.equal(undefined);
    expect(grpcCode(undefined)).to.equal(undefined);
    expect(grpcCode({ grpcCode: '5' })).to.equal(undefined);
    expect(grpcCode(Object.assign(new Error('y'), { grpcCode: 6 }))).to.equal(6);
  });
});
