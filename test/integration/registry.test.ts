/**
 * pull / push / login / logout against real registries (Debian's docker-registry) started on
 * 127.0.0.1 by the tests: no auth, htpasswd (bcrypt) and token auth (JWT from a token server in this
 * process). $DOCKER_CONFIG points at a temp dir, never at the real ~/.docker.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { cli, repoRoot, target, testEnv, uniqueName } from '../harness/cli.js';
import { buildBusyboxArchive } from '../harness/image.js';
import { type Registry, freePort, startCuttingProxy, startRegistry } from '../harness/registry.js';

const HOST_ARCH = process.arch === 'arm64' ? 'arm64' : 'amd64';

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Plain HTTP to a registry without auth, to lay out what tsdock is then asked to pull. */
function raw(method: string, url: string, body?: Buffer, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function uploadBlob(host: string, repo: string, data: Buffer): Promise<string> {
  const digest = `sha256:${(await import('node:crypto')).createHash('sha256').update(data).digest('hex')}`;
  const start = await raw('POST', `http://${host}/v2/${repo}/blobs/uploads/`);
  const loc = new URL(start.headers.location!, `http://${host}`);
  loc.searchParams.set('digest', digest);
  const put = await raw('PUT', loc.href, data, { 'Content-Type': 'application/octet-stream' });
  expect(put.status, put.body.toString()).to.equal(201);
  return digest;
}

/** The registry writes its access log asynchronously: wait a little for the line. */
async function eventually(check: () => void, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('registry: pull, push, login, logout', function () {
  this.timeout(180_000);
  if (target !== 'tsdock') return;

  let work = '';
  let dockerConfig = '';
  let reg: Registry;
  let local = '';
  let imageId = '';
  const env = () => ({ DOCKER_CONFIG: dockerConfig });
  const run = (args: string[], input?: string, extra: NodeJS.ProcessEnv = {}) =>
    cli(args, { env: { ...env(), ...extra }, ...(input !== undefined ? { input } : {}) });
  const must = (args: string[], input?: string, extra: NodeJS.ProcessEnv = {}) => {
    const r = run(args, input, extra);
    if (r.code !== 0) throw new Error(`tsdock ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  /** For servers living in this process (token server, proxy): spawnSync would block their event loop. */
  const runAsync = (
    args: string[],
    input?: string,
  ): Promise<{ stdout: string; stderr: string; code: number }> => {
    const e = testEnv();
    const child = spawn(
      process.execPath,
      [
        join(repoRoot, 'bin', 'tsdock'),
        '--address',
        e.address,
        '--namespace',
        e.namespace,
        '--data-root',
        e.dataRoot,
        ...args,
      ],
      { env: { ...process.env, ...env() }, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end(input ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    return new Promise((resolve) =>
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ stdout, stderr, code: code ?? 137 });
      }),
    );
  };
  const mustAsync = async (args: string[], input?: string) => {
    const r = await runAsync(args, input);
    if (r.code !== 0) throw new Error(`tsdock ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  const names = new Set<string>();
  const rmi = (...ns: string[]) => run(['rmi', '-f', ...ns]);
  /** Removes every name the tests made, so the shared layer leaves the store and the next pull downloads it. */
  const forgetAll = () => {
    rmi(...names);
    names.clear();
  };
  const idOf = (name: string) => must(['image', 'inspect', '--format', '{{.Id}}', name]).stdout.trim();

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'tsdock-reg-'));
    dockerConfig = join(work, 'docker-config');
    // A layer of its own (a 3 MB file nobody else has), so pulls really download it.
    local = `${uniqueName('tsdock-it/regsrc')}:v1`;
    const archive = join(work, 'img.tar');
    await buildBusyboxArchive(archive, {
      name: local,
      extraFiles: { '/marker': 'registry-ok\n', '/big': randomBytes(2_300_000).toString('base64') },
    });
    must(['load', '-i', archive]);
    names.add(local);
    imageId = idOf(local);
    reg = await startRegistry();
  });

  after(async () => {
    if (names.size) rmi(...names);
    await reg?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  /** Tags the local image as `remote`, pushes it, then removes every local name of it (content goes too). */
  const pushAndForget = (remote: string) => {
    must(['tag', local, remote]);
    names.add(remote);
    const r = must(['push', remote]);
    rmi(remote);
    return r;
  };

  it('pushes an image (chunked layer upload), then pulls it by tag and by digest, and runs it', async () => {
    const repo = `${reg.host}/tsdock-it/busybox`;
    must(['tag', local, `${repo}:v1`]);
    names.add(`${repo}:v1`);
    const push = must(['push', `${repo}:v1`]);
    expect(push.stdout).to.contain(`The push refers to repository [${repo}]\n`);
    expect(push.stdout).to.match(/^[0-9a-f]{12}: Preparing$/m);
    expect(push.stdout).to.match(/^[0-9a-f]{12}: Pushed$/m);
    const m = /^v1: digest: (sha256:[0-9a-f]{64}) size: (\d+)$/m.exec(push.stdout);
    expect(m, push.stdout).to.not.equal(null);
    const digest = m![1]!;
    // The 4 MB layer went up in PATCH chunks, the small config in one PUT.
    await eventually(() => expect(reg.log()).to.match(/"PATCH \/v2\/tsdock-it\/busybox\/blobs\/uploads\//));

    // Forget every local copy: the pull must download.
    rmi(local, `${repo}:v1`);
    names.delete(local);
    const pull = must(['pull', `${repo}:v1`]);
    const layerId = pull.stdout.match(/^([0-9a-f]{12}): Pulling fs layer$/m)?.[1];
    expect(layerId, pull.stdout).to.be.a('string');
    expect(pull.stdout).to.equal(
      [
        'v1: Pulling from tsdock-it/busybox',
        `${layerId}: Pulling fs layer`,
        `${layerId}: Verifying Checksum`,
        `${layerId}: Download complete`,
        `${layerId}: Pull complete`,
        `Digest: ${digest}`,
        `Status: Downloaded newer image for ${repo}:v1`,
        `${repo}:v1`,
        '',
      ].join('\n'),
    );
    expect(idOf(`${repo}:v1`)).to.equal(imageId);
    // Pulled again: nothing to do.
    expect(must(['pull', `${repo}:v1`]).stdout).to.contain(`Status: Image is up to date for ${repo}:v1\n`);
    // By digest: recorded under the digest reference.
    const byDigest = must(['pull', `${repo}@${digest}`]);
    expect(byDigest.stdout.trim().split('\n').at(-1)).to.equal(`${repo}@${digest}`);
    names.add(`${repo}@${digest}`);
    expect(idOf(`${repo}@${digest}`)).to.equal(imageId);
    // -q: the reference only.
    expect(must(['pull', '-q', `${repo}:v1`]).stdout).to.equal(`${repo}:v1\n`);
    // The pulled image runs.
    const out = must(['run', '--rm', '--network', 'none', `${repo}:v1`, 'cat', '/marker']);
    expect(out.stdout).to.equal('registry-ok\n');
    // Keep a local copy under the original name for the other tests.
    must(['tag', `${repo}:v1`, local]);
    names.add(local);
  });

  it('run pulls a missing image (progress on stderr), --pull never refuses, unknown images fail', () => {
    const repo = `${reg.host}/tsdock-it/busybox`;
    rmi(`${repo}:v1`);
    const r = run(['run', '--rm', '--network', 'none', `${repo}:v1`, 'cat', '/marker']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('registry-ok\n');
    expect(r.stderr).to.match(
      new RegExp(`^Unable to find image '${repo}:v1' locally\nv1: Pulling from tsdock-it/busybox\n`),
    );
    expect(r.stderr).to.contain(`Status: Downloaded newer image for ${repo}:v1\n`);

    const never = run(['run', '--rm', '--pull', 'never', `${repo}:nope`, 'true']);
    expect(never.code).to.equal(125);
    expect(never.stderr).to.contain(`No such image: ${repo}:nope`);

    const missing = run(['run', '--rm', `${repo}:nope`, 'true']);
    expect(missing.code).to.equal(125);
    expect(missing.stderr).to.contain(`Unable to find image '${repo}:nope' locally`);
    expect(missing.stderr).to.contain('manifest unknown');

    const pull = run(['pull', `${repo}:nope`]);
    expect(pull.code).to.equal(1);
    expect(pull.stderr).to.equal(
      `Error response from daemon: manifest for ${repo}:nope not found: manifest unknown: manifest unknown\n`,
    );
    // As Docker: no progress line for an image that is not there.
    expect(pull.stdout).to.equal('');
  });

  it('reports an unreachable registry in one line (pull 1, run 125)', async () => {
    const port = await freePort();
    const pull = run(['pull', `127.0.0.1:${port}/nothing/here:v1`]);
    expect(pull.code).to.equal(1);
    expect(pull.stderr).to.match(
      /^Error response from daemon: Get "http:\/\/127\.0\.0\.1:\d+\/v2\/.*": dial tcp 127\.0\.0\.1:\d+: connect: connection refused\n$/,
    );
    const r = run(['run', '--rm', `127.0.0.1:${port}/nothing/here:v1`, 'true']);
    expect(r.code).to.equal(125);
    expect(r.stderr).to.contain('connection refused');
  });

  it('pulls the host platform out of a manifest list, or the one --platform names', async () => {
    const repo = 'tsdock-it/multi';
    pushAndForget(`${reg.host}/${repo}:single`);
    const accept = { Accept: 'application/vnd.docker.distribution.manifest.v2+json' };
    const got = await raw('GET', `http://${reg.host}/v2/${repo}/manifests/single`, undefined, accept);
    const hostManifest = got.body;
    const hostDigest = got.headers['docker-content-digest'] as string;
    const manifest = JSON.parse(hostManifest.toString()) as { config: { digest: string; size: number } };
    const config = JSON.parse(
      (await raw('GET', `http://${reg.host}/v2/${repo}/blobs/${manifest.config.digest}`)).body.toString(),
    ) as Record<string, unknown>;
    // Another platform: same layer, a config saying s390x.
    const otherConfig = Buffer.from(JSON.stringify({ ...config, architecture: 's390x' }));
    const otherConfigDigest = await uploadBlob(reg.host, repo, otherConfig);
    const otherManifest = Buffer.from(
      JSON.stringify({
        ...manifest,
        config: { ...manifest.config, digest: otherConfigDigest, size: otherConfig.length },
      }),
    );
    const put = await raw('PUT', `http://${reg.host}/v2/${repo}/manifests/other`, otherManifest, {
      'Content-Type': 'application/vnd.docker.distribution.manifest.v2+json',
    });
    expect(put.status).to.equal(201);
    const otherDigest = put.headers['docker-content-digest'] as string;
    const list = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
        manifests: [
          // The other platform first: picking the first entry would be wrong.
          {
            mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
            digest: otherDigest,
            size: otherManifest.length,
            platform: { architecture: 's390x', os: 'linux' },
          },
          {
            mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
            digest: hostDigest,
            size: hostManifest.length,
            platform: {
              architecture: HOST_ARCH,
              os: 'linux',
              ...(HOST_ARCH === 'arm64' ? { variant: 'v8' } : {}),
            },
          },
        ],
      }),
    );
    const putList = await raw('PUT', `http://${reg.host}/v2/${repo}/manifests/multi`, list, {
      'Content-Type': 'application/vnd.docker.distribution.manifest.list.v2+json',
    });
    expect(putList.status, putList.body.toString()).to.equal(201);
    const listDigest = putList.headers['docker-content-digest'] as string;

    const name = `${reg.host}/${repo}:multi`;
    names.add(name);
    const pull = must(['pull', name]);
    expect(pull.stdout).to.contain(`Digest: ${listDigest}\n`);
    expect(must(['image', 'inspect', '--format', '{{.Architecture}}', name]).stdout.trim()).to.equal(
      HOST_ARCH,
    );
    expect(idOf(name)).to.equal(imageId);
    // An image whose record is the list itself works with the other image commands.
    expect(must(['images', '--format', '{{.Repository}}:{{.Tag}}']).stdout.split('\n')).to.include(name);
    expect(must(['history', '-q', name]).stdout).to.match(/^[0-9a-f]{12}\n/);
    must(['save', '-o', join(work, 'multi.tar'), name]);
    expect(statSync(join(work, 'multi.tar')).size).to.be.greaterThan(3_000_000);

    const other = `${reg.host}/${repo}:multi-other`;
    await raw('PUT', `http://${reg.host}/v2/${repo}/manifests/multi-other`, list, {
      'Content-Type': 'application/vnd.docker.distribution.manifest.list.v2+json',
    });
    names.add(other);
    must(['pull', '--platform', 'linux/s390x', other]);
    expect(must(['image', 'inspect', '--format', '{{.Architecture}}', other]).stdout.trim()).to.equal(
      's390x',
    );

    const none = run(['pull', '--platform', 'linux/ppc64le', name]);
    expect(none.code).to.equal(1);
    expect(none.stderr).to.equal(
      'Error response from daemon: no matching manifest for linux/ppc64le in the manifest list entries\n',
    );
  });

  it('pull -a fetches every tag of a repository', () => {
    const repo = `${reg.host}/tsdock-it/alltags`;
    for (const t of ['one', 'two']) pushAndForget(`${repo}:${t}`);
    const r = must(['pull', '-a', repo]);
    expect(r.stdout).to.match(/^one: Pulling from tsdock-it\/alltags$/m);
    expect(r.stdout).to.match(/^two: Pulling from tsdock-it\/alltags$/m);
    expect(r.stdout.trim().split('\n').at(-1)).to.equal(repo);
    for (const t of ['one', 'two']) {
      names.add(`${repo}:${t}`);
      expect(idOf(`${repo}:${t}`)).to.equal(imageId);
    }
    const bad = run(['pull', '-a', `${repo}:one`]);
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.equal("tag can't be used with --all-tags/-a\n");
  });

  it('push mounts a blob from another repository of the same registry', async () => {
    const a = `${reg.host}/tsdock-it/mount-a:v1`;
    const b = `${reg.host}/tsdock-it/mount-b:v1`;
    pushAndForget(a);
    // Pulled from a, the layer is labelled with its source; pushing it to b mounts it.
    names.add(a);
    must(['pull', a]);
    must(['tag', a, b]);
    names.add(b);
    const push = must(['push', b]);
    expect(push.stdout).to.match(/^[0-9a-f]{12}: Mounted from tsdock-it\/mount-a$/m);
    await eventually(() =>
      expect(reg.log()).to.match(
        /POST \/v2\/tsdock-it\/mount-b\/blobs\/uploads\/\?mount=sha256%3A[0-9a-f]{64}&from=tsdock-it%2Fmount-a/,
      ),
    );
    // Pushed again: everything is there.
    expect(must(['push', b]).stdout).to.match(/^[0-9a-f]{12}: Layer already exists$/m);
    if (target !== 'tsdock') return;
    // Pulled from b while a's blobs are stored: their sources keep a and gain b.
    rmi(b);
    must(['pull', b]);
    const { ContainerdClient } = await import('../../src/runtime/containerd/client.js');
    const e = testEnv();
    const client = new ContainerdClient(e.address, e.namespace);
    try {
      const config = await client.content.info(idOf(b));
      expect(config.labels[`containerd.io/distribution.source.${reg.host}`]?.split(',')).to.include.members([
        'tsdock-it/mount-a',
        'tsdock-it/mount-b',
      ]);
    } finally {
      client.close();
    }
  });

  it('resumes a layer download that was cut in the middle (HTTP Range from the partial ingest)', async () => {
    const name = `${reg.host}/tsdock-it/resume:v1`;
    pushAndForget(name);
    forgetAll();
    const proxy = await startCuttingProxy(reg.host, { cutAt: 1_500_000, minSize: 2_000_000 });
    try {
      const via = `${proxy.host}/tsdock-it/resume:v1`;
      names.add(via);
      const r = await mustAsync(['pull', via]);
      expect(r.stdout, r.stdout).to.match(/^[0-9a-f]{12}: Pull complete$/m);
      expect(proxy.cuts).to.equal(1);
      const resumed = proxy.ranges.filter((x): x is string => !!x);
      expect(resumed, JSON.stringify(proxy.ranges)).to.have.length(1);
      expect(Number(/^bytes=(\d+)-$/.exec(resumed[0]!)?.[1])).to.be.greaterThanOrEqual(1_000_000);
      expect(idOf(via)).to.equal(imageId);
      expect(must(['run', '--rm', '--network', 'none', via, 'cat', '/marker']).stdout).to.equal(
        'registry-ok\n',
      );
      must(['tag', via, local]);
      names.add(local);
    } finally {
      await proxy.close();
    }
  });

  it('resumes, in a new pull, a download whose tsdock was killed in the middle', async () => {
    const name = `${reg.host}/tsdock-it/killed:v1`;
    pushAndForget(name);
    forgetAll();
    const proxy = await startCuttingProxy(reg.host, { cutAt: 1_500_000, minSize: 2_000_000, stall: true });
    try {
      const via = `${proxy.host}/tsdock-it/killed:v1`;
      names.add(via);
      const e = testEnv();
      const child = spawn(
        process.execPath,
        [
          join(repoRoot, 'bin', 'tsdock'),
          '--address',
          e.address,
          '--namespace',
          e.namespace,
          '--data-root',
          e.dataRoot,
          'pull',
          via,
        ],
        { env: { ...process.env, ...env() }, stdio: 'ignore' },
      );
      const exited = new Promise((r) => child.on('exit', r));
      // The proxy has sent 1.5 MB and stalls: the first MiB is in containerd's ingest by now.
      await eventually(() => expect(proxy.cuts).to.equal(1), 20_000);
      await new Promise((r) => setTimeout(r, 1000));
      child.kill('SIGKILL');
      await exited;
      const r = await mustAsync(['pull', via]);
      expect(r.stdout).to.match(/^[0-9a-f]{12}: Pull complete$/m);
      const resumed = proxy.ranges.filter((x): x is string => !!x);
      expect(resumed, JSON.stringify(proxy.ranges)).to.deep.equal([`bytes=${1 << 20}-`]);
      expect(idOf(via)).to.equal(imageId);
      must(['tag', via, local]);
      names.add(local);
    } finally {
      await proxy.close();
    }
  });

  it('draws live progress on a terminal and plain lines elsewhere', () => {
    const name = `${reg.host}/tsdock-it/tty:v1`;
    pushAndForget(name);
    forgetAll();
    names.add(name);
    const e = testEnv();
    const cmd = [
      process.execPath,
      join(repoRoot, 'bin', 'tsdock'),
      '--address',
      e.address,
      '--namespace',
      e.namespace,
      '--data-root',
      e.dataRoot,
      'pull',
      name,
    ]
      .map((a) => `'${a}'`)
      .join(' ');
    const r = spawnSync('script', ['-qfec', `stty rows 40 cols 120; ${cmd}`, '/dev/null'], {
      encoding: 'utf8',
      env: { ...process.env, ...env(), COLUMNS: '120', LINES: '40' },
      timeout: 60_000,
    });
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    // ink redraws in place: cursor-up / erase-line sequences, and the final frame.
    expect(r.stdout).to.include('\u001b[');
    expect(r.stdout).to.match(/[0-9a-f]{12}: Pull complete/);
    expect(r.stdout).to.contain(`Status: Downloaded newer image for ${name}`);
    must(['tag', name, local]);
    names.add(local);
    // A failure on a terminal still ends with the error line and status 1 once the view is gone.
    const bad = spawnSync(
      'script',
      ['-qfec', `stty rows 40 cols 120; ${cmd.replace(/:v1'$/, ":nope'")}`, '/dev/null'],
      {
        encoding: 'utf8',
        env: { ...process.env, ...env() },
        timeout: 60_000,
      },
    );
    expect(bad.status).to.equal(1);
    expect(bad.stdout).to.contain('manifest unknown');
    // Off a terminal: plain lines only, no escape sequences.
    rmi(name);
    const plain = must(['pull', name]);
    expect(plain.stdout).to.not.include('\u001b');
    expect(plain.stdout).to.match(/^[0-9a-f]{12}: Already exists$/m);
  });

  describe('over HTTPS with a client certificate (certs.d)', () => {
    let sec: Registry;
    before(async () => (sec = await startRegistry({ mutualTls: true })));
    after(async () => {
      await sec?.stop();
    });

    it('presents certs.d/<host:port>/client.cert and client.key, and is refused without them', () => {
      const certsDir = join(work, 'certs.d');
      const cfgFile = join(work, 'tsdock-config.json');
      // tsdock's config of this run (if any) plus our certs-dir.
      let base: Record<string, unknown> = {};
      try {
        base = JSON.parse(readFileSync(process.env.TSDOCK_CONFIG ?? '/nonexistent', 'utf8')) as typeof base;
      } catch {
        /* no config file: defaults */
      }
      writeFileSync(cfgFile, JSON.stringify({ ...base, 'certs-dir': certsDir }));
      const extra = { TSDOCK_CONFIG: cfgFile };
      const name = `${sec.host}/tsdock-it/tls:v1`;
      must(['tag', local, name]);
      names.add(name);

      const refused = run(['push', name], undefined, extra);
      expect(refused.code).to.equal(1);
      expect(refused.stderr.trim().split('\n')).to.have.length(1);

      const dir = join(certsDir, sec.host);
      mkdirSync(dir, { recursive: true });
      copyFileSync(sec.tls!.ca, join(dir, 'ca.crt'));
      copyFileSync(sec.tls!.clientCert, join(dir, 'client.cert'));
      copyFileSync(sec.tls!.clientKey, join(dir, 'client.key'));
      expect(must(['push', name], undefined, extra).stdout).to.match(
        /^[0-9a-f]{12}: (Pushed|Layer already exists)$/m,
      );
      rmi(name);
      expect(must(['pull', name], undefined, extra).stdout).to.contain(
        `Status: Downloaded newer image for ${name}\n`,
      );
      expect(idOf(name)).to.equal(imageId);

      // A loopback registry is an insecure one (Docker's default 127.0.0.0/8): its certificate is
      // not verified, on any request, so it works without certs.d's ca.crt too. (Verification of
      // secure registries, NODE_EXTRA_CA_CERTS included, is checked in the unit tests.)
      rmSync(join(dir, 'ca.crt'));
      rmi(name);
      expect(must(['pull', name], undefined, extra).stdout).to.contain(
        `Status: Downloaded newer image for ${name}\n`,
      );
    });
  });

  describe('with basic auth (htpasswd)', () => {
    let sec: Registry;
    before(
      async () =>
        (sec = await startRegistry({ auth: { kind: 'htpasswd', user: 'alice', password: 's3cret' } })),
    );
    after(async () => {
      await sec?.stop();
    });

    it('login checks the password before saving (0600, other keys kept); push/pull use it; logout removes it', () => {
      rmSync(dockerConfig, { recursive: true, force: true });
      const cfgPath = join(dockerConfig, 'config.json');
      const before = JSON.stringify({
        auths: { 'other.example:5000': { auth: 'eDp5' } },
        psFormat: 'table {{.ID}}',
      });
      spawnSync('mkdir', ['-p', dockerConfig]);
      writeFileSync(cfgPath, before, { mode: 0o644 });
      const name = `${sec.host}/tsdock-it/private:v1`;
      must(['tag', local, name]);
      names.add(name);

      const anon = run(['push', name]);
      expect(anon.code).to.equal(1);
      expect(anon.stderr).to.match(/no basic auth credentials\n$/);
      expect(anon.stderr.trim().split('\n')).to.have.length(1);

      const wrong = run(['login', '-u', 'alice', '--password-stdin', sec.host], 'wrong\n');
      expect(wrong.code).to.equal(1);
      expect(wrong.stderr).to.equal(
        `Error response from daemon: login attempt to http://${sec.host}/v2/ failed with status: 401 Unauthorized\n`,
      );
      expect(readFileSync(cfgPath, 'utf8')).to.equal(before);

      const good = run(['login', '-u', 'alice', '-p', 's3cret', sec.host]);
      expect(good.code, good.stderr).to.equal(0);
      expect(good.stdout).to.equal('Login Succeeded\n');
      expect(good.stderr).to.contain(
        'WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n',
      );
      expect(good.stderr).to.contain(`WARNING! Your credentials are stored unencrypted in '${cfgPath}'.`);
      expect(statSync(cfgPath).mode & 0o777).to.equal(0o600);
      const saved = JSON.parse(readFileSync(cfgPath, 'utf8')) as {
        auths: Record<string, { auth: string }>;
        psFormat: string;
      };
      expect(saved.psFormat).to.equal('table {{.ID}}');
      expect(saved.auths['other.example:5000']).to.deep.equal({ auth: 'eDp5' });
      expect(Buffer.from(saved.auths[sec.host]!.auth, 'base64').toString()).to.equal('alice:s3cret');

      expect(must(['push', name]).stdout).to.match(/^[0-9a-f]{12}: Pushed$/m);
      rmi(name);
      expect(must(['pull', name]).stdout).to.contain(`Status: Downloaded newer image for ${name}\n`);

      expect(must(['logout', sec.host]).stdout).to.equal(`Removing login credentials for ${sec.host}\n`);
      const after = JSON.parse(readFileSync(cfgPath, 'utf8')) as {
        auths: Record<string, unknown>;
        psFormat: string;
      };
      expect(after.auths).to.have.keys('other.example:5000');
      expect(after.psFormat).to.equal('table {{.ID}}');
      expect(must(['logout', sec.host]).stdout).to.equal(`Removing login credentials for ${sec.host}\n`);
      rmi(name);
      const denied = run(['pull', name]);
      expect(denied.code).to.equal(1);
      expect(denied.stderr).to.contain('no basic auth credentials');
    });
  });

  describe('with token auth (Bearer realm/service/scope)', () => {
    let sec: Registry;
    before(
      async () => (sec = await startRegistry({ auth: { kind: 'token', user: 'bob', password: 'hunter2' } })),
    );
    after(async () => {
      await sec?.stop();
    });

    it('gets scoped tokens from the realm with the saved credentials', async () => {
      rmSync(dockerConfig, { recursive: true, force: true });
      const name = `${sec.host}/tsdock-it/tok:v1`;
      must(['tag', local, name]);
      names.add(name);
      const anon = await runAsync(['push', name]);
      expect(anon.code).to.equal(1);
      expect(anon.stderr).to.match(/unauthorized: authentication required\n$/);

      const wrong = await runAsync(['login', '-u', 'bob', '--password-stdin', sec.host], 'nope\n');
      expect(wrong.code).to.equal(1);
      expect(wrong.stderr).to.equal(
        `Error response from daemon: Get "http://${sec.host}/v2/": unauthorized: incorrect username or password\n`,
      );
      expect(() => statSync(join(dockerConfig, 'config.json'))).to.throw();

      expect(
        (await mustAsync(['login', '-u', 'bob', '--password-stdin', sec.host], 'hunter2\n')).stdout,
      ).to.equal('Login Succeeded\n');
      await mustAsync(['push', name]);
      expect(sec.token!.requests).to.deep.include({
        scopes: ['repository:tsdock-it/tok:pull,push'],
        account: 'bob',
      });
      rmi(name);
      const pull = await mustAsync(['pull', name]);
      expect(pull.stdout).to.contain(`${name}\n`);
      expect(sec.token!.requests).to.deep.include({
        scopes: ['repository:tsdock-it/tok:pull'],
        account: 'bob',
      });
      await mustAsync(['logout', sec.host]);
    });
  });
});
