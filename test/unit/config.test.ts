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
