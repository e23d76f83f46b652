/**
 * The SDK as a user imports it (`from 'tsdock'`: the package's exports and built dist/, its declarations
 * type-checking this file), against the suite's private containerd; results compared with what the
 * CLI shows for the same objects.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  Tsdock,
  TsdockError,
  type ComposeContainerEntry,
  type ContainerInspect,
  type ContainerListEntry,
  type LogChunk,
} from 'tsdock';
import { cli, ok, repoRoot, target, testEnv, uniqueName } from '../harness/cli.js';
import { freePort } from '../harness/net.js';
import { startRegistry } from '../harness/registry.js';

async function collect(chunks: AsyncIterable<LogChunk>): Promise<{ stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  for await (const c of chunks) out[c.stream] += c.text;
  return out;
}

let sdk: typeof import('tsdock');

async function failure(p: Promise<unknown>): Promise<TsdockError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(sdk.TsdockError);
    return err as TsdockError;
  }
  throw new Error('expected the call to fail');
}

describe('SDK (import { Tsdock } from "tsdock")', function () {
  this.timeout(120_000);
  let tsdock: Tsdock;
  let image = '';
  const made: string[] = [];

  before(async function () {
    if (target === 'docker') this.skip();
    sdk = await import('tsdock');
    const e = testEnv();
    tsdock = new sdk.Tsdock({ address: e.address, namespace: e.namespace, dataRoot: e.dataRoot });
    image = e.image;
  });

  after(() => {
    if (made.length) cli(['rm', '-f', ...made]);
  });

  it('version is the package version', () => {
    expect(tsdock.version().Version).to.match(/^\d+\.\d+\.\d+/);
  });

  it('run -d, then inspect, ps, logs, exec, stats, stop, start, rm', async () => {
    const name = uniqueName('sdk');
    const run = await tsdock.run(image, ['sh', '-c', 'echo out; echo err >&2; exec sleep 60'], {
      detach: true,
      name,
      memory: '64m',
      label: ['sdk.test=1'],
      publish: ['127.0.0.1::80'],
    });
    made.push(name);
    expect(run.exitCode).to.equal(null);
    expect(run.id).to.match(/^[0-9a-f]{64}$/);
    const id = run.id!;

    const doc: ContainerInspect = await tsdock.inspect(name);
    expect(doc.Id).to.equal(id);
    expect(doc.Name).to.equal(`/${name}`);
    expect(doc.State.Running).to.equal(true);
    expect(doc.HostConfig.Memory).to.equal(67108864);
    // The same document as the CLI's inspect: one data function behind both.
    const fromCli = (JSON.parse(ok(['inspect', name])) as ContainerInspect[])[0]!;
    expect(doc).to.deep.equal(fromCli);

    const listed: ContainerListEntry[] = await tsdock.ps({ filters: ['label=sdk.test=1'] });
    expect(listed.map((c) => c.Id)).to.deep.equal([id]);
    expect(listed[0]!.Names).to.deep.equal([`/${name}`]);
    expect(listed[0]!.State).to.equal('running');
    expect(listed[0]!.Labels).to.deep.equal({ 'sdk.test': '1' });
    const port = listed[0]!.Ports.find((p) => p.PrivatePort === 80)!;
    expect(port.IP).to.equal('127.0.0.1');
    expect(ok(['port', name, '80']).trim()).to.equal(`127.0.0.1:${port.PublicPort}`);

    let logs = { stdout: '', stderr: '' };
    for (let i = 0; i < 50 && !logs.stderr; i++) {
      logs = await collect(tsdock.logs(name));
      if (!logs.stderr) await new Promise((r) => setTimeout(r, 100));
    }
    expect(logs).to.deep.equal({ stdout: 'out\n', stderr: 'err\n' });
    expect(await collect(tsdock.logs(name, { tail: 1, timestamps: true }))).to.satisfy(
      (l: { stdout: string; stderr: string }) =>
        /^\d{4}-\d\d-\d\dT\S+Z (out|err)\n$/.test(l.stdout + l.stderr),
    );

    const ex = await tsdock.exec(name, ['sh', '-c', 'echo hi; echo oops >&2; exit 3'], { env: ['X=1'] });
    expect(ex).to.deep.equal({ exitCode: 3, stdout: 'hi\n', stderr: 'oops\n' });
    expect((await tsdock.exec(name, ['sh', '-c', 'echo $X'], { env: ['X=1'] })).stdout).to.equal('1\n');

    const stats = await tsdock.stats([name]);
    expect(stats).to.have.length(1);
    expect(stats[0]!.Name).to.equal(name);
    expect(stats[0]!.MemUsage).to.match(/ \/ 64MiB$/);

    await tsdock.stop(name, { timeout: 1 });
    expect((await tsdock.inspect(name)).State.Status).to.equal('exited');
    await tsdock.start(name);
    expect((await tsdock.inspect(name)).State.Running).to.equal(true);
    await tsdock.rm(name, { force: true });
    made.pop();
    const gone = await failure(tsdock.inspect(name));
    expect(gone.exitCode).to.equal(1);
    expect(gone.message).to.equal(`Error: No such container: ${name}`);
    expect(await tsdock.ps({ all: true, filters: [`name=${name}`] })).to.deep.equal([]);
  });

  it('run in the foreground returns the exit status and output; create + start, logs followed to the end', async () => {
    const r = await tsdock.run(image, ['sh', '-c', 'echo hello; echo bye >&2; exit 4'], { rm: true });
    expect(r).to.deep.equal({ exitCode: 4, stdout: 'hello\n', stderr: 'bye\n' });

    const name = uniqueName('sdk-create');
    const id = await tsdock.create(image, ['sh', '-c', 'sleep 0.5; echo done'], { name });
    made.push(name);
    expect(id).to.match(/^[0-9a-f]{64}$/);
    expect((await tsdock.inspect(id)).State.Status).to.equal('created');
    await tsdock.start(id);
    expect(await collect(tsdock.logs(id, { follow: true }))).to.deep.equal({ stdout: 'done\n', stderr: '' });
    await tsdock.rm(id);
    made.pop();
  });

  it("refuses bad options with the CLI's message and status, creating nothing", async () => {
    const name = uniqueName('sdk-bad');
    const bad = await failure(tsdock.run(image, ['true'], { name, memory: 'lots', detach: true }));
    expect(bad.exitCode).to.equal(125);
    expect(bad.message).to.match(/invalid argument "lots" for "-m, --memory" flag/);
    expect(await tsdock.ps({ all: true, filters: [`name=${name}`] })).to.deep.equal([]);
    const missing = await failure(tsdock.images.inspect('sdk-no-such-image:1'));
    expect(missing.exitCode).to.equal(1);
  });

  it('rm, stop and start of a missing container: TsdockError with the failure as data', async () => {
    const missing = uniqueName('sdk-missing');
    const line = `Error response from daemon: No such container: ${missing}`;
    const expected = [{ ref: missing, message: line, exitCode: 1 }];
    for (const call of [tsdock.rm(missing), tsdock.stop(missing, { timeout: 1 })]) {
      const err = await failure(call);
      expect(err.exitCode).to.equal(1);
      expect(err.failures).to.deep.equal(expected);
      expect(err.message).to.equal(line);
    }
    const start = await failure(tsdock.start(missing));
    expect(start.exitCode).to.equal(1);
    expect(start.failures).to.deep.equal(expected);
    expect(start.message).to.equal(`${line}\nError: failed to start containers: ${missing}`);
    // As `rm -f`: a missing container is no failure.
    await tsdock.rm(missing, { force: true });
    // A failure of the call as a whole has no objects.
    expect((await failure(tsdock.inspect(missing))).failures).to.deep.equal([]);
  });

  it('a batch with one missing container reports exactly that one; the other took effect', async () => {
    const name = uniqueName('sdk-batch');
    const missing = uniqueName('sdk-missing');
    const line = `Error response from daemon: No such container: ${missing}`;
    await tsdock.run(image, ['sleep', '60'], { detach: true, name });
    made.push(name);

    const stop = await failure(tsdock.stop([name, missing], { timeout: 1 }));
    expect(stop.exitCode).to.equal(1);
    expect(stop.failures).to.deep.equal([{ ref: missing, message: line, exitCode: 1 }]);
    expect((await tsdock.inspect(name)).State.Status).to.equal('exited');

    const start = await failure(tsdock.start([missing, name]));
    expect(start.failures.map((f) => f.ref)).to.deep.equal([missing]);
    expect((await tsdock.inspect(name)).State.Running).to.equal(true);

    await tsdock.stop(name, { timeout: 1 });
    const rm = await failure(tsdock.rm([name, missing]));
    expect(rm.exitCode).to.equal(1);
    expect(rm.failures).to.deep.equal([{ ref: missing, message: line, exitCode: 1 }]);
    expect(rm.message).to.equal(line);
    made.pop();
    expect(await tsdock.ps({ all: true, filters: [`name=${name}`] })).to.deep.equal([]);
  });

  it('remove calls for images, volumes and networks: failures as data, the others removed', async () => {
    const vol = uniqueName('sdkvol-batch');
    await tsdock.volumes.create(vol);
    const noVol = uniqueName('sdk-novol');
    const v = await failure(tsdock.volumes.remove([vol, noVol]));
    expect(v.exitCode).to.equal(1);
    expect(v.failures).to.deep.equal([
      { ref: noVol, message: `Error response from daemon: get ${noVol}: no such volume`, exitCode: 1 },
    ]);
    expect((await failure(tsdock.volumes.inspect(vol))).exitCode).to.equal(1);

    const net = uniqueName('sdknetb');
    await tsdock.networks.create(net);
    const noNet = uniqueName('sdk-nonet');
    const n = await failure(tsdock.networks.remove([noNet, net]));
    expect(n.failures).to.deep.equal([
      { ref: noNet, message: `Error response from daemon: network ${noNet} not found`, exitCode: 1 },
    ]);
    expect((await failure(tsdock.networks.inspect(net))).exitCode).to.equal(1);

    const noImage = 'sdk-no-such-image:1';
    const i = await failure(tsdock.images.remove(noImage));
    expect(i.failures).to.deep.equal([
      { ref: noImage, message: `Error response from daemon: No such image: ${noImage}`, exitCode: 1 },
    ]);
  });

  it('system: df and info give what `system df` and `info` show for the same objects', async () => {
    const name = uniqueName('sdk-sys');
    await tsdock.run(image, ['sleep', '60'], { detach: true, name });
    made.push(name);
    const df = await tsdock.system.df();
    expect(df.map((r) => r.Type)).to.deep.equal(['Images', 'Containers', 'Local Volumes', 'Build Cache']);
    const rows = ok(['system', 'df', '--format', '{{json .}}'])
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(df).to.deep.equal(rows);
    const containers = df.find((r) => r.Type === 'Containers')!;
    expect(Number(containers.Active)).to.be.at.least(1);

    const info = await tsdock.system.info();
    expect(info).to.deep.equal(JSON.parse(ok(['info', '--format', '{{json .}}'])));
    expect(info.ContainersRunning).to.be.at.least(1);
    expect(info.Containers).to.equal((await tsdock.ps({ all: true })).length);
    expect(info.Namespace).to.equal(testEnv().namespace);
    await tsdock.rm(name, { force: true });
    made.pop();
    expect((await tsdock.system.info()).Containers).to.equal(info.Containers - 1);
  });

  it('images: list, inspect, build, remove', async () => {
    const doc = await tsdock.images.inspect(image);
    expect(doc.Id).to.match(/^sha256:[0-9a-f]{64}$/);
    const rows = await tsdock.images.list({ reference: image });
    expect(rows.map((r) => `${r.Repository}:${r.Tag}`)).to.deep.equal([image]);
    expect(rows[0]!.ID).to.equal(doc.Id);

    const dir = mkdtempSync(join(tmpdir(), 'tsdock-sdk-build-'));
    const tag = `sdk-built:${process.pid}`;
    try {
      writeFileSync(join(dir, 'Dockerfile'), `FROM ${image}\nARG WORD\nRUN echo $WORD > /word\n`);
      const id = await tsdock.build(dir, { tags: [tag], buildArgs: ['WORD=built'] });
      expect(id).to.match(/^sha256:[0-9a-f]{64}$/);
      expect((await tsdock.images.inspect(tag)).Id).to.equal(id);
      const r = await tsdock.run(tag, ['cat', '/word'], { rm: true });
      expect(r.stdout).to.equal('built\n');
      expect(await tsdock.images.remove(tag)).to.deep.equal([{ untagged: tag }, { deleted: id }]);
      expect((await failure(tsdock.images.inspect(tag))).exitCode).to.equal(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      cli(['rmi', '-f', tag]);
    }
  });

  it('networks: create, list, inspect, connect, disconnect, remove', async () => {
    const net = uniqueName('sdknet');
    const id = await tsdock.networks.create(net, { labels: ['sdk=1'] });
    try {
      expect(id).to.match(/^[0-9a-f]{64}$/);
      const doc = await tsdock.networks.inspect(net);
      expect(doc).to.include({ Name: net, Id: id, Driver: 'bridge' });
      expect(doc.Labels).to.deep.equal({ sdk: '1' });
      expect((await tsdock.networks.list({ filters: ['label=sdk=1'] })).map((n) => n.Name)).to.deep.equal([
        net,
      ]);
      expect((await tsdock.networks.list()).map((n) => n.Name)).to.include.members([
        'bridge',
        'host',
        'none',
        net,
      ]);

      const name = uniqueName('sdk-net');
      await tsdock.run(image, ['sleep', '60'], { detach: true, name });
      made.push(name);
      await tsdock.networks.connect(net, name, { aliases: ['web'] });
      const attached = await tsdock.networks.inspect(net);
      expect(Object.values(attached.Containers).map((c) => c.Name)).to.deep.equal([name]);
      expect(Object.keys((await tsdock.inspect(name)).NetworkSettings.Networks)).to.include(net);
      await tsdock.networks.disconnect(net, name);
      expect((await tsdock.networks.inspect(net)).Containers).to.deep.equal({});
      await tsdock.rm(name, { force: true });
      made.pop();
    } finally {
      await tsdock.networks.remove(net);
    }
    expect((await failure(tsdock.networks.inspect(net))).exitCode).to.equal(1);
  });

  it('volumes: create, list, inspect, mount in a run, rm -v, prune, remove', async () => {
    const vol = uniqueName('sdkvol');
    expect(await tsdock.volumes.create(vol, { labels: ['sdk=1'] })).to.equal(vol);
    try {
      const doc = await tsdock.volumes.inspect(vol);
      expect(doc).to.include({ Name: vol, Driver: 'local', Scope: 'local' });
      expect(doc.Labels).to.deep.equal({ sdk: '1' });
      expect((await tsdock.volumes.list({ filters: ['label=sdk=1'] })).map((v) => v.Name)).to.deep.equal([
        vol,
      ]);
      await tsdock.run(image, ['sh', '-c', 'echo kept > /data/f'], { rm: true, volume: [`${vol}:/data`] });
      const r = await tsdock.run(image, ['cat', '/data/f'], { rm: true, volume: [`${vol}:/data`] });
      expect(r).to.deep.equal({ exitCode: 0, stdout: 'kept\n', stderr: '' });

      // An anonymous volume: removed with its container by rm -v (`volumes: true`).
      const name = uniqueName('sdk-anon');
      const id = await tsdock.create(image, ['true'], { name, volume: ['/anon'] });
      made.push(name);
      const anon = (await tsdock.inspect(id)).Mounts.find((m) => m.Destination === '/anon')!.Name!;
      expect((await tsdock.volumes.list()).map((v) => v.Name)).to.include(anon);
      await tsdock.rm(id, { volumes: true });
      made.pop();
      expect((await failure(tsdock.volumes.inspect(anon))).exitCode).to.equal(1);

      // Named volumes survive a plain prune; an unused anonymous one does not.
      const other = await tsdock.create(image, ['true'], { volume: ['/anon2'] });
      const anon2 = (await tsdock.inspect(other)).Mounts.find((m) => m.Destination === '/anon2')!.Name!;
      await tsdock.rm(other);
      const pruned = await tsdock.volumes.prune();
      expect(pruned.deleted).to.include(anon2);
      expect(pruned.deleted).to.not.include(vol);
    } finally {
      await tsdock.volumes.remove(vol, { force: true });
    }
    expect((await failure(tsdock.volumes.inspect(vol))).exitCode).to.equal(1);
  });

  it('prune: stopped containers, unused networks and unused images that a label filter selects', async () => {
    const label = `sdk.prune=${process.pid}`;
    const name = uniqueName('sdk-prune');
    const id = await tsdock.create(image, ['true'], { name, label: [label] });
    made.push(name);
    const keep = uniqueName('sdk-keep');
    await tsdock.create(image, ['true'], { name: keep });
    made.push(keep);
    const containers = await tsdock.pruneContainers({ filters: [`label=${label}`] });
    expect(containers.deleted).to.deep.equal([id]);
    expect(containers.reclaimed).to.be.a('number');
    made.splice(made.indexOf(name), 1);
    expect((await failure(tsdock.inspect(name))).exitCode).to.equal(1);
    expect((await tsdock.inspect(keep)).State.Status).to.equal('created');

    const net = uniqueName('sdknet-prune');
    const other = uniqueName('sdknet-keep');
    await tsdock.networks.create(net, { labels: [label] });
    await tsdock.networks.create(other);
    try {
      expect(await tsdock.networks.prune({ filters: [`label=${label}`] })).to.deep.equal({ deleted: [net] });
      expect((await tsdock.networks.inspect(other)).Name).to.equal(other);
    } finally {
      cli(['network', 'rm', net, other]);
    }

    const dir = mkdtempSync(join(tmpdir(), 'tsdock-sdk-prune-'));
    const tag = `sdk-prune:${process.pid}`;
    try {
      writeFileSync(join(dir, 'Dockerfile'), `FROM ${image}\nRUN echo ${process.pid} > /own\n`);
      const built = await tsdock.build(dir, { tags: [tag], labels: [label] });
      const images = await tsdock.images.prune({ all: true, filters: [`label=${label}`] });
      expect(images.deleted).to.deep.include({ deleted: built });
      expect(images.deleted.filter((i) => 'deleted' in i)).to.have.length(1);
      expect(images.reclaimed).to.be.above(0);
      expect((await failure(tsdock.images.inspect(tag))).exitCode).to.equal(1);
      expect((await tsdock.images.inspect(image)).RepoTags).to.include(image);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      cli(['rmi', '-f', tag]);
    }
  });

  it('pull from a registry on 127.0.0.1 gives the image inspect document', async () => {
    const reg = await startRegistry();
    const ref = `${reg.host}/sdk/busybox:${process.pid}`;
    try {
      ok(['tag', image, ref]);
      ok(['push', '-q', ref]);
      ok(['rmi', ref]);
      const doc = await tsdock.pull(ref);
      expect(doc.RepoTags).to.include(ref);
      expect(doc.Id).to.equal((await tsdock.images.inspect(image)).Id);
    } finally {
      cli(['rmi', ref]);
      await reg.stop();
    }
  });

  it('compose: up a two-service project, ps shows both running, down removes containers and network', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdock-sdk-compose-'));
    const projectName = uniqueName('sdkcmp');
    const file = join(dir, 'compose.yaml');
    writeFileSync(
      file,
      `services:\n  web:\n    image: ${image}\n    command: sleep 60\n    depends_on: [db]\n` +
        `  db:\n    image: ${image}\n    command: sleep 60\n`,
    );
    const mine = [`label=com.docker.compose.project=${projectName}`];
    try {
      await tsdock.compose.up({ projectDirectory: dir, projectName });
      const rows: ComposeContainerEntry[] = await tsdock.compose.ps({ file: [file], projectName });
      expect(rows.map((r) => [r.Service, r.Name, r.State, r.Project])).to.deep.equal([
        ['db', `${projectName}-db-1`, 'running', projectName],
        ['web', `${projectName}-web-1`, 'running', projectName],
      ]);
      // The rows `compose ps --format json` prints for the same project.
      const fromCli = ok(['compose', '-p', projectName, '-f', file, 'ps', '--format', 'json', '--no-trunc'])
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as ComposeContainerEntry);
      expect(rows.map((r) => [r.ID, r.Image, r.Command, r.Status])).to.deep.equal(
        fromCli.map((r) => [r.ID, r.Image, r.Command, r.Status]),
      );
      expect((await tsdock.ps({ filters: mine })).map((c) => c.Id).sort()).to.deep.equal(
        rows.map((r) => r.ID).sort(),
      );
      expect((await tsdock.networks.inspect(`${projectName}_default`)).Containers).to.have.keys(
        rows.map((r) => r.ID),
      );

      await tsdock.compose.down({ projectDirectory: dir, projectName, timeout: 0 });
      expect(await tsdock.compose.ps({ file: [file], projectName, all: true })).to.deep.equal([]);
      expect(await tsdock.ps({ all: true, filters: mine })).to.deep.equal([]);
      expect((await failure(tsdock.networks.inspect(`${projectName}_default`))).exitCode).to.equal(1);
    } finally {
      cli(['compose', '-p', projectName, '-f', file, 'down', '-t', '0']);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("compose: a bad compose file throws the CLI's message and status, creating nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdock-sdk-compose-bad-'));
    const projectName = uniqueName('sdkcmpbad');
    const file = join(dir, 'compose.yaml');
    try {
      writeFileSync(file, `services:\n  web:\n    image: [unclosed\n`);
      const err = await failure(tsdock.compose.up({ file: [file], projectName }));
      expect(err.exitCode).to.equal(1);
      expect(err.message).to.equal(
        `failed to parse ${file}: yaml: line 4: unexpected end of the stream within a flow collection`,
      );
      const r = cli(['compose', '-p', projectName, '-f', file, 'up', '-d']);
      expect([r.code, r.stderr.trim()]).to.deep.equal([err.exitCode, err.message]);
      expect((await failure(tsdock.compose.ps({ file: [file], projectName }))).message).to.equal(err.message);
      const left = await tsdock.ps({
        all: true,
        filters: [`label=com.docker.compose.project=${projectName}`],
      });
      expect(left).to.deep.equal([]);
      expect((await failure(tsdock.networks.inspect(`${projectName}_default`))).exitCode).to.equal(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the README's example runs as written", async () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const example = /## SDK\n[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example, 'README.md has a js block under ## SDK').to.be.a('string');
    const e = testEnv();
    const env = {
      ...process.env,
      CONTAINERD_ADDRESS: e.address,
      CONTAINERD_NAMESPACE: e.namespace,
      TSDOCK_DATA_ROOT: e.dataRoot,
    };
    // Its image, as setup builds it; its port and name made unique to this run.
    execFileSync('bash', [join(repoRoot, 'scripts', 'hello-image.sh')], { env, stdio: 'ignore' });
    const name = uniqueName('web');
    const port = await freePort();
    const code = example!.replace("'8080:80'", `'${port}:80'`).replaceAll("'web'", `'${name}'`);
    const app = mkdtempSync(join(tmpdir(), 'tsdock-sdk-app-'));
    try {
      mkdirSync(join(app, 'node_modules'));
      symlinkSync(repoRoot, join(app, 'node_modules', 'tsdock'));
      writeFileSync(join(app, 'example.mjs'), code);
      const out = execFileSync(process.execPath, [join(app, 'example.mjs')], {
        env,
        encoding: 'utf8',
        cwd: app,
      });
      const lines = out.split('\n');
      expect(lines[0]).to.equal('running 268435456');
      expect(lines[1]).to.equal('0 true');
      expect(cli(['inspect', name]).code, 'the example removes its container').to.equal(1);
    } finally {
      cli(['rm', '-f', name]);
      cli(['rmi', 'tsdock/hello']);
      rmSync(app, { recursive: true, force: true });
    }
  });
});
