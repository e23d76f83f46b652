/**
 * Where registry credentials may go, and how an insecure registry is spoken to, against real
 * registries: credentials reach the registry they were stored for (and its token realm), never a
 * host that an upload `Location`, a redirect or a foreign 401 names, even one tsdock holds
 * credentials for; a self-signed registry marked insecure is spoken to over HTTPS, unverified, on
 * every request of a push and a pull. The hosts in the middle are small HTTP servers in this
 * process that record what they receive.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { cli, cliAsync, target, uniqueName } from '../harness/cli.js';
import { buildBusyboxArchive } from '../harness/image.js';
import { type Registry, startRegistry } from '../harness/registry.js';

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

interface Seen {
  method: string;
  url: string;
  authorization?: string;
}

/** An HTTP server in this process; `handle` answers or forwards. */
async function server(
  handle: (req: http.IncomingMessage, res: http.ServerResponse, seen: Seen[]) => void,
): Promise<{ host: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const srv = http.createServer((req, res) => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
    handle(req, res, seen);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${(srv.address() as net.AddressInfo).port}`,
    seen,
    close: () =>
      new Promise((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

/** Forwards a request to `target`, with `authorization` in place of whatever came, and `edit` on the answer. */
function forward(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  targetHost: string,
  authorization: string | undefined,
  edit: (headers: http.IncomingHttpHeaders, status: number) => number = (_h, s) => s,
): void {
  const headers = { ...req.headers, host: targetHost };
  delete headers.authorization;
  if (authorization) headers.authorization = authorization;
  const up = http.request(`http://${targetHost}${req.url}`, { method: req.method, headers }, (ur) => {
    const h = { ...ur.headers };
    const status = edit(h, ur.statusCode ?? 502);
    res.writeHead(status, h);
    ur.pipe(res);
  });
  up.on('error', () => res.destroy());
  req.pipe(up);
}

