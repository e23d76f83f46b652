/**
 * The registry settings a Docker user brings along, by their effect against real registries on
 * 127.0.0.1: "registry-mirrors" (Docker Hub pulls served by a local registry, a failing mirror
 * handing over to the next, pushes never sent to a mirror), "insecure-registries" for a name that
 * is not loopback, and HTTP_PROXY / HTTPS_PROXY / NO_PROXY — for registry requests and for a
 * Dockerfile's `ADD <url>`, which goes through the same client. The proxy is a small one in this
 * process that forwards a made-up name (`registry.tsdock.test:5000`, which does not resolve) to a
 * local registry, counts what it is asked and refuses every other host — so a request meant for
 * Docker Hub is caught there and nothing leaves 127.0.0.0/8. The one case that must resolve a
 * name directly (NO_PROXY) runs in a network namespace of its own with only a loopback device.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { type Result, argvFor, cli, target, uniqueName } from '../harness/cli.js';
import { buildBusyboxArchive } from '../harness/image.js';
import { type Registry, freePort, makeTlsFiles, startRegistry } from '../harness/registry.js';

const FAKE = 'registry.tsdock.test:5000';
/** A made-up web server for ADD <url>, served by the proxy from a local one. */
const FILES = 'files.tsdock.test:8080';
const FILES_TLS = 'files.tsdock.test:8443';

interface Proxy {
  url: string;
  /** `CONNECT host:port` lines and absolute-URI requests (`GET http://…`), in order. */
  seen: string[];
  close(): Promise<void>;
}

