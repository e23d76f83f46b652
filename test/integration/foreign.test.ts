/**
 * containerd is the source of truth for which containers exist: containers another client made in
 * the namespace (`ctr run`, a kubelet through CRI) are listed, inspected, stopped, killed, exec'd
 * into and removed with what containerd knows of them; a record of tsdock's whose container
 * another client deleted is dropped, and its name, address, ports, rules and namespace are freed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { cli, ok, target, testEnv, uniqueName } from '../harness/cli.js';
import { freePort } from '../harness/net.js';
import { RUN_BRIDGE } from './_setup.test.js';

const img = (): string => testEnv().image;
/** The image as containerd names it (what `ctr` takes). */
const ctrImage = (): string => `docker.io/${img()}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ctr(args: string[]): string {
  const e = testEnv();
  return execFileSync('ctr', ['--address', e.address, '-n', e.namespace, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function containerdIds(): string[] {
  return ctr(['containers', 'ls', '-q']).split('\n').filter(Boolean);
}

async function until<T>(fn: () => T | undefined | false, ms = 10_000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

interface Inspected {
  Id: string;
  Name: string;
  Path: string;
  Args: string[];
  Image: string;
  LogPath: string;
  State: { Status: string; Running: boolean; Pid: number; ExitCode: number };
  Config: { Cmd: string[]; Env: string[]; Labels: Record<string, string> };
  NetworkSettings: { IPAddress: string };
}

function inspect(ref: string): Inspected {
  return (JSON.parse(ok(['inspect', ref])) as Inspected[])[0]!;
}

describe('containers of other clients, and records of containers others deleted', function () {
  this.timeout(120_000);
  const foreign: string[] = [];
  const own: string[] = [];
  before(function () {
    if (target !== 'tsdock') this.skip();
  });
  after(() => {
    for (const id of foreign) {
      try {
        ctr(['tasks', 'kill', '-s', 'SIGKILL', id]);
      } catch {
        /* no task */
      }
    }
    for (const id of foreign) {
      for (const args of [
        ['tasks', 'rm', '-f', id],
        ['containers', 'rm', id],
      ]) {
        try {
          ctr(args);
        } catch {
          /* already gone */
        }
      }
    }
    if (own.length) cli(['rm', '-f', ...own]);
  });
  const ctrName = (p: string) => {
    const n = uniqueName(`tsdock-it-${p}`);
    foreign.push(n);
    return n;
  };

  it('ctr run -d: ps lists it, inspect and exec work, stop and rm remove it', () => {
    const id = ctrName('foreign');
    ctr(['run', '-d', ctrImage(), id, 'sleep', '30']);

    const ps = ok(['ps']);
    const line = ps.split('\n').find((l) => l.endsWith(` ${id}`));
    expect(line, ps).to.match(new RegExp(`^${id.slice(0, 12)}\\s+${ctrImage()}\\s+"sleep 30"\\s+`));
    expect(line).to.match(/ (Less than a second|\d+ seconds?) ago\s+Up (Less than a second|\d+ seconds?)\s+/);
    const row = (f: string) => ok(['ps', '-a', '--filter', `name=${id}`, '--format', f]).trim();
    expect(row('{{.ID}}|{{.Names}}|{{.Image}}|{{.Command}}|{{.State}}|{{.Ports}}')).to.equal(
      `${id.slice(0, 12)}|${id}|${ctrImage()}|"sleep 30"|running|`,
    );
    expect(row('{{.Label "io.containerd.image.config.stop-signal"}}')).to.equal('SIGTERM');
    expect(ok(['ps', '-q', '--no-trunc'])).to.include(`${id}\n`);
    expect(ok(['ps', '-l', '--format', '{{.Names}}'])).to.equal(`${id}\n`);
    expect(ok(['ps', '-a', '--filter', 'status=running', '--format', '{{.Names}}'])).to.include(`${id}\n`);
    expect(ok(['ps', '-a', '--filter', 'status=exited', '--format', '{{.Names}}'])).to.not.include(id);
    expect(ok(['ps', '-as', '--filter', `name=${id}`, '--format', '{{.Size}}'])).to.match(
      /^\d+(\.\d+)?k?B \(virtual \d+(\.\d+)?[kM]?B\)\n$/,
    );
    expect(ok(['ps', '-as', '--filter', `name=${id}`])).to.match(/SIZE\n/);

    const doc = inspect(id);
    expect(doc.Id).to.equal(id);
    expect(doc.Name).to.equal(`/${id}`);
    expect([doc.Path, ...doc.Args]).to.deep.equal(['sleep', '30']);
    expect(doc.Image).to.equal(ctrImage());
    expect(doc.State.Status).to.equal('running');
    expect(doc.State.Running).to.equal(true);
    expect(doc.State.Pid).to.be.greaterThan(0);
    expect(doc.Config.Cmd).to.deep.equal(['sleep', '30']);
    expect(ok(['inspect', '-f', '{{.State.Status}} {{.Config.Labels}}', id])).to.equal(
      'running map[io.containerd.image.config.stop-signal:SIGTERM]\n',
    );

    expect(ok(['exec', id, 'sh', '-c', 'echo in $0; cat /proc/1/cmdline | tr "\\0" " "'])).to.equal(
      'in sh\nsleep 30 ',
    );

    // What needs tsdock's records is refused with one line.
    expect(cli(['pause', id])).to.deep.equal({
      stdout: '',
      stderr:
        `Error response from daemon: container ${id} was not created by tsdock: ` +
        'only ps, inspect, logs, stats, stop, kill, exec and rm work on it\n',
      code: 1,
    });
    // ctr's task writes to FIFOs: nothing tsdock can read back as a log.
    const logs = cli(['logs', id]);
    expect(logs.code).to.equal(1);
    expect(logs.stdout).to.equal('');
    expect(logs.stderr).to.match(
      new RegExp(
        `^Error response from daemon: container ${id} was not created by tsdock and its output goes to \\S+, which is not a file: no logs to read\\n$`,
      ),
    );
    expect(cli(['rm', id])).to.deep.equal({
      stdout: '',
      stderr:
        `Error response from daemon: cannot remove container "/${id}": container is running: ` +
        'stop the container before removing or force remove\n',
      code: 1,
    });

    expect(ok(['stop', '-t', '1', id])).to.equal(`${id}\n`);
    expect(row('{{.State}} {{.Status}}')).to.match(
      /^exited Exited \(137\) (Less than a second|\d+ seconds?) ago$/,
    );
    expect(inspect(id).State.ExitCode).to.equal(137);
    const kill = cli(['kill', id]);
    expect(kill.code).to.equal(1);
    expect(kill.stderr).to.equal(
      `Error response from daemon: cannot kill container: ${id}: container ${id} is not running\n`,
    );

    expect(ok(['rm', id])).to.equal(`${id}\n`);
    expect(containerdIds()).to.not.include(id);
    expect(ctr(['snapshots', 'ls'])).to.not.include(id);
    expect(ok(['ps', '-aq', '--no-trunc'])).to.not.include(id);
    expect(cli(['inspect', id]).code).to.equal(1);
  });

  it('rm -f removes a running one; kill signals it', async () => {
    const id = ctrName('foreign-f');
    ctr(['run', '-d', ctrImage(), id, 'sh', '-c', 'trap "exit 7" USR1; while :; do sleep 0.1; done']);
    await until(() => inspect(id).State.Running, 10_000, 'start');
    expect(ok(['kill', '-s', 'USR1', id])).to.equal(`${id}\n`);
    await until(() => inspect(id).State.Status === 'exited', 10_000, 'exit');
    expect(inspect(id).State.ExitCode).to.equal(7);
    ctr(['tasks', 'rm', id]);
    ctr(['tasks', 'start', '-d', id]);
    await until(() => inspect(id).State.Running, 10_000, 'restart by ctr');
    expect(ok(['rm', '-f', id])).to.equal(`${id}\n`);
    expect(containerdIds()).to.not.include(id);
    expect(ctr(['tasks', 'ls', '-q'])).to.not.include(id);
  });

  it('a container without a task is Created; one whose output goes to a file has that as its log', async () => {
    const created = ctrName('foreign-c');
    ctr(['containers', 'create', ctrImage(), created, 'true']);
    expect(ok(['ps', '-a', '--filter', `name=${created}`, '--format', '{{.State}} {{.Status}}'])).to.equal(
      'created Created\n',
    );
    expect(ok(['ps', '--format', '{{.Names}}'])).to.not.include(created);

    const dir = mkdtempSync(join(tmpdir(), 'tsdock-it-flog-'));
    try {
      const logged = ctrName('foreign-l');
      const file = join(dir, 'out.log');
      ctr([
        'run',
        '-d',
        '--log-uri',
        `file://${file}`,
        ctrImage(),
        logged,
        'sh',
        '-c',
        'echo one; echo two; sleep 30',
      ]);
      await until(() => existsSync(file) && readFileSync(file, 'utf8').includes('two'), 10_000, 'output');
      expect(ok(['logs', logged])).to.equal('one\ntwo\n');
      expect(ok(['logs', '--tail', '1', logged])).to.equal('two\n');
      expect(inspect(logged).LogPath).to.equal(file);
      const t = cli(['logs', '-t', logged]);
      expect(t.code).to.equal(1);
      expect(t.stderr).to.equal(
        `Error response from daemon: the log of container ${logged} is its raw output, without times: ` +
          '--timestamps, --since and --until cannot apply\n',
      );
      expect(ok(['rm', '-f', logged, created])).to.equal(`${logged}\n${created}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('-n k8s.io: a CRI container is k8s://NS/POD/CTR from its labels, its log file from the CRI record', async () => {
    const { ContainerdClient } = await import('../../src/runtime/containerd/client.js');
    const e = testEnv();
    // The namespace a kubelet's containerd keeps its containers in (the suite's daemon runs no CRI
    // plugin, so the namespace holds only what this test puts there).
    const client = new ContainerdClient(e.address, 'k8s.io');
    const inK8s = (args: string[]) => ok(['-n', 'k8s.io', ...args]);
    const dir = mkdtempSync(join(tmpdir(), 'tsdock-it-cri-'));
    const pod = uniqueName('web');
    const sandbox = uniqueName('tsdock-it-cri-sandbox');
    const app = uniqueName('tsdock-it-cri-app');
    try {
      // As containerd's CRI plugin records a pod's sandbox and one of its containers (labels from
      // the kubelet, the plugin's metadata extension with the container's log file).
      const logPath = join(dir, 'app', '0.log');
      execFileSync('mkdir', ['-p', join(dir, 'app')]);
      writeFileSync(
        logPath,
        '2024-05-01T10:00:00.000000001Z stdout F first line\n' +
          '2024-05-01T10:00:01.5Z stderr P half \n' +
          '2024-05-01T10:00:01.6Z stderr F a line\n' +
          '2024-05-01T10:00:02Z stdout F last\n',
      );
      const k8s = { 'io.kubernetes.pod.namespace': 'shop', 'io.kubernetes.pod.name': pod };
      const base = {
        image: ctrImage(),
        runtime: { name: 'io.containerd.runc.v2' },
        spec: { ociVersion: '1.0.2', process: { args: ['/pause'], cwd: '/', env: [] } },
      };
      await client.containers.create({
        id: sandbox,
        labels: { ...k8s, 'io.cri-containerd.kind': 'sandbox' },
        ...base,
      });
      const meta = {
        Version: 'v1',
        Metadata: { ID: app, Name: 'app', SandboxID: sandbox, LogPath: logPath },
      };
      await client.containers.create({
        id: app,
        labels: { ...k8s, 'io.kubernetes.container.name': 'app', 'io.cri-containerd.kind': 'container' },
        ...base,
        spec: { ...base.spec, process: { ...base.spec.process, args: ['httpd', '-f'] } },
        extensions: {
          'io.cri-containerd.container.metadata': {
            typeUrl: 'github.com/containerd/cri/pkg/store/container/Metadata',
            value: Buffer.from(JSON.stringify(meta)),
          },
        },
      });
      const names = inK8s(['ps', '-a', '--format', '{{.Names}} {{.Command}} {{.Status}}']);
      expect(names).to.include(`k8s://shop/${pod} "/pause" Created\n`);
      expect(names).to.include(`k8s://shop/${pod}/app "httpd -f" Created\n`);
      expect(
        inK8s(['ps', '-a', '--filter', `label=io.kubernetes.container.name=app`, '--format', '{{.ID}}']),
      ).to.include(app.slice(0, 12));
      // The table as nerdctl shows it, and nothing of the suite's own namespace.
      const table = inK8s(['ps', '-a']);
      expect(table).to.match(
        new RegExp(
          `^${app.slice(0, 12)}\\s+${ctrImage()}\\s+"httpd -f"\\s+.*Created\\s+k8s://shop/${pod}/app$`,
          'm',
        ),
      );
      expect(ok(['ps', '-a', '--format', '{{.Names}}'])).to.not.include('k8s://');
      const doc = (JSON.parse(inK8s(['inspect', `k8s://shop/${pod}/app`])) as Inspected[])[0]!;
      expect(doc.Id).to.equal(app);
      expect(doc.LogPath).to.equal(logPath);
      expect(cli(['-n', 'k8s.io', 'logs', `k8s://shop/${pod}/app`])).to.deep.equal({
        stdout: 'first line\nlast\n',
        stderr: 'half a line\n',
        code: 0,
      });
      expect(inK8s(['logs', '-t', '--tail', '1', `k8s://shop/${pod}/app`])).to.equal(
        '2024-05-01T10:00:02.000000000Z last\n',
      );
      expect(inK8s(['logs', '--since', '2024-05-01T10:00:01Z', `k8s://shop/${pod}/app`])).to.equal('last\n');
      // The kubelet's containers go only with -f (cri.test.ts has the refusal).
      expect(inK8s(['rm', '-f', `k8s://shop/${pod}/app`, `k8s://shop/${pod}`])).to.equal(
        `k8s://shop/${pod}/app\nk8s://shop/${pod}\n`,
      );
      expect((await client.containers.list()).map((c) => c.id)).to.not.include.members([app, sandbox]);
    } finally {
      for (const id of [app, sandbox]) await client.containers.delete(id).catch(() => undefined);
      client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** What the kernel and tsdock's files still hold for a container: namespace, rules, lease, port. */
  function holdings(id: string, ip: string, port: number): string[] {
    const out: string[] = [];
    if (existsSync(`/run/netns/${RUN_BRIDGE}-${id.slice(0, 12)}`)) out.push('netns');
    const rules = execFileSync('iptables-save', [], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.includes(`${ip}/`) || l.includes(`${ip}:`) || l.includes(`--dport ${port} `));
    if (rules.length) out.push(`rules: ${rules.join(' | ')}`);
    const net = join(testEnv().dataRoot, 'network');
    const files = (sub: string) =>
      existsSync(join(net, sub))
        ? readdirSync(join(net, sub), { recursive: true, encoding: 'utf8' }).map((f) => `${sub}/${f}`)
        : [];
    for (const f of [...files('leases'), ...files('ports'), ...files('endpoints')]) {
      if (f.endsWith(ip) || f.includes(String(port)) || f.includes(id)) out.push(f);
    }
    if (existsSync(join(testEnv().dataRoot, testEnv().namespace, 'containers', id))) out.push('record');
    return out;
  }

  it('a record whose container ctr deleted leaves ps, and frees its name, address, port, rules and namespace', async () => {
    const name = uniqueName('tsdock-it-gone');
    own.push(name);
    const port = await freePort();
    const id = ok(['run', '-d', '--name', name, '-p', `127.0.0.1:${port}:80`, img(), 'sleep', '60']).trim();
    const ip = inspect(id).NetworkSettings.IPAddress;
    expect(holdings(id, ip, port)).to.include.members(['netns', 'record']);
    // Its monitor dies first, so no exit hook of tsdock's learns of the deletion: only the listing can.
    const state = JSON.parse(
      readFileSync(join(testEnv().dataRoot, testEnv().namespace, 'containers', id, 'state.json'), 'utf8'),
    ) as { monitorPid: number };
    process.kill(state.monitorPid, 'SIGKILL');
    ctr(['tasks', 'kill', '-s', 'SIGKILL', id]);
    await until(() => /STOPPED/.test(ctr(['tasks', 'ls'])), 10_000, 'task stopped');
    ctr(['tasks', 'rm', id]);
    ctr(['containers', 'rm', id]);

    expect(ok(['ps', '-a', '--format', '{{.Names}}'])).to.not.include(name);
    expect(holdings(id, ip, port)).to.deep.equal([]);
    expect(cli(['inspect', name]).code).to.equal(1);
    // The name and the port are free again.
    const again = ok([
      'run',
      '-d',
      '--name',
      name,
      '-p',
      `127.0.0.1:${port}:80`,
      img(),
      'sleep',
      '60',
    ]).trim();
    expect(again).to.not.equal(id);
    ok(['rm', '-f', name]);
  });

  it("a container ctr deleted while its monitor was held up: the monitor's exit hook frees everything", async () => {
    const name = uniqueName('tsdock-it-gone-hook');
    own.push(name);
    const port = await freePort();
    const id = ok(['run', '-d', '--name', name, '-p', `127.0.0.1:${port}:80`, img(), 'sleep', '60']).trim();
    const ip = inspect(id).NetworkSettings.IPAddress;
    const state = JSON.parse(
      readFileSync(join(testEnv().dataRoot, testEnv().namespace, 'containers', id, 'state.json'), 'utf8'),
    ) as { monitorPid: number };
    // Held while ctr ends and deletes everything, so that the hook it runs at the end of the output
    // finds the container gone (rather than recording an ordinary exit first).
    process.kill(state.monitorPid, 'SIGSTOP');
    try {
      ctr(['tasks', 'kill', '-s', 'SIGKILL', id]);
      await until(() => /STOPPED/.test(ctr(['tasks', 'ls'])), 10_000, 'task stopped');
      ctr(['tasks', 'rm', id]);
      ctr(['containers', 'rm', id]);
    } finally {
      process.kill(state.monitorPid, 'SIGCONT');
    }
    // No listing in between: the hook alone releases what the container held.
    await until(() => holdings(id, ip, port).length === 0, 15_000, 'release by the exit hook');
    expect(readdirSync(join(testEnv().dataRoot, testEnv().namespace, 'names'))).to.not.include(name);
    expect(ok(['run', '-d', '--name', name, img(), 'true'])).to.match(/^[0-9a-f]{64}\n$/);
    ok(['rm', '-f', name]);
  });
});