describe('registry: where credentials go, insecure registries', function () {
  this.timeout(180_000);
  if (target !== 'tsdock') return;

  let work = '';
  let dockerConfig = '';
  let local = '';
  const names: string[] = [];

  /** tsdock with the test's DOCKER_CONFIG, asynchronously (the servers live in this process). */
  const tsdock = (args: string[]) => cliAsync(args, { env: { DOCKER_CONFIG: dockerConfig } }).done;
  /** Stored credentials, as `docker login` leaves them. */
  const storeCredentials = (auths: Record<string, [string, string]>) => {
    mkdirSync(dockerConfig, { recursive: true });
    const doc = {
      auths: Object.fromEntries(
        Object.entries(auths).map(([host, [u, p]]) => [
          host,
          { auth: Buffer.from(`${u}:${p}`).toString('base64') },
        ]),
      ),
    };
    writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify(doc), { mode: 0o600 });
  };

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'tsdock-regtrust-'));
    dockerConfig = join(work, 'docker-config');
    local = `${uniqueName('tsdock-it/trust')}:v1`;
    const archive = join(work, 'img.tar');
    // A layer above the chunk size, so uploads go PATCH by PATCH to each Location the registry names.
    await buildBusyboxArchive(archive, {
      name: local,
      extraFiles: {
        '/big': Buffer.from(Array.from({ length: 1_500_000 }, (_, i) => i % 251)).toString('base64'),
      },
    });
    const r = cli(['load', '-i', archive]);
    expect(r.code, r.stderr).to.equal(0);
    names.push(local);
  });
  after(() => {
    if (names.length) cli(['rmi', '-f', ...names]);
    rmSync(work, { recursive: true, force: true });
  });

  describe('two registries, an upload Location and a blob redirect to another host', () => {
    let regA: Registry;
    let other: Awaited<ReturnType<typeof server>>;
    let front: Awaited<ReturnType<typeof server>>;
    const alice = basic('alice', 'a-secret');

    before(async () => {
      regA = await startRegistry({ auth: { kind: 'htpasswd', user: 'alice', password: 'a-secret' } });
      // The other host: a storage backend as far as tsdock knows; it forwards to registry A with
      // alice's credentials of its own (as a backend authorises by the URL it handed out).
      other = await server((req, res) =>
        forward(req, res, regA.host, alice, (h, status) => {
          if (h.location && /\/blobs\/uploads\//.test(h.location)) {
            const u = new URL(h.location, `http://${regA.host}`);
            h.location = `http://${other.host}${u.pathname}${u.search}`;
          }
          return status;
        }),
      );
      // The registry tsdock talks to: registry A behind a front that sends uploads and blob reads
      // to the other host.
      front = await server((req, res) => {
        if (req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '') && req.headers.authorization) {
          res.writeHead(307, { Location: `http://${other.host}${req.url}` });
          res.end();
          return;
        }
        forward(req, res, regA.host, req.headers.authorization, (h, status) => {
          const loc = h.location;
          if (loc && /\/blobs\/uploads\//.test(loc)) {
            const u = new URL(loc, `http://${regA.host}`);
            h.location = `http://${other.host}${u.pathname}${u.search}`;
          }
          return status;
        });
      });
    });
    after(async () => {
      await front?.close();
      await other?.close();
      await regA?.stop();
    });

    it('push and pull work; the other host never sees a credential, though tsdock holds some for it', async () => {
      storeCredentials({ [front.host]: ['alice', 'a-secret'], [other.host]: ['mallory', 'm-secret'] });
      const name = `${front.host}/tsdock-it/trust:v1`;
      expect(cli(['tag', local, name]).code).to.equal(0);
      names.push(name);
      const push = await tsdock(['push', name]);
      expect(push.code, push.stderr).to.equal(0);
      // Uploads went to the other host (the Location), and the registry got alice's credentials.
      expect(other.seen.some((s) => s.method === 'PATCH' || s.method === 'PUT')).to.equal(true);
      expect(front.seen.some((s) => s.authorization === alice)).to.equal(true);

      // Every name of the image goes, so its layers leave the store and the pull downloads them.
      cli(['rmi', name, local]);
      const pull = await tsdock(['pull', name]);
      expect(pull.code, pull.stderr).to.equal(0);
      expect(cli(['tag', name, local]).code).to.equal(0);
      expect(other.seen.some((s) => s.method === 'GET' && /\/blobs\/sha256:/.test(s.url))).to.equal(true);
      expect(other.seen.filter((s) => s.authorization)).to.deep.equal([]);
    });

    it('a 401 from the other host teaches nothing: its realm is never asked', async () => {
      const realm = await server((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"token":"stolen"}');
      });
      const greedy = await server((_req, res) => {
        res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://${realm.host}/token",service="x"` });
        res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      });
      const front2 = await server((req, res) =>
        forward(req, res, regA.host, req.headers.authorization, (h, status) => {
          if (h.location && /\/blobs\/uploads\//.test(h.location)) {
            const u = new URL(h.location, `http://${regA.host}`);
            h.location = `http://${greedy.host}${u.pathname}${u.search}`;
          }
          return status;
        }),
      );
      try {
        storeCredentials({ [front2.host]: ['alice', 'a-secret'] });
        const name = `${front2.host}/tsdock-it/greedy:v1`;
        expect(cli(['tag', local, name]).code).to.equal(0);
        names.push(name);
        const push = await tsdock(['push', name]);
        expect(push.code).to.equal(1);
        expect(push.stderr.trim().split('\n')).to.have.length(1);
        expect(greedy.seen.length).to.be.greaterThan(0);
        expect(greedy.seen.filter((s) => s.authorization)).to.deep.equal([]);
        expect(realm.seen).to.deep.equal([]);
      } finally {
        await front2.close();
        await greedy.close();
        await realm.close();
      }
    });
  });

  describe('an insecure registry with a self-signed certificate', () => {
    let reg: Registry;
    before(async () => (reg = await startRegistry({ tls: true })));
    after(async () => {
      await reg?.stop();
    });

    it('is spoken to over HTTPS without verification on every request of a push and a pull', async () => {
      storeCredentials({});
      const name = `${reg.host}/tsdock-it/selfsigned:v1`;
      expect(cli(['tag', local, name]).code).to.equal(0);
      names.push(name);
      // Its certificate is signed by a CA nothing trusts: only skipping verification gets through.
      const push = await tsdock(['push', name]);
      expect(push.code, push.stderr).to.equal(0);
      expect(push.stdout).to.match(/: Pushed$/m);
      cli(['rmi', name]);
      const pull = await tsdock(['pull', name]);
      expect(pull.code, pull.stderr).to.equal(0);
      expect(pull.stdout).to.contain(`Status: Downloaded newer image for ${name}\n`);
      // And over TLS all along: the registry logged no plain-HTTP attempt.
      expect(reg.log()).to.not.match(
        /http: TLS handshake error.*first record does not look like a TLS handshake/,
      );
    });
  });
});
