/**
 * TLS towards registries, against an HTTPS server on 127.0.0.1 in this process (certificates made
 * by openssl): a secure registry's certificate is verified (certs.d CAs, NODE_EXTRA_CA_CERTS), an
 * insecure one's is not, on every request.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Endpoint } from '../../src/runtime/registry/endpoint.js';
import { closeAgents, discard, request, trustedCas } from '../../src/runtime/http/request.js';
import { makeTlsFiles } from '../harness/registry.js';

describe('registry: TLS verification', function () {
  this.timeout(20_000);
  let dir = '';
  let server: https.Server;
  let base = '';
  let ca: Buffer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tsdock-tls-'));
    const tls = makeTlsFiles(dir);
    ca = readFileSync(tls.ca);
    server = https.createServer(
      { key: readFileSync(tls.serverKey), cert: readFileSync(tls.serverCert) },
      (_req, res) => {
        res.writeHead(200);
        res.end('{}');
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    closeAgents();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (ep: Endpoint, path = '/v2/') => {
    const res = await request({ method: 'GET', url: `${base}${path}` }, ep);
    discard(res);
    return res.status;
  };

  it('a secure registry: refused without its CA, accepted with certs.d’s', async () => {
    let err: unknown;
    try {
      await get({ name: 'r', url: base });
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(/certificate/);
    expect(await get({ name: 'r2', url: base, tls: { ca: [ca] } })).to.equal(200);
  });

  it('an insecure registry: unverified on every request, its other hosts included', async () => {
    const ep: Endpoint = { name: 'r3', url: base, fallback: base.replace('https', 'http'), insecure: true };
    for (const path of ['/v2/', '/v2/x/blobs/uploads/', '/v2/x/manifests/1'])
      expect(await get(ep, path)).to.equal(200);
    // HTTPS having worked, the fallback is dropped: still unverified.
    delete ep.fallback;
    expect(await get(ep)).to.equal(200);
  });

  it('NODE_EXTRA_CA_CERTS joins the trusted CAs', () => {
    const extra = join(dir, 'ca.crt');
    expect(trustedCas({ NODE_EXTRA_CA_CERTS: extra }).at(-1)).to.deep.equal(ca);
    expect(trustedCas({}).some((c) => Buffer.isBuffer(c) && c.equals(ca))).to.equal(false);
  });
});
