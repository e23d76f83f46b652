/** What tsdock makes of another client's container from containerd's record and task alone. */
import { expect } from 'chai';
import type { Container, Process } from '../../src/runtime/containerd/types.js';
import {
  foreignLog,
  foreignName,
  foreignRecord,
  foreignState,
  kubeletPod,
  processStartTime,
} from '../../src/runtime/container/foreign.js';

function container(over: Partial<Container> = {}): Container {
  return {
    id: 'c1',
    labels: {},
    image: 'docker.io/library/nginx:alpine',
    runtime: { name: 'io.containerd.runc.v2' },
    spec: { ociVersion: '1.0.2', process: { args: ['nginx', '-g', 'daemon off;'], terminal: false } },
    snapshotter: 'overlayfs',
    snapshotKey: 'c1',
    createdAt: new Date('2024-05-01T10:00:00.123Z'),
    extensions: {},
    ...over,
  };
}

function task(over: Partial<Process> = {}): Process {
  return {
    containerId: 'c1',
    id: 'c1',
    pid: 0,
    status: 'STOPPED',
    stdin: '',
    stdout: '',
    stderr: '',
    terminal: false,
    exitStatus: 0,
    ...over,
  };
}

describe('containers of other clients', () => {
  it('are named as nerdctl names them', () => {
    const k8s = { 'io.kubernetes.pod.namespace': 'shop', 'io.kubernetes.pod.name': 'web-0' };
    expect(foreignName({ id: 'abc', labels: {} })).to.equal('abc');
    expect(foreignName({ id: 'abc', labels: { ...k8s, 'io.kubernetes.container.name': 'app' } })).to.equal(
      'k8s://shop/web-0/app',
    );
    expect(foreignName({ id: 'abc', labels: k8s })).to.equal('k8s://shop/web-0');
    expect(foreignName({ id: 'abc', labels: { 'io.kubernetes.pod.name': 'web-0' } })).to.equal('abc');
    expect(foreignName({ id: 'abc', labels: { 'nerdctl/name': 'db', ...k8s } })).to.equal('db');
    expect(foreignName({ id: 'abc', labels: { 'tsdock/name': 'x' } })).to.equal('x');
  });

  it("a kubelet's are known by the CRI plugin's kind label, with their pod", () => {
    const k8s = { 'io.kubernetes.pod.namespace': 'shop', 'io.kubernetes.pod.name': 'web-0' };
    expect(kubeletPod({ ...k8s, 'io.cri-containerd.kind': 'container' })).to.deep.equal({
      namespace: 'shop',
      pod: 'web-0',
      kind: 'container',
    });
    expect(kubeletPod({ ...k8s, 'io.cri-containerd.kind': 'sandbox' })?.kind).to.equal('sandbox');
    // The kubelet's labels alone (copied by hand, or another tool's) do not make it the kubelet's.
    expect(kubeletPod(k8s)).to.equal(undefined);
    expect(kubeletPod({})).to.equal(undefined);
  });

  it('show the command from the spec, the image and labels from the record', () => {
    const c = container({ labels: { a: 'b', 'io.containerd.image.config.stop-signal': 'SIGQUIT' } });
    const r = foreignRecord({ id: 'c1', name: 'c1', container: c });
    expect([r.path, ...r.args]).to.deep.equal(['nginx', '-g', 'daemon off;']);
    expect(r.imageRef).to.equal('docker.io/library/nginx:alpine');
    expect(r.created).to.equal('2024-05-01T10:00:00.123Z');
    expect(r.config.Labels).to.deep.equal(c.labels);
    expect(r.stopSignal).to.equal('SIGQUIT');
    const bare = foreignRecord({ id: 'c2', name: 'c2', container: container({ spec: undefined }) });
    expect([bare.path, bare.args, bare.stopSignal]).to.deep.equal(['', [], 'SIGTERM']);
  });

  it('have the state their task says', () => {
    const c = container();
    expect(foreignState({ container: c }).status).to.equal('created');
    expect(foreignState({ container: c, task: task({ status: 'CREATED' }) }).status).to.equal('created');
    const exited = foreignState({
      container: c,
      task: task({ status: 'STOPPED', exitStatus: 3, exitedAtNanos: 1714557601_500000000n }),
    });
    expect(exited).to.include({ status: 'exited', exitCode: 3, finishedAt: '2024-05-01T10:00:01.5Z' });
    // No start time is recorded: the creation time stands in, so the status reads Exited.
    expect(exited.startedAt).to.equal('2024-05-01T10:00:00.123Z');
    const running = foreignState({ container: c, task: task({ status: 'RUNNING', pid: process.pid }) });
    expect(running).to.include({ status: 'running', pid: process.pid });
    const started = Date.parse(running.startedAt);
    expect(started).to.be.within(Date.now() - process.uptime() * 1000 - 1000, Date.now());
    expect(foreignState({ container: c, task: task({ status: 'PAUSED', pid: 1 }) }).status).to.equal(
      'paused',
    );
    expect(foreignState({ container: c, task: task({ status: 'UNKNOWN' }) }).status).to.equal('dead');
  });

  it("take a process's start time from /proc", () => {
    const t = processStartTime(process.pid)!;
    expect(Math.abs(t.getTime() - (Date.now() - process.uptime() * 1000))).to.be.below(1000);
    expect(processStartTime(0)).to.equal(undefined);
  });

  it('have a log where the CRI plugin or a file URI says, none behind a FIFO', () => {
    const meta = (v: unknown) => ({
      'io.cri-containerd.container.metadata': {
        typeUrl: 'github.com/containerd/cri/pkg/store/container/Metadata',
        value: Buffer.from(JSON.stringify(v)),
      },
    });
    const cri = container({
      extensions: meta({ Version: 'v1', Metadata: { LogPath: '/var/log/pods/x/app/0.log' } }),
    });
    expect(foreignLog({ container: cri })).to.deep.equal({
      path: '/var/log/pods/x/app/0.log',
      format: 'cri',
    });
    expect(foreignLog({ container: container({ extensions: meta({ Version: 'v1' }) }) })).to.equal(undefined);
    const damaged = container({
      extensions: { 'io.cri-containerd.container.metadata': { typeUrl: 'x', value: Buffer.from('{') } },
    });
    expect(foreignLog({ container: damaged })).to.equal(undefined);
    expect(
      foreignLog({ container: container(), task: task({ stdout: 'file:///tmp/a%20b.log' }) }),
    ).to.deep.equal({
      path: '/tmp/a b.log',
      format: 'raw',
    });
    expect(
      foreignLog({ container: container(), task: task({ stdout: '/run/containerd/fifo/1/c1-stdout' }) }),
    ).to.equal(undefined);
    expect(
      foreignLog({ container: container(), task: task({ stdout: 'binary:///usr/bin/logger' }) }),
    ).to.equal(undefined);
  });
});
