import { expect } from 'chai';
import { DEFAULT_CONFIG, loadConfig, parseConfig } from '../../src/runtime/config.js';
import { UsageError } from '../../src/runtime/errors.js';

describe('config file', () => {
  it('a missing file means the defaults', () => {
    expect(loadConfig('/nonexistent/tsdock.json')).to.deep.equal(DEFAULT_CONFIG);
  });
  it('reads daemon.json-style keys', () => {
    const c = parseConfig(
      JSON.stringify({
        bridge: 'tsd1',
        bip: '10.9.0.1/24',
        'insecure-registries': ['reg.local:5000'],
        'max-concurrent-downloads': 5,
      }),
      'x',
    );
    expect(c).to.include({ bridge: 'tsd1', bip: '10.9.0.1/24', maxConcurrentDownloads: 5 });
    expect(c.insecureRegistries).to.deep.equal(['reg.local:5000']);
  });
  it('bad values are one clear usage error naming the file and key', () => {
    expect(() => parseConfig('{', '/etc/x.json')).to.throw(
      UsageError,
      /invalid configuration file \/etc\/x.json/,
    );
    expect(() => parseConfig('{"bip":"10.0.0.0"}', 'f')).to.throw(UsageError, /"bip"/);
    expect(() => parseConfig('{"max-concurrent-downloads":0}', 'f')).to.throw(UsageError, /positive integer/);
    expect(() => parseConfig('{"bridge":"a-very-long-bridge-name"}', 'f')).to.throw(
      UsageError,
      /15 characters/,
    );
  });
});

describe('config file: registry-mirrors', () => {
  const mirrors = (list: unknown) => parseConfig(JSON.stringify({ 'registry-mirrors': list }), '/etc/t.json');
  it('keeps http(s) URLs, with a path if any, ending in one `/`, without duplicates', () => {
    expect(
      mirrors(['https://m1.example', 'http://127.0.0.1:5000/', 'https://m1.example/', 'https://m2.example/x'])
        .registryMirrors,
    ).to.deep.equal(['https://m1.example/', 'http://127.0.0.1:5000/', 'https://m2.example/x/']);
  });
  it("refuses what the daemon's ValidateMirror refuses, in one line naming the file", () => {
    const cases: [string, string][] = [
      ['mirror.example', `no scheme specified for "mirror.example": must use either 'https://' or 'http://'`],
      ['mirror.example:5000', 'no scheme specified for "mirror.example:5000"'],
      ['ftp://m.example', 'unsupported scheme "ftp" in "ftp://m.example"'],
      ['https://m.example/?a=b', 'query or fragment at end of the URI "https://m.example/?a=b"'],
      ['https://m.example/#x', 'query or fragment at end of the URI'],
      ['https://u:secret@m.example', 'username/password not allowed in URI "https://u:xxxxx@m.example"'],
    ];
    for (const [m, why] of cases) {
      expect(() => mirrors([m]), m)
        .to.throw(UsageError, `invalid configuration file /etc/t.json: invalid mirror: ${why}`)
        .with.property('message')
        .that.does.not.include('secret');
    }
    expect(() => mirrors('https://m.example')).to.throw(
      UsageError,
      '"registry-mirrors" must be a list of strings',
    );
  });
});
