import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { parseWWWAuthenticate, registryErrorText } from '../../src/runtime/registry/auth.js';
import {
  eraseCredentials,
  getCredentials,
  helperFor,
  storeCredentials,
} from '../../src/runtime/registry/credentials.js';
import {
  authKey,
  endpointFor,
  isInsecure,
  isRegistryUrl,
  pullEndpoints,
  registryServiceConfig,
} from '../../src/runtime/registry/endpoint.js';
import {
  normalizePlatform,
  parsePlatform,
  platformMatches,
  selectManifest,
} from '../../src/runtime/registry/manifests.js';
import { Screen, progressBar } from '../../src/runtime/registry/jsonmessage.js';
import { PlainProgress } from '../../src/runtime/registry/progress.js';
import { registryName } from '../../src/runtime/registry/login.js';

describe('registry: WWW-Authenticate', () => {
  it('parses Docker Hub bearer challenges', () => {
    expect(
      parseWWWAuthenticate(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
      ),
    ).to.deep.equal([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:library/busybox:pull',
        },
      },
    ]);
  });

  it('parses basic, escapes, unquoted values and several challenges in one header', () => {
    expect(parseWWWAuthenticate('Basic realm="Registry \\"x\\" Realm"')).to.deep.equal([
      { scheme: 'basic', params: { realm: 'Registry "x" Realm' } },
    ]);
    expect(
      parseWWWAuthenticate('Basic realm=r1, Bearer realm="http://t/token", error=invalid_token'),
    ).to.deep.equal([
      { scheme: 'basic', params: { realm: 'r1' } },
      { scheme: 'bearer', params: { realm: 'http://t/token', error: 'invalid_token' } },
    ]);
    expect(parseWWWAuthenticate('')).to.deep.equal([]);
  });

  it('words registry errors as distribution does', () => {
    expect(
      registryErrorText(
        '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{}}]}',
        404,
      ),
    ).to.equal('manifest unknown: manifest unknown');
    expect(
      registryErrorText('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}', 401),
    ).to.equal('unauthorized: authentication required');
    expect(registryErrorText('{"details":"incorrect username or password"}', 401)).to.equal(
      'incorrect username or password',
    );
    expect(registryErrorText('', 401)).to.equal('unauthorized: authentication required');
    expect(registryErrorText('', 502)).to.equal('received unexpected HTTP status: 502 Bad Gateway');
  });
});

