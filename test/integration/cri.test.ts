/**
 * tsdock on a Kubernetes node: pods made by "a kubelet" — this test, speaking CRI to a private
 * containerd whose CRI plugin is enabled (test/harness/cri.ts) — seen through `tsdock -n k8s.io`:
 * listed with their pod's name and namespace, filtered by the kubelet's labels, inspected, their
 * CRI log files read, exec'd into, measured, and protected from `rm` without -f. The CRI protos
 * are checked against the live plugin on the way.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { argvFor, cli, repoRoot, target, testEnv, uniqueName, type Result } from '../harness/cli.js';
import { packTar } from '../harness/image.js';
import { until } from '../harness/wait.js';
import {
  cgroupLeft,
  CRI_NAMESPACE,
  removePod,
  runContainer,
  runPod,
  startCriNode,
  waitForImages,
  type CriNode,
  type Pod,
} from '../harness/cri.js';
import { startRegistry, type Registry } from '../harness/registry.js';
import { ContainerdClient } from '../../src/runtime/containerd/client.js';

const PAUSE = 'docker.io/tsdock/pause:cri-test';
interface Inspected {
  Id: string;
  Name: string;
  Image: string;
  LogPath: string;
  State: { Status: string; Running: boolean; Pid: number };
  Config: { Labels: Record<string, string> };
}

describe('a kubelet’s pods through CRI, seen by tsdock -n k8s.io', function () {
  this.timeout(120_000);
  let node: CriNode | undefined;
  let registry: Registry | undefined;
  let pulled = '';
  let pulledId = '';
  let work = '';
  const pods: Pod[] = [];
  let web: Pod;
  let app: { id: string; logPath: string };
  let other: { id: string; logPath: string };
  const podName = uniqueName('web');
  const otherName = uniqueName('db');
  const ns = 'shop';

  /** tsdock's arguments against the node's containerd, in the kubelet's namespace. */
  const k8sArgs = (args: string[]): string[] => [
    '--address',
    node!.daemon.address,
    '--namespace',
    CRI_NAMESPACE,
    '--data-root',
    join(work, 'data-root'),
    ...args,
  ];
  const k8s = (args: string[]): Result => cli(k8sArgs(args));
  const ok = (args: string[]): string => {
    const r = k8s(args);
    if (r.code !== 0) throw new Error(`tsdock ${args.join(' ')} exited ${r.code}\n${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  const appName = () => `k8s://${ns}/${podName}/app`;

  before(async function () {
    if (target !== 'tsdock') this.skip();
    this.timeout(180_000);
    work = mkdtempSync(join(tmpdir(), 'tsdock-it-cri-'));
    // An image for the plugin to pull, as a node pulls a pod's image: pushed from the suite's own
    // namespace to a registry on 127.0.0.1.
    registry = await startRegistry();
    pulled = `${registry.host}/tsdock-test/busybox:cri`;
    expect(cli(['tag', testEnv().image, pulled]).code).to.equal(0);
    const pushed = cli(['push', pulled]);
    cli(['rmi', pulled]);
    expect(pushed.code, pushed.stderr).to.equal(0);
    node = await startCriNode(PAUSE, registry.host);
    // The sandbox image, imported as an operator would without a registry: tsdock's own pause
    // binary (as kube play makes it).
    const pauseTar = join(work, 'pause.tar');
    writeFileSync(
      pauseTar,
      await packTar([
        { name: 'pause', mode: 0o755, data: readFileSync(join(repoRoot, 'dist', 'tsdock-pause')) },
      ]),
    );
    ok(['import', '-c', 'ENTRYPOINT ["/pause"]', pauseTar, PAUSE]);
    await waitForImages(node, [PAUSE]);
    pulledId = (await node.images.pullImage({ image: { image: pulled } })).imageRef;

    web = await runPod(node, { name: podName, namespace: ns, labels: { app: 'web' } });
    pods.push(web);
    app = await runContainer(node, web, {
      name: 'app',
      image: pulled,
      command: ['sh', '-c', 'echo hello-from-cri; echo oops >&2; exec sleep 3600'],
    });
    const db = await runPod(node, { name: otherName, namespace: ns });
    pods.push(db);
    other = await runContainer(node, db, { name: 'db', image: pulled, command: ['sleep', '3600'] });
    await until(
      () => existsSync(app.logPath) && readFileSync(app.logPath, 'utf8').includes('oops'),
      30_000,
      'the CRI log',
    );
  });

  after(async function () {
    this.timeout(120_000);
    const leftovers: string[] = [];
    try {
      if (node) leftovers.push(...(await takeDown(node)));
    } finally {
      await registry?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
    }
    expect(leftovers).to.deep.equal([]);
  });

  /** The pods as the kubelet removes them, then the node; what is left of either. */
  async function takeDown(n: CriNode): Promise<string[]> {
    const leftovers: string[] = [];
    try {
      for (const p of pods) {
        await removePod(n, p).catch((e: Error) => leftovers.push(`pod ${p.id}: ${e.message}`));
      }
      const client = new ContainerdClient(n.daemon.address, CRI_NAMESPACE);
      try {
        const left = (await client.containers.list()).map((c) => c.id);
        if (left.length) leftovers.push(`containers left: ${left.join(' ')}`);
      } finally {
        client.close();
      }
    } finally {
      const dir = n.daemon.dir;
      await n.stop();
      const mounts = readFileSync('/proc/mounts', 'utf8')
        .split('\n')
        .filter((l) => l.includes(dir));
      if (mounts.length) leftovers.push(`mounts left: ${mounts.join(' | ')}`);
      if (existsSync(dir)) leftovers.push(`${dir} left`);
      leftovers.push(...cgroupLeft(n.cgroupParent).map((c) => `cgroup left: ${c}`));
    }
    return leftovers;
  }

  it('CRI protos: Version and the fields of a container round-trip through the live plugin', async () => {
    const v = await node!.runtime.version({ version: 'v1' });
    expect(v.runtimeName).to.equal('containerd');
    expect(v.runtimeVersion).to.match(/^v?1\.6\./);
    expect(v.runtimeApiVersion).to.equal('v1');
    const { status } = await node!.runtime.containerStatus({ containerId: app.id, verbose: false });
    expect(status!.id).to.equal(app.id);
    expect(status!.metadata).to.deep.equal({ name: 'app', attempt: 0 });
    expect(status!.state).to.equal('CONTAINER_RUNNING');
    // Nanoseconds since the epoch, past 2^53: strings (jstype), compared as such numbers.
    const created = BigInt(status!.createdAt);
    expect(BigInt(status!.startedAt) > created).to.equal(true);
    expect(Number(created / 1_000_000n)).to.be.within(Date.now() - 120_000, Date.now());
    expect(status!.image!.image).to.equal(pulled);
    expect(status!.logPath).to.equal(app.logPath);
    expect(status!.labels).to.include({
      'io.kubernetes.pod.name': podName,
      'io.kubernetes.container.name': 'app',
    });
    expect(status!.annotations).to.include({ 'io.kubernetes.container.restartCount': '0' });
    const listed = await node!.runtime.listContainers({
      filter: { id: '', podSandboxId: web.id, labelSelector: { 'io.kubernetes.container.name': 'app' } },
    });
    expect(listed.containers.map((c) => [c.id, c.podSandboxId, c.state])).to.deep.equal([
      [app.id, web.id, 'CONTAINER_RUNNING'],
    ]);
    // The namespace options as sent: the node's network (NODE), a pid namespace of the container's
    // own (CONTAINER), the pod's ipc namespace (POD, the sandbox's).
    const client = new ContainerdClient(node!.daemon.address, CRI_NAMESPACE);
    const pids = new Map((await client.tasks.list()).map((t) => [t.id, t.pid]));
    client.close();
    const nsOf = (pid: number | string, kind: string) => readlinkSync(`/proc/${pid}/ns/${kind}`);
    const [appPid, sandboxPid] = [pids.get(app.id)!, pids.get(web.id)!];
    expect(nsOf(appPid, 'net')).to.equal(nsOf('self', 'net'));
    expect(nsOf(sandboxPid, 'net')).to.equal(nsOf('self', 'net'));
    expect(nsOf(appPid, 'pid')).to.not.equal(nsOf(sandboxPid, 'pid'));
    expect(nsOf(appPid, 'ipc')).to.equal(nsOf(sandboxPid, 'ipc'));
    expect(nsOf(appPid, 'ipc')).to.not.equal(nsOf('self', 'ipc'));
    // containerd 1.6 ignores ListImages' filter: the pause image is picked from the whole list.
    const { images } = await node!.images.listImages({ filter: { image: { image: PAUSE } } });
    const pause = images.filter((i) => i.repoTags.includes(PAUSE));
    expect(pause.length).to.equal(1);
    expect(pause[0]!.id).to.match(/^sha256:[0-9a-f]{64}$/);
    expect(pause[0]!.size).to.be.greaterThan(0);
    expect(ok(['images', '--no-trunc', '--format', '{{.ID}}', 'tsdock/pause:cri-test'])).to.equal(
      `${pause[0]!.id}\n`,
    );
  });

  it('ps lists the pods’ containers and sandboxes as k8s://NAMESPACE/POD[/CONTAINER]', () => {
    const out = ok(['ps', '--format', '{{.Names}}|{{.Image}}|{{.Command}}|{{.State}}']);
    const rows = out.split('\n');
    expect(rows, out).to.include(`${appName()}|${pulled}|"sh -c 'echo hello-f…"|running`);
    expect(rows, out).to.include(`k8s://${ns}/${podName}|${PAUSE}|"/pause"|running`);
    expect(rows, out).to.include(`k8s://${ns}/${otherName}/db|${pulled}|"sleep 3600"|running`);
    const table = ok(['ps']);
    expect(table).to.match(
      new RegExp(`^${app.id.slice(0, 12)}\\s+${pulled}\\s+"sh -c .*Up .*\\s+${appName()}$`, 'm'),
    );
    // The pod's name and namespace, from the kubelet's labels.
    expect(
      ok([
        'ps',
        '--filter',
        `id=${app.id}`,
        '--format',
        '{{.Label "io.kubernetes.pod.namespace"}}/{{.Label "io.kubernetes.pod.name"}}',
      ]),
    ).to.equal(`${ns}/${podName}\n`);
  });

  it('--filter label=io.kubernetes.pod.name selects one pod', () => {
    const names = ok([
      'ps',
      '-a',
      '--filter',
      `label=io.kubernetes.pod.name=${podName}`,
      '--format',
      '{{.Names}}',
    ])
      .split('\n')
      .filter(Boolean)
      .sort();
    expect(names).to.deep.equal([`k8s://${ns}/${podName}`, appName()]);
    expect(
      ok([
        'ps',
        '--filter',
        `label=io.kubernetes.pod.name=${podName}`,
        '--filter',
        'label=io.cri-containerd.kind=container',
        '--format',
        '{{.ID}}',
        '--no-trunc',
      ]),
    ).to.equal(`${app.id}\n`);
  });

  it('inspect shows the CRI labels, the running state, the pid and the CRI log file', () => {
    const doc = (JSON.parse(ok(['inspect', appName()])) as Inspected[])[0]!;
    expect(doc.Id).to.equal(app.id);
    expect(doc.Image).to.equal(pulled);
    expect(doc.Config.Labels).to.include({
      'io.kubernetes.pod.name': podName,
      'io.kubernetes.pod.namespace': ns,
      'io.kubernetes.container.name': 'app',
      'io.cri-containerd.kind': 'container',
    });
    expect(doc.State.Status).to.equal('running');
    expect(doc.State.Running).to.equal(true);
    expect(readFileSync(`/proc/${doc.State.Pid}/cmdline`, 'utf8')).to.equal('sleep\u00003600\u0000');
    expect(doc.LogPath).to.equal(app.logPath);
  });

  it('logs reads the CRI log file, stdout and stderr apart', () => {
    expect(k8s(['logs', appName()])).to.deep.equal({ stdout: 'hello-from-cri\n', stderr: 'oops\n', code: 0 });
    // The times are the plugin's, as written in the file (RFC 3339, nanoseconds).
    const written = readFileSync(app.logPath, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' '));
    // RFC3339Nano drops trailing zeros; Docker prints nine digits.
    const at = (stream: string) =>
      written
        .find((w) => w[1] === stream)![0]!
        .replace(/(?:\.(\d+))?Z$/, (_m, f: string | undefined) => `.${(f ?? '').padEnd(9, '0')}Z`);
    const t = k8s(['logs', '-t', appName()]);
    expect(t.stdout).to.equal(`${at('stdout')} hello-from-cri\n`);
    expect(t.stderr).to.equal(`${at('stderr')} oops\n`);
  });

  it('logs -f follows the CRI log file as the plugin writes it', async () => {
    const [cmd, argv] = argvFor(k8sArgs(['logs', '-f', appName()]));
    const follower = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    follower.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await until(() => out === 'hello-from-cri\n', 30_000, 'the log so far');
      // Written to the container's own stdout (the plugin's pipe), not exec's.
      ok(['exec', appName(), 'sh', '-c', 'echo written-later > /proc/1/fd/1']);
      await until(() => out === 'hello-from-cri\nwritten-later\n', 30_000, 'the new line');
      expect(follower.exitCode).to.equal(null);
    } finally {
      follower.kill('SIGINT');
    }
  });

  it('exec runs a command in the container', () => {
    expect(ok(['exec', appName(), 'sh', '-c', 'echo $((6*7)); cat /proc/1/cmdline | tr "\\0" " "'])).to.equal(
      '42\nsleep 3600 ',
    );
    const r = k8s(['exec', appName(), 'sh', '-c', 'exit 3']);
    expect(r.code).to.equal(3);
  });

  it('stats --no-stream measures the container in the cgroup the kubelet chose', () => {
    const row = ok([
      'stats',
      '--no-stream',
      '--format',
      '{{.Name}}|{{.MemUsage}}|{{.PIDs}}',
      appName(),
    ]).trim();
    const [name, mem, pids] = row.split('|');
    expect(name).to.equal(appName());
    expect(pids).to.equal('1');
    expect(mem).to.match(/^\d+(\.\d+)?(KiB|MiB|B) \/ \d+(\.\d+)?(GiB|MiB|TiB)$/);
    expect(mem).to.not.match(/^0B/);
    // Where the numbers come from: the pod's cgroup parent, which tsdock was never told.
    const pid = (JSON.parse(ok(['inspect', appName()])) as Inspected[])[0]!.State.Pid;
    expect(readFileSync(`/proc/${pid}/cgroup`, 'utf8')).to.include(`${node!.cgroupParent}/pod`);
  });

  it('images lists what the CRI plugin sees, as Docker shows it, and nothing else was pulled', async () => {
    const { images } = await node!.images.listImages({});
    expect(images.flatMap((i) => i.repoTags).sort()).to.deep.equal([PAUSE, pulled].sort());
    expect(images.find((i) => i.repoTags.includes(pulled))!.id).to.equal(pulledId);
    // One row per tag, its repository's digest beside it: not the plugin's id and digest names.
    const rows = ok([
      'images',
      '--digests',
      '--no-trunc',
      '--format',
      '{{.Repository}}:{{.Tag}} {{.Digest}} {{.ID}}',
    ]);
    const want = images.flatMap((i) =>
      i.repoTags.map((t) => {
        const repo = t.slice(0, t.lastIndexOf(':'));
        const digest = i.repoDigests.find((d) => d.startsWith(`${repo}@`))?.split('@')[1] ?? '<none>';
        return `${t.replace(/^docker\.io\//, '')} ${digest} ${i.id}`;
      }),
    );
    expect(rows.split('\n').filter(Boolean).sort()).to.deep.equal(want.sort());
    expect(images.find((i) => i.repoTags.includes(pulled))!.repoDigests.length).to.equal(1);
    expect(ok(['images', '-q', '--no-trunc']).split('\n').filter(Boolean).sort()).to.deep.equal(
      images.map((i) => i.id).sort(),
    );
    expect(ok(['images', '-a', '--format', '{{.Repository}}'])).to.not.include('registry.k8s.io');
    // inspect: the tag and the digest, not the plugin's id name; found by that id as well.
    const digest = images.find((i) => i.repoTags.includes(pulled))!.repoDigests[0]!;
    const doc = '{{json .RepoTags}} {{json .RepoDigests}} {{.Id}}';
    const inspected = `${JSON.stringify([pulled])} ${JSON.stringify([digest])} ${pulledId}\n`;
    expect(ok(['image', 'inspect', '-f', doc, pulled])).to.equal(inspected);
    expect(ok(['image', 'inspect', '-f', doc, pulledId])).to.equal(inspected);
    // The kubelet's running containers use it: not deleted, as Docker keeps an image in use.
    const rmi = k8s(['rmi', '-f', pulledId]);
    expect(rmi.code).to.equal(1);
    expect(rmi.stderr).to.match(
      new RegExp(
        `^Error response from daemon: conflict: unable to delete ${pulledId.slice(7, 19)} \\(cannot be forced\\) - ` +
          `image is being used by running container (${app.id.slice(0, 12)}|${other.id.slice(0, 12)})\\n$`,
      ),
    );
    expect(ok(['image', 'inspect', '-f', doc, pulledId])).to.equal(inspected);
  });

  it('rm refuses a kubelet’s container without -f and removes nothing; rm -f removes it', async () => {
    const name = `k8s://${ns}/${otherName}/db`;
    const refused = k8s(['rm', name]);
    expect(refused).to.deep.equal({
      stdout: '',
      stderr:
        `Error response from daemon: cannot remove container "${name}": it belongs to pod ${ns}/${otherName}, ` +
        'managed by a kubelet: delete the pod through Kubernetes, or force remove\n',
      code: 1,
    });
    expect(ok(['ps', '--format', '{{.Names}}'])).to.include(`${name}\n`);
    const { status } = await node!.runtime.containerStatus({ containerId: other.id, verbose: false });
    expect(status!.state).to.equal('CONTAINER_RUNNING');

    expect(ok(['rm', '-f', name])).to.equal(`${name}\n`);
    expect(ok(['ps', '-a', '--format', '{{.Names}}'])).to.not.include(`${name}\n`);
    const client = new ContainerdClient(node!.daemon.address, CRI_NAMESPACE);
    try {
      expect((await client.containers.list()).map((c) => c.id)).to.not.include(other.id);
      expect((await client.tasks.list()).map((t) => t.id)).to.not.include(other.id);
    } finally {
      client.close();
    }
    // What -f costs: containerd 1.6's CRI plugin still holds the container and cannot remove the
    // pod until containerd restarts and reloads what is left (docs/kube.md says so).
    const db = pods[1]!;
    await node!.runtime.stopPodSandbox({ podSandboxId: db.id });
    const stuck = await node!.runtime.removePodSandbox({ podSandboxId: db.id }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(stuck?.message).to.include(`get container info: container "${other.id}"`);
    await node!.restart();
    await node!.runtime.removePodSandbox({ podSandboxId: db.id });
    pods.splice(1, 1);
    expect(ok(['ps', '-a', '--format', '{{.Names}}'])).to.not.include(otherName);
    // The other pod went on running through the restart.
    expect(JSON.parse(ok(['inspect', '-f', '{{json .State.Running}}', appName()]))).to.equal(true);
  });

  it('the node leaves nothing of tsdock’s own in k8s.io', () => {
    // tsdock kept no record of the kubelet's containers: only its event journal, if anything.
    const dataRoot = join(work, 'data-root', CRI_NAMESPACE);
    const own = existsSync(join(dataRoot, 'containers')) ? readdirSync(join(dataRoot, 'containers')) : [];
    expect(own).to.deep.equal([]);
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).to.not.include(podName);
  });
});