/** A forward proxy: CONNECT tunnels and absolute-URI requests for the mapped hosts, 403 for others. */
async function startProxy(routes: Record<string, string>): Promise<Proxy> {
  const seen: string[] = [];
  const sockets = new Set<net.Socket>();
  const srv = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end();
      return;
    }
    const to = routes[url.host];
    if (!to) {
      res.writeHead(403).end();
      return;
    }
    const up = http.request(
      `http://${to}${url.pathname}${url.search}`,
      { method: req.method, headers: req.headers },
      (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  srv.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    seen.push(`CONNECT ${req.url}`);
    sockets.add(client);
    client.on('error', () => undefined);
    const to = routes[req.url ?? ''];
    if (!to) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const [host, port] = to.split(':');
    const up = net.connect(Number(port), host!, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    sockets.add(up);
    up.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`,
    seen,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

/** A "registry" that answers every request with 500. */
async function startBroken(): Promise<{ host: string; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const srv = http.createServer((_req, res) => {
    hits++;
    res.writeHead(500, { 'Content-Type': 'text/plain' }).end('boom');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${(srv.address() as net.AddressInfo).port}`,
    hits: () => hits,
    close: () =>
      new Promise((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

/**
 * A web server for ADD: `/file` (with a Last-Modified), `/moved` redirecting to it, 404 otherwise;
 * over HTTPS when given a certificate.
 */
async function startFiles(tls?: {
  cert: Buffer;
  key: Buffer;
}): Promise<{ host: string; close(): Promise<void> }> {
  const handler: http.RequestListener = (req, res) => {
    if (req.url === '/file')
      res
        .writeHead(200, { 'Last-Modified': 'Tue, 01 Sep 2020 10:00:00 GMT' })
        .end('added through the proxy\n');
    else if (req.url === '/moved') res.writeHead(302, { Location: '/file' }).end();
    else res.writeHead(404).end();
  };
  const srv = tls ? https.createServer(tls, handler) : http.createServer(handler);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${(srv.address() as net.AddressInfo).port}`,
    close: () =>
      new Promise((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

/** The registry's access log lines for a repository (it writes them asynchronously). */
async function logLines(reg: Registry, repo: string, min = 1): Promise<string[]> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const lines = reg
      .log()
      .split('\n')
      .filter((l) => l.includes(`/v2/${repo}/`));
    if (lines.length >= min || Date.now() > deadline) return lines;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('registry: mirrors, insecure registries, proxies', function () {
  this.timeout(180_000);
  if (target !== 'tsdock') return;

  let work = '';
  let dockerConfig = '';
  let local = '';
  let hub: Registry; // plays a Docker Hub mirror: holds library/<name>
  let empty: Registry; // a mirror without the image: 404 for its manifest
  let sec: Registry; // password-protected, reached as registry.tsdock.test:5000 through the proxy
  let proxy: Proxy;
  let broken: Awaited<ReturnType<typeof startBroken>>;
  let files: Awaited<ReturnType<typeof startFiles>>;
  let filesTls: Awaited<ReturnType<typeof startFiles>>;
  let testCa = ''; // the CA of filesTls's certificate (for files.tsdock.test)
  const names = new Set<string>();
  /** A docker.io short name nobody else uses. */
  const short = uniqueName('tsdockmirror');

  /** The suite's config file plus `extra`, as a file of this test's own. */
  const config = (extra: Record<string, unknown>): string => {
    const base = JSON.parse(readFileSync(process.env.TSDOCK_CONFIG!, 'utf8')) as object;
    const path = join(work, `config-${Math.random().toString(36).slice(2, 8)}.json`);
    writeFileSync(path, JSON.stringify({ ...base, ...extra }));
    return path;
  };
  /**
   * tsdock with `env` on top of the test's (no proxy variables of the runner's leak in), run
   * asynchronously since the proxy lives in this process; `isolated` puts it in a network
   * namespace with nothing but loopback.
   */
  const tsdock = (
    args: string[],
    env: NodeJS.ProcessEnv = {},
    { isolated = false, input = '' } = {},
  ): Promise<Result> => {
    const [cmd, argv] = argvFor(args);
    const base = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(https?|no)_proxy$/i.test(k)),
    );
    // A new network namespace starts with its loopback down: bring it up, then run tsdock there.
    const inNetns = ['-n', '--', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', cmd, ...argv];
    const child = spawn(isolated ? 'unshare' : cmd, isolated ? inNetns : argv, {
      env: { ...base, DOCKER_CONFIG: dockerConfig, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end(input);
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    return new Promise((resolve) =>
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ stdout, stderr, code: code ?? 137 });
      }),
    );
  };
  const ok = (r: Result, what: string) => expect(r.code, `${what}\n${r.stdout}\n${r.stderr}`).to.equal(0);
  const rmi = (...ns: string[]) => cli(['rmi', '-f', ...ns]);

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'tsdock-regcfg-'));
    dockerConfig = join(work, 'docker-config');
    mkdirSync(dockerConfig);
    local = `${uniqueName('tsdock-it/regcfg')}:v1`;
    const archive = join(work, 'img.tar');
    await buildBusyboxArchive(archive, { name: local, extraFiles: { '/marker': 'mirrored\n' } });
    expect(cli(['load', '-i', archive]).code).to.equal(0);
    names.add(local);
    [hub, empty, sec, broken] = await Promise.all([
      startRegistry(),
      startRegistry(),
      startRegistry({ auth: { kind: 'htpasswd', user: 'alice', password: 'pw-alice' } }),
      startBroken(),
    ]);
    files = await startFiles();
    const tls = makeTlsFiles(mkdtempSync(join(work, 'tls-')), ['files.tsdock.test']);
    testCa = tls.ca;
    filesTls = await startFiles({ cert: readFileSync(tls.serverCert), key: readFileSync(tls.serverKey) });
    proxy = await startProxy({ [FAKE]: sec.host, [FILES]: files.host, [FILES_TLS]: filesTls.host });
    // Docker Hub's library/<short>:v1, as the mirror holds it.
    const onMirror = `${hub.host}/library/${short}:v1`;
    expect(cli(['tag', local, onMirror]).code).to.equal(0);
    ok(await tsdock(['push', onMirror]), 'push to the mirror');
    rmi(onMirror);
  });

  after(async () => {
    if (names.size) rmi(...names);
    await Promise.all([
      hub?.stop(),
      empty?.stop(),
      sec?.stop(),
      broken?.close(),
      files?.close(),
      filesTls?.close(),
      proxy?.close(),
    ]);
    rmSync(work, { recursive: true, force: true });
  });

  describe('registry-mirrors', () => {
    it('a Docker Hub short name is pulled from the mirror and keeps its docker.io name', async () => {
      const cfg = config({ 'registry-mirrors': [`http://${hub.host}`] });
      const before = proxy.seen.length;
      // Anything meant for Docker Hub would go to the proxy, which refuses it: the mirror must serve.
      const r = await tsdock(['pull', `${short}:v1`], { TSDOCK_CONFIG: cfg, HTTPS_PROXY: proxy.url });
      names.add(`${short}:v1`);
      ok(r, 'pull through the mirror');
      expect(r.stdout).to.contain(`v1: Pulling from library/${short}\n`);
      expect(r.stdout).to.contain(`Status: Downloaded newer image for ${short}:v1\n`);
      expect(r.stdout.trim().split('\n').at(-1)).to.equal(`docker.io/library/${short}:v1`);
      expect(proxy.seen.slice(before)).to.deep.equal([]);
      expect(await logLines(hub, `library/${short}`)).to.satisfy((ls: string[]) =>
        ls.some((l) => l.includes(`GET /v2/library/${short}/manifests/v1`)),
      );
      const tags = cli([
        'image',
        'inspect',
        '--format',
        '{{json .RepoTags}}',
        `docker.io/library/${short}:v1`,
      ]);
      // Docker's familiar form (the test's own tag of the same image is listed too).
      expect(JSON.parse(tags.stdout)).to.include(`${short}:v1`);
      const run = cli(['run', '--rm', '--network', 'none', `${short}:v1`, 'cat', '/marker']);
      expect(run.stdout, run.stderr).to.equal('mirrored\n');
      // pull -a lists the repository's tags on the mirror too.
      const all = await tsdock(['pull', '-a', short], { TSDOCK_CONFIG: cfg, HTTPS_PROXY: proxy.url });
      ok(all, 'pull -a through the mirror');
      expect(all.stdout.trim().split('\n').at(-1)).to.equal(`docker.io/library/${short}`);
      expect(await logLines(hub, `library/${short}`)).to.satisfy((ls: string[]) =>
        ls.some((l) => l.includes(`GET /v2/library/${short}/tags/list`)),
      );
      expect(proxy.seen.slice(before)).to.deep.equal([]);
    });

    it('a mirror that is down, one without the image (404) and one failing (500) hand over to the next', async () => {
      rmi(`${short}:v1`);
      const down = `http://127.0.0.1:${await freePort()}`;
      const mirrors = [down, `http://${empty.host}/`, `http://${broken.host}`, `http://${hub.host}`];
      const cfg = config({ 'registry-mirrors': mirrors });
      const hits = broken.hits();
      const r = await tsdock(['pull', `${short}:v1`], { TSDOCK_CONFIG: cfg, HTTPS_PROXY: proxy.url });
      names.add(`${short}:v1`);
      ok(r, 'pull with failing mirrors first');
      expect(r.stdout.trim().split('\n').at(-1)).to.equal(`docker.io/library/${short}:v1`);
      expect(broken.hits()).to.be.greaterThan(hits);
      expect(await logLines(empty, `library/${short}`)).to.satisfy((ls: string[]) =>
        ls.some((l) => l.includes(`/v2/library/${short}/manifests/v1`) && / 404 /.test(l)),
      );

      const info = await tsdock(['info'], { TSDOCK_CONFIG: cfg });
      ok(info, 'info');
      const lines = info.stdout.split('\n');
      const at = lines.indexOf(' Registry Mirrors:');
      expect(at, info.stdout).to.be.greaterThan(0);
      expect(lines.slice(at + 1, at + 5)).to.deep.equal([
        `  ${down}/`,
        `  http://${empty.host}/`,
        `  http://${broken.host}/`,
        `  http://${hub.host}/`,
      ]);
      const json = await tsdock(['info', '--format', '{{json .RegistryConfig.Mirrors}}'], {
        TSDOCK_CONFIG: cfg,
      });
      expect(JSON.parse(json.stdout)).to.have.length(4);
    });

    it('a push of a docker.io name goes to Docker Hub, never to the mirror', async () => {
      const name = `${short}:pushed`;
      expect(cli(['tag', local, name]).code).to.equal(0);
      names.add(name);
      const cfg = config({ 'registry-mirrors': [`http://${hub.host}`] });
      const before = proxy.seen.length;
      const r = await tsdock(['push', name], { TSDOCK_CONFIG: cfg, HTTPS_PROXY: proxy.url });
      // The proxy stands in for the internet and refuses the tunnel to Hub.
      expect(r.code).to.equal(1);
      expect(r.stderr.trim().split('\n'), r.stderr).to.have.length(1);
      expect(r.stderr).to.contain('Forbidden');
      expect(proxy.seen.slice(before)).to.include('CONNECT registry-1.docker.io:443');
      const onMirror = (await logLines(hub, `library/${short}`)).filter((l) => /"(POST|PUT|PATCH) /.test(l));
      // Only the test's own push to lay the mirror out wrote there.
      expect(
        onMirror.every((l) => !l.includes('manifests/pushed')),
        onMirror.join('\n'),
      ).to.equal(true);
    });

    it('a bad entry is one line naming the file, exit 125', async () => {
      const cfg = config({ 'registry-mirrors': ['mirror.example.com'] });
      const r = await tsdock(['pull', `${short}:v1`], { TSDOCK_CONFIG: cfg });
      expect(r.code).to.equal(125);
      expect(r.stderr).to.equal(
        `invalid configuration file ${cfg}: invalid mirror: no scheme specified for "mirror.example.com": ` +
          "must use either 'https://' or 'http://'\n",
      );
    });
  });

  describe('proxies and insecure-registries', () => {
    const repo = `${FAKE}/tsdock-it/proxied`;
    let insecureCfg = '';
    before(() => {
      insecureCfg = config({ 'insecure-registries': [FAKE] });
    });

    it('login, push and pull a name that does not resolve, through HTTPS_PROXY/HTTP_PROXY', async () => {
      const env = { TSDOCK_CONFIG: insecureCfg, HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url };
      const before = proxy.seen.length;
      const loginIn = await tsdock(['login', '-u', 'alice', '--password-stdin', FAKE], env, {
        input: 'pw-alice\n',
      });
      ok(loginIn, 'login');
      expect(loginIn.stdout).to.contain('Login Succeeded');
      const saved = JSON.parse(readFileSync(join(dockerConfig, 'config.json'), 'utf8')) as {
        auths: Record<string, unknown>;
      };
      expect(saved.auths).to.have.property(FAKE);

      expect(cli(['tag', local, `${repo}:v1`]).code).to.equal(0);
      names.add(`${repo}:v1`);
      // Lower-case forms count as well.
      ok(
        await tsdock(['push', `${repo}:v1`], {
          TSDOCK_CONFIG: insecureCfg,
          https_proxy: proxy.url,
          http_proxy: proxy.url,
        }),
        'push',
      );
      rmi(`${repo}:v1`);
      const pull = await tsdock(['pull', `${repo}:v1`], env);
      ok(pull, 'pull');
      expect(pull.stdout.trim().split('\n').at(-1)).to.equal(`${repo}:v1`);
      const seen = proxy.seen.slice(before);
      // HTTPS first (a tunnel), then plain HTTP as the name is listed insecure: both via the proxy.
      expect(seen).to.include(`CONNECT ${FAKE}`);
      expect(seen).to.include(`GET http://${FAKE}/v2/`);
      expect(seen.some((s) => s.startsWith(`PUT http://${FAKE}/v2/tsdock-it/proxied/manifests/v1`))).to.equal(
        true,
      );
      expect(seen).to.include(`POST http://${FAKE}/v2/tsdock-it/proxied/blobs/uploads/`);
      expect(seen).to.include(`GET http://${FAKE}/v2/tsdock-it/proxied/manifests/v1`);
      expect(
        seen.every((s) => s.includes(FAKE)),
        seen.join('\n'),
      ).to.equal(true);
    });

    it("build's base image is fetched through the proxy too", async () => {
      const dir = join(work, 'ctx');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'Dockerfile'), `FROM ${repo}:v1\nLABEL via=proxy\n`);
      rmi(`${repo}:v1`);
      const img = `${uniqueName('tsdock-it/regcfg-built')}:v1`;
      const before = proxy.seen.length;
      const r = await tsdock(['build', '-q', '-t', img, dir], {
        TSDOCK_CONFIG: insecureCfg,
        HTTPS_PROXY: proxy.url,
        HTTP_PROXY: proxy.url,
      });
      names.add(img).add(`${repo}:v1`);
      ok(r, 'build');
      expect(proxy.seen.slice(before).some((s) => s.includes(`/v2/tsdock-it/proxied/manifests/v1`))).to.equal(
        true,
      );
    });

    it('without insecure-registries the plain-HTTP registry behind that name is refused', async () => {
      rmi(`${repo}:v1`);
      const env = { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url };
      const r = await tsdock(['pull', `${repo}:v1`], env);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.equal(
        `Error response from daemon: Get "https://${FAKE}/v2/": http: server gave HTTP response to HTTPS client\n`,
      );
      const info = await tsdock(['info'], { TSDOCK_CONFIG: insecureCfg, ...env });
      const lines = info.stdout.split('\n');
      const at = lines.indexOf(' Insecure Registries:');
      expect(lines.slice(at + 1, at + 4), info.stdout).to.deep.equal([
        `  ${FAKE}`,
        '  ::1/128',
        '  127.0.0.0/8',
      ]);
      expect(lines).to.include(` HTTP Proxy: ${proxy.url}`);
      expect(lines).to.include(` HTTPS Proxy: ${proxy.url}`);
    });

    it('NO_PROXY sends the request direct (a resolve error); loopback is never proxied', async () => {
      const env = { TSDOCK_CONFIG: insecureCfg, HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url };
      for (const noProxy of ['registry.tsdock.test', '.tsdock.test', 'registry.tsdock.test:5000', '*']) {
        const r = await tsdock(['pull', `${repo}:v1`], { ...env, NO_PROXY: noProxy }, { isolated: true });
        expect(r.code, r.stderr).to.equal(1);
        expect(r.stderr, noProxy).to.match(
          /^Error response from daemon: Get "https?:\/\/registry\.tsdock\.test:5000\/v2\/": dial tcp: lookup registry\.tsdock\.test: no such host\n$/,
        );
      }
      // The same in that namespace without NO_PROXY: the proxy is asked (and is not there).
      const viaProxy = await tsdock(['pull', `${repo}:v1`], env, { isolated: true });
      expect(viaProxy.stderr, viaProxy.stderr).to.match(
        /proxyconnect tcp: dial tcp 127\.0\.0\.1:\d+: connect: connection refused\n$/,
      );
      // A port that is not the request's does not exempt it.
      const otherPort = await tsdock(
        ['pull', `${repo}:v1`],
        { ...env, no_proxy: 'registry.tsdock.test:5001' },
        { isolated: true },
      );
      expect(otherPort.stderr).to.contain('proxyconnect tcp');

      // A loopback registry is reached directly, even with a proxy that is not there at all.
      const dead = `http://127.0.0.1:${await freePort()}`;
      const name = `${hub.host}/library/${short}:v1`;
      const before = proxy.seen.length;
      const r = await tsdock(['pull', name], { HTTPS_PROXY: dead, HTTP_PROXY: dead });
      names.add(name);
      ok(r, 'pull from loopback with a dead proxy');
      const counted = await tsdock(['pull', name], { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url });
      ok(counted, 'pull from loopback with the proxy set');
      expect(proxy.seen.slice(before)).to.deep.equal([]);
    });
  });
  describe('ADD <url> and the proxy variables', () => {
    /** A build context whose Dockerfile ADDs `url` to /x, on the suite's busybox image. */
    const addContext = (url: string): string => {
      const dir = mkdtempSync(join(work, 'add-'));
      writeFileSync(join(dir, 'Dockerfile'), `FROM ${local}\nADD ${url} /x\n`);
      return dir;
    };
    const build = (url: string, env: NodeJS.ProcessEnv, isolated = false) => {
      const img = `${uniqueName('tsdock-it/regcfg-add')}:v1`;
      names.add(img);
      return tsdock(['build', '--progress=plain', '-t', img, addContext(url)], env, { isolated }).then(
        (r) => ({
          ...r,
          img,
        }),
      );
    };

    it('a URL on a host that does not resolve is fetched through HTTP_PROXY, redirects followed', async () => {
      const before = proxy.seen.length;
      const r = await build(`http://${FILES}/moved`, { HTTP_PROXY: proxy.url });
      ok(r, 'build with ADD through the proxy');
      expect(proxy.seen.slice(before)).to.deep.equal([
        `GET http://${FILES}/moved`,
        `GET http://${FILES}/file`,
      ]);
      const out = cli(['run', '--rm', '--network', 'none', r.img, 'sh', '-c', 'cat /x; stat -c %Y /x']);
      expect(out.stdout).to.equal(`added through the proxy\n${Date.parse('2020-09-01T10:00:00Z') / 1000}\n`);
      // http_proxy counts as well; HTTPS_PROXY alone does not cover an http:// URL.
      const lower = await build(`http://${FILES}/file`, { http_proxy: proxy.url });
      ok(lower, 'build with http_proxy');
      const https = await build(`http://${FILES}/file`, { HTTPS_PROXY: proxy.url }, true);
      expect(https.code).to.equal(1);
      expect(https.stderr).to.contain(`lookup files.tsdock.test: no such host`);
    });

    it('an https:// URL is tunnelled through HTTPS_PROXY with CONNECT, its certificate checked for the name', async () => {
      const before = proxy.seen.length;
      const r = await build(`https://${FILES_TLS}/moved`, {
        HTTPS_PROXY: proxy.url,
        NODE_EXTRA_CA_CERTS: testCa,
      });
      ok(r, 'build with ADD https through the proxy');
      expect(proxy.seen.slice(before)).to.include(`CONNECT ${FILES_TLS}`);
      expect(cli(['run', '--rm', '--network', 'none', r.img, 'cat', '/x']).stdout).to.equal(
        'added through the proxy\n',
      );
      // Without the test CA the tunnel is made, but the certificate is refused: the build fails.
      const untrusted = await build(`https://${FILES_TLS}/file`, {
        HTTPS_PROXY: proxy.url,
        NODE_EXTRA_CA_CERTS: '',
      });
      expect(untrusted.code).to.equal(1);
      expect(untrusted.stderr).to.contain(`failed to load cache key: Get "https://${FILES_TLS}/file": `);
    });

    it("NO_PROXY fetches directly (a resolve error, Go's words); loopback never goes through the proxy", async () => {
      const env = { HTTP_PROXY: proxy.url };
      for (const noProxy of ['files.tsdock.test', '.tsdock.test', FILES, '*']) {
        const r = await build(`http://${FILES}/file`, { ...env, NO_PROXY: noProxy }, true);
        expect(r.code, `${noProxy}\n${r.stderr}`).to.equal(1);
        expect(r.stderr, noProxy).to.contain(
          `failed to load cache key: Get "http://${FILES}/file": dial tcp: lookup files.tsdock.test: no such host`,
        );
        expect(r.stderr).not.to.contain('proxyconnect');
        expect(cli(['image', 'inspect', r.img]).code).to.equal(1);
      }
      // The same in that namespace without NO_PROXY: the proxy is asked (and is not there).
      const viaProxy = await build(`http://${FILES}/file`, env, true);
      expect(viaProxy.code).to.equal(1);
      expect(viaProxy.stderr).to.match(
        /proxyconnect tcp: dial tcp 127\.0\.0\.1:\d+: connect: connection refused/,
      );

      // A loopback URL is fetched directly, with a proxy that is not there or one that would count it.
      const dead = `http://127.0.0.1:${await freePort()}`;
      const before = proxy.seen.length;
      ok(
        await build(`http://${files.host}/file`, { HTTP_PROXY: dead, HTTPS_PROXY: dead }),
        'loopback, dead proxy',
      );
      ok(await build(`http://${files.host}/moved`, { HTTP_PROXY: proxy.url }), 'loopback, proxy set');
      expect(proxy.seen.slice(before)).to.deep.equal([]);
      // A 404 keeps its wording when the proxy forwards it.
      const missing = await build(`http://${FILES}/missing`, { HTTP_PROXY: proxy.url });
      expect(missing.code).to.equal(1);
      expect(missing.stderr).to.contain('invalid response status 404');
    });
  });
});