describe('registry: endpoints', () => {
  const cfg = { insecureRegistries: ['myreg:5000', '10.1.0.0/16'], certsDir: '/nonexistent' };
  it('maps docker.io to registry-1.docker.io, HTTPS everywhere, a plain-HTTP fallback for loopback/insecure ones', () => {
    expect(endpointFor('docker.io', cfg).url).to.equal('https://registry-1.docker.io');
    // Insecure ones: HTTPS first, plain HTTP when that fails (Docker's behaviour).
    for (const host of ['127.0.0.1:5000', 'localhost:5000', '[::1]:5000', 'myreg:5000']) {
      expect(endpointFor(host, cfg)).to.deep.include({
        url: `https://${host}`,
        fallback: `http://${host}`,
        insecure: true,
      });
    }
    expect(endpointFor('quay.io', cfg)).to.deep.equal({ name: 'quay.io', url: 'https://quay.io' });
    expect(isInsecure('10.1.2.3:5000', cfg.insecureRegistries)).to.equal(true);
    expect(isInsecure('10.2.2.3:5000', cfg.insecureRegistries)).to.equal(false);
    expect(authKey('docker.io')).to.equal('https://index.docker.io/v1/');
    expect(registryName(undefined)).to.equal('docker.io');
    expect(registryName('http://127.0.0.1:5000/v2/')).to.equal('127.0.0.1:5000');
    expect(registryName('https://index.docker.io/v1/')).to.equal('docker.io');
  });

  it("credentials' origin: the registry's own scheme, host and port (either side of the fallback)", () => {
    const ep = endpointFor('127.0.0.1:5000', cfg);
    expect(isRegistryUrl(ep, 'https://127.0.0.1:5000/v2/x/blobs/uploads/1')).to.equal(true);
    expect(isRegistryUrl(ep, 'http://127.0.0.1:5000/v2/')).to.equal(true);
    expect(isRegistryUrl(ep, 'http://127.0.0.1:5001/v2/')).to.equal(false);
    expect(isRegistryUrl(ep, 'https://storage.example/upload?x=1')).to.equal(false);
    const hub = endpointFor('docker.io', cfg);
    expect(isRegistryUrl(hub, 'https://registry-1.docker.io/v2/library/x/manifests/1')).to.equal(true);
    expect(isRegistryUrl(hub, 'http://registry-1.docker.io/v2/')).to.equal(false);
    expect(isRegistryUrl(hub, 'https://production.cloudflare.docker.com/blob')).to.equal(false);
  });

  it('reads CAs and client certificates from certs.d', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdock-certs-'));
    try {
      const host = join(dir, 'reg.example:443');
      mkdirSync(host, { recursive: true });
      writeFileSync(join(host, 'ca.crt'), 'CA');
      writeFileSync(join(host, 'client.cert'), 'CERT');
      writeFileSync(join(host, 'client.key'), 'KEY');
      const ep = endpointFor('reg.example:443', { insecureRegistries: [], certsDir: dir });
      expect(ep.url).to.equal('https://reg.example:443');
      expect(ep.tls?.ca?.map(String)).to.deep.equal(['CA']);
      expect(String(ep.tls?.cert)).to.equal('CERT');
      expect(String(ep.tls?.key)).to.equal('KEY');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('registry: platforms', () => {
  it('parses --platform values as containerd does', () => {
    expect(parsePlatform('linux/arm64')).to.deep.equal({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(parsePlatform('linux/arm/v7')).to.deep.equal({ os: 'linux', architecture: 'arm', variant: 'v7' });
    expect(parsePlatform('linux/x86_64')).to.deep.equal({ os: 'linux', architecture: 'amd64' });
    expect(parsePlatform('linux/aarch64')).to.deep.equal({
      os: 'linux',
      architecture: 'arm64',
      variant: 'v8',
    });
    expect(() => parsePlatform('linux/amd64/v2/x')).to.throw(/unknown operating system or architecture/);
    expect(normalizePlatform({ os: 'Linux', architecture: 'armhf' })).to.deep.equal({
      os: 'linux',
      architecture: 'arm',
      variant: 'v7',
    });
  });

  it('matches index entries and picks the wanted platform, not the first', () => {
    expect(
      platformMatches(
        { os: 'linux', architecture: 'arm64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ),
    ).to.equal(true);
    expect(
      platformMatches({ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }),
    ).to.equal(false);
    expect(
      platformMatches(
        { os: 'linux', architecture: 'arm', variant: 'v7' },
        { os: 'linux', architecture: 'arm', variant: 'v6' },
      ),
    ).to.equal(true);
    expect(
      platformMatches(
        { os: 'linux', architecture: 'arm', variant: 'v6' },
        { os: 'linux', architecture: 'arm', variant: 'v7' },
      ),
    ).to.equal(false);
    const mt = 'application/vnd.oci.image.manifest.v1+json';
    const idx = {
      schemaVersion: 2 as const,
      manifests: [
        { mediaType: mt, digest: 'sha256:a', size: 1, platform: { os: 'linux', architecture: 's390x' } },
        { mediaType: mt, digest: 'sha256:b', size: 1, platform: { os: 'linux', architecture: 'amd64' } },
        {
          mediaType: mt,
          digest: 'sha256:c',
          size: 1,
          platform: { os: 'linux', architecture: 'arm', variant: 'v6' },
        },
        {
          mediaType: mt,
          digest: 'sha256:d',
          size: 1,
          platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
        },
      ],
    };
    expect(selectManifest(idx, { os: 'linux', architecture: 'amd64' }).digest).to.equal('sha256:b');
    expect(selectManifest(idx, { os: 'linux', architecture: 'arm', variant: 'v7' }).digest).to.equal(
      'sha256:d',
    );
    expect(() => selectManifest(idx, { os: 'linux', architecture: 'ppc64le' })).to.throw(
      'no matching manifest for linux/ppc64le in the manifest list entries',
    );
  });
});

describe('registry: config.json', () => {
  let dir = '';
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tsdock-dockercfg-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('adds and removes one registry, keeping every other key, mode 0600', async () => {
    const path = join(dir, 'config.json');
    writeFileSync(
      path,
      JSON.stringify({
        auths: { 'https://index.docker.io/v1/': { auth: 'dTpw' } },
        detachKeys: 'ctrl-x',
        proxies: { a: 1 },
      }),
      { mode: 0o644 },
    );
    await storeCredentials('127.0.0.1:5000', { username: 'alice', password: 'p:w' }, path);
    const doc = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown> & {
      auths: Record<string, { auth: string }>;
    };
    expect(doc.detachKeys).to.equal('ctrl-x');
    expect(doc.proxies).to.deep.equal({ a: 1 });
    expect(doc.auths['https://index.docker.io/v1/']).to.deep.equal({ auth: 'dTpw' });
    expect(doc.auths['127.0.0.1:5000']).to.deep.equal({ auth: Buffer.from('alice:p:w').toString('base64') });
    expect(statSync(path).mode & 0o777).to.equal(0o600);
    expect(await getCredentials('127.0.0.1:5000', path)).to.deep.equal({
      username: 'alice',
      password: 'p:w',
    });
    // Keys written as URLs match by host.
    expect(await getCredentials('index.docker.io', path)).to.deep.equal({ username: 'u', password: 'p' });
    expect(await eraseCredentials('127.0.0.1:5000', path)).to.equal(true);
    expect(await eraseCredentials('127.0.0.1:5000', path)).to.equal(false);
    const after = JSON.parse(readFileSync(path, 'utf8')) as {
      auths: Record<string, unknown>;
      detachKeys: string;
    };
    expect(Object.keys(after.auths)).to.deep.equal(['https://index.docker.io/v1/']);
    expect(after.detachKeys).to.equal('ctrl-x');
  });

  it('uses credential helpers (credHelpers over credsStore) through docker-credential-*', async () => {
    expect(helperFor({ credsStore: 'pass', credHelpers: { 'r.io': 'ecr' } }, 'r.io')).to.equal('ecr');
    expect(helperFor({ credsStore: 'pass' }, 'x.io')).to.equal('pass');
    expect(helperFor({}, 'x.io')).to.equal(undefined);
    // A helper that is a tiny script keeping its secrets in a file.
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    const store = join(dir, 'store.json');
    writeFileSync(
      join(bin, 'docker-credential-test'),
      `#!/bin/sh\ncase "$1" in\n store) cat > ${store} ;;\n get) read k; if [ -f ${store} ]; then cat ${store} | sed 's/"ServerURL":"[^"]*",//'; else echo "credentials not found in native keychain"; exit 1; fi ;;\n erase) rm -f ${store} ;;\nesac\n`,
      { mode: 0o755 },
    );
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify({ credsStore: 'test' }));
    const oldPath = process.env.PATH;
    process.env.PATH = `${bin}:${oldPath}`;
    try {
      expect(await getCredentials('reg:5000', path)).to.equal(undefined);
      await storeCredentials('reg:5000', { username: 'u', password: 'secret' }, path);
      expect(JSON.parse(readFileSync(path, 'utf8'))).to.deep.equal({
        credsStore: 'test',
        auths: { 'reg:5000': {} },
      });
      expect(await getCredentials('reg:5000', path)).to.deep.equal({ username: 'u', password: 'secret' });
      expect(await eraseCredentials('reg:5000', path)).to.equal(true);
      expect(await getCredentials('reg:5000', path)).to.equal(undefined);
    } finally {
      process.env.PATH = oldPath;
    }
  });
});

describe('registry: progress rendering', () => {
  it('draws jsonmessage progress bars', () => {
    expect(progressBar({ current: 1_200_000, total: 3_400_000 }, 200)).to.equal(
      `[=================>                                 ]    1.2MB/3.4MB`,
    );
    // Narrow terminals: counts only.
    expect(progressBar({ current: 1_200_000, total: 3_400_000 }, 80)).to.equal('   1.2MB/3.4MB');
    expect(progressBar({ current: 3_400_000, total: 3_400_000 }, 200)).to.equal(
      `[==================================================>]    3.4MB/3.4MB`,
    );
    expect(progressBar({ current: 0, total: 0 }, 200)).to.equal('');
    // Time left from the rate so far.
    expect(progressBar({ current: 1_000_000, total: 3_000_000, start: 1 }, 200, 10_001)).to.match(/ 20s$/);
  });

  it('prints plain lines without progress bars off a terminal', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += d));
    const p = new PlainProgress(out);
    p.status('v1: Pulling from x');
    p.layer('abc', 'Pulling fs layer');
    p.layer('abc', 'Downloading', { current: 10, total: 100 });
    p.layer('abc', 'Download complete');
    expect(text).to.equal('v1: Pulling from x\nabc: Pulling fs layer\nabc: Download complete\n');
  });

  it('keeps one line per layer on a terminal, rewritten in place', () => {
    const s = new Screen(() => 120);
    s.status('v1: Pulling from x');
    s.layer('aaa', 'Pulling fs layer');
    s.layer('bbb', 'Waiting');
    s.layer('aaa', 'Downloading', { current: 50, total: 100 });
    expect(s.lines.map((l) => [l.text, l.active])).to.deep.equal([
      ['v1: Pulling from x', false],
      ['aaa: Downloading [=========================>                         ]      50B/100B', true],
      ['bbb: Waiting', false],
    ]);
    s.layer('aaa', 'Pull complete');
    expect(s.lines[1]).to.deep.include({ text: 'aaa: Pull complete', active: false });
  });
});

describe('registry endpoints: mirrors and the info shape', () => {
  const config = {
    insecureRegistries: ['mirror.insecure:5000', '10.1.2.3/8'],
    certsDir: '/nonexistent',
    registryMirrors: ['https://mirror.insecure:5000/', 'http://127.0.0.1:5001/', 'https://m.example/sub/'],
  };
  it('Docker Hub pulls try each mirror in order, then Hub; other registries only themselves', () => {
    const eps = pullEndpoints('docker.io', config);
    expect(eps.map((e) => [e.url, !!e.mirror, !!e.insecure, e.fallback])).to.deep.equal([
      ['https://mirror.insecure:5000', true, true, undefined],
      ['http://127.0.0.1:5001', true, true, undefined],
      ['https://m.example/sub', true, false, undefined],
      ['https://registry-1.docker.io', false, false, undefined],
    ]);
    // Whichever endpoint serves it, the image is Docker Hub's (credentials key, distribution source).
    expect(eps.every((e) => e.name === 'docker.io')).to.equal(true);
    expect(pullEndpoints('index.docker.io', config)).to.have.length(4);
    expect(pullEndpoints('quay.example', config).map((e) => e.url)).to.deep.equal(['https://quay.example']);
  });
  it("gives info's RegistryConfig as the daemon does (masked CIDRs, loopback added, Hub secure)", () => {
    const rc = registryServiceConfig(config);
    expect(rc.InsecureRegistryCIDRs).to.deep.equal(['10.0.0.0/8', '::1/128', '127.0.0.0/8']);
    expect(rc.Mirrors).to.deep.equal(config.registryMirrors);
    expect(rc.IndexConfigs['mirror.insecure:5000']).to.deep.equal({
      Name: 'mirror.insecure:5000',
      Mirrors: [],
      Secure: false,
      Official: false,
    });
    expect(rc.IndexConfigs['docker.io']).to.include({ Secure: true, Official: true });
  });
});
