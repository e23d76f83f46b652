import { expect } from 'chai';
import { maskProxyCredentials, parseProxy, proxyFor, proxySettings } from '../../src/runtime/http/proxy.js';

/** The proxy chosen for `url` under `env`, as a string ('' for direct). */
const via = (url: string, env: NodeJS.ProcessEnv) => proxyFor(new URL(url), proxySettings(env))?.href ?? '';

describe('registry proxy (Go httpproxy rules)', () => {
  const P = 'http://proxy.example:3128/';

  it('takes HTTPS_PROXY for https and HTTP_PROXY for http, upper case first', () => {
    const env = { HTTPS_PROXY: 'proxy.example:3128', HTTP_PROXY: 'http://other:8080', https_proxy: 'x:1' };
    expect(via('https://registry.example/v2/', env)).to.equal(P);
    expect(via('http://registry.example/v2/', env)).to.equal('http://other:8080/');
    expect(via('https://registry.example/v2/', { https_proxy: 'proxy.example:3128' })).to.equal(P);
    expect(via('http://registry.example/v2/', { HTTPS_PROXY: P })).to.equal('');
    expect(via('https://registry.example/v2/', {})).to.equal('');
  });

  it('never proxies localhost or loopback addresses', () => {
    const env = { HTTPS_PROXY: P, HTTP_PROXY: P };
    for (const u of [
      'http://localhost:5000/',
      'https://127.0.0.1:5000/',
      'http://127.9.9.9/',
      'https://[::1]:5000/',
    ])
      expect(via(u, env), u).to.equal('');
    expect(via('http://10.0.0.1:5000/', env)).to.equal(P);
  });

  it('NO_PROXY: domain and subdomains, leading dot or *. for subdomains only, ports, IPs, CIDRs, *', () => {
    const np = (NO_PROXY: string, url: string) => via(url, { HTTPS_PROXY: P, NO_PROXY });
    expect(np('example.com', 'https://example.com/')).to.equal('');
    expect(np('example.com', 'https://reg.example.com/')).to.equal('');
    expect(np('example.com', 'https://notexample.com/')).to.equal(P);
    expect(np('.example.com', 'https://example.com/')).to.equal(P);
    expect(np('.example.com', 'https://reg.example.com/')).to.equal('');
    expect(np('*.example.com', 'https://example.com/')).to.equal(P);
    expect(np('*.example.com', 'https://a.b.example.com/')).to.equal('');
    expect(np('example.com:5000', 'https://example.com:5000/')).to.equal('');
    expect(np('example.com:5000', 'https://example.com/')).to.equal(P);
    // The default port counts as the URL's port.
    expect(np('example.com:443', 'https://example.com/')).to.equal('');
    expect(np('10.1.2.3', 'https://10.1.2.3:5000/')).to.equal('');
    expect(np('10.1.2.3:5001', 'https://10.1.2.3:5000/')).to.equal(P);
    expect(np('10.0.0.0/8', 'https://10.200.1.1/')).to.equal('');
    expect(np('10.0.0.0/8', 'https://11.0.0.1/')).to.equal(P);
    // A CIDR matches addresses, not names.
    expect(np('10.0.0.0/8', 'https://ten.example/')).to.equal(P);
    expect(np(' Foo.Example , bar.example ', 'https://x.bar.example/')).to.equal('');
    expect(np('*', 'https://anything.example/')).to.equal('');
    expect(via('https://reg.example/', { HTTPS_PROXY: P, no_proxy: 'reg.example' })).to.equal('');
  });

  it('ignores HTTP_PROXY under CGI (REQUEST_METHOD set), as Go does', () => {
    expect(via('http://reg.example/', { HTTP_PROXY: P, REQUEST_METHOD: 'GET' })).to.equal('');
    expect(via('https://reg.example/', { HTTPS_PROXY: P, REQUEST_METHOD: 'GET' })).to.equal(P);
  });

  it('reads a scheme-less value as http, keeps https and socks5 proxies', () => {
    expect(parseProxy('proxy:3128')?.href).to.equal('http://proxy:3128/');
    expect(parseProxy('https://proxy:3128')?.href).to.equal('https://proxy:3128/');
    expect(parseProxy('socks5://proxy:1080')?.protocol).to.equal('socks5:');
    expect(parseProxy('')).to.equal(undefined);
  });

  it('masks a proxy password as docker info does', () => {
    expect(maskProxyCredentials('http://user:secret@proxy:3128')).to.equal('http://user:xxxxx@proxy:3128');
    expect(maskProxyCredentials('http://proxy:3128')).to.equal('http://proxy:3128');
  });
});
