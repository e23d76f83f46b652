import { expect } from 'chai';
import { UsageError } from '../../src/runtime/errors.js';
import { parseContainerOptions } from '../../src/runtime/opts/container.js';
import {
  validateAlias,
  validateContainerName,
  validateDns,
  validateDnsOption,
  validateDnsSearch,
  validateDomainname,
  validateExtraHost,
  validateHostname,
} from '../../src/runtime/opts/names.js';

/** Every refusal is one line: a newline in the value is shown escaped. */
function refused(fn: () => unknown, message: string | RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, String(message)).to.be.instanceOf(UsageError);
  const text = (err as Error).message;
  expect(text).to.not.include('\n');
  if (typeof message === 'string') expect(text).to.equal(message);
  else expect(text).to.match(message);
}

describe('names that reach other containers’ files', () => {
  it('hostnames: RFC 1123 labels (and _), at most 64 characters', () => {
    for (const ok of ['web', 'web-1', 'db_primary', 'a.b.c', 'x'.repeat(63), '1abc']) {
      expect(validateHostname(ok)).to.equal(ok);
    }
    for (const bad of [
      '',
      'a b',
      'web\n10.0.0.1 evil',
      '-web',
      'web-',
      'a..b',
      'a.',
      'x'.repeat(65),
      'a#b',
      'a\tb',
    ]) {
      refused(() => validateHostname(bad), `invalid hostname format: ${JSON.stringify(bad).slice(1, -1)}`);
    }
    expect(validateDomainname('example.com.')).to.equal('example.com.');
    refused(() => validateDomainname('example com'), 'invalid domainname format: example com');
  });

  it('aliases: host names up to 253 characters, pflag wording', () => {
    expect(validateAlias('db.internal')).to.equal('db.internal');
    refused(
      () => validateAlias('db\n1.2.3.4 bank'),
      'invalid argument "db\\n1.2.3.4 bank" for "--network-alias" flag: db\\n1.2.3.4 bank is not a valid DNS name',
    );
    refused(() => validateAlias('a b', 'alias'), /for "--alias" flag/);
  });

  it("--add-host: Docker's format, name=ip too, brackets dropped, names held to the host name rule", () => {
    expect(validateExtraHost('db:10.0.0.2')).to.equal('db:10.0.0.2');
    expect(validateExtraHost('db=10.0.0.2')).to.equal('db:10.0.0.2');
    expect(validateExtraHost('v6=[::1]')).to.equal('v6:::1');
    expect(validateExtraHost('v6:::1')).to.equal('v6:::1');
    expect(validateExtraHost('gw:host-gateway')).to.equal('gw:host-gateway');
    refused(
      () => validateExtraHost('nohost'),
      'invalid argument "nohost" for "--add-host" flag: bad format for add-host: "nohost"',
    );
    refused(() => validateExtraHost(':1.2.3.4'), /bad format for add-host/);
    refused(
      () => validateExtraHost('a\nb:1.2.3.4'),
      'invalid argument "a\\nb:1.2.3.4" for "--add-host" flag: invalid hostname in add-host: "a\\nb"',
    );
    refused(
      () => validateExtraHost('a:1.2.3.4\n5.6.7.8 b'),
      /invalid IP address in add-host: "1\.2\.3\.4\\n5\.6\.7\.8 b"/,
    );
    refused(() => validateExtraHost('a:300.1.1.1'), /invalid IP address in add-host/);
  });

  it("--dns-search: docker/cli's domain rule, normalised; blanks but no newline may trail", () => {
    expect(validateDnsSearch('.')).to.equal('.');
    expect(validateDnsSearch('example.com.')).to.equal('example.com');
    expect(validateDnsSearch(' corp.example ')).to.equal('corp.example');
    for (const bad of ['123', 'a b', 'example.com\nnameserver 6.6.6.6', '-x.com', 'x'.repeat(256)]) {
      refused(
        () => validateDnsSearch(bad),
        /^invalid argument ".*" for "--dns-search" flag: .* is not a valid domain$/,
      );
    }
  });

  it('--dns-option: one option word; --dns: an address', () => {
    for (const ok of ['ndots:2', 'rotate', 'edns0', 'timeout:1', 'single-request-reopen', 'trust-ad']) {
      expect(validateDnsOption(ok)).to.equal(ok);
    }
    for (const bad of ['', 'ndots:2\nnameserver 6.6.6.6', 'a b', '#x']) {
      refused(() => validateDnsOption(bad), /for "--dns-option" flag: .* is not a valid resolver option$/);
    }
    expect(validateDns('10.0.0.53')).to.equal('10.0.0.53');
    refused(
      () => validateDns('10.0.0.53\nsearch evil'),
      /for "--dns" flag: IP address is not correctly formatted/,
    );
  });

  it("container names: Docker's rule and the daemon's message", () => {
    expect(validateContainerName('/web.1')).to.equal('web.1');
    refused(
      () => validateContainerName('a\nb'),
      'Error response from daemon: Invalid container name (a\\nb), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed',
    );
  });

  it('the options parser applies them and keeps the normalised forms', () => {
    const o = parseContainerOptions(
      { image: 'i', addHost: ['db=10.0.0.2'], dnsSearch: ['corp.'], hostname: 'h1', networkAlias: ['a1'] },
      {},
      { cpus: 2, memTotal: 1 << 30 },
    );
    expect(o.extraHosts).to.deep.equal(['db:10.0.0.2']);
    expect(o.dnsSearch).to.deep.equal(['corp']);
    expect(o.hostname).to.equal('h1');
    refused(
      () => parseContainerOptions({ image: 'i', hostname: 'a\nb' }, {}, { cpus: 2, memTotal: 1 }),
      /invalid hostname format/,
    );
  });
});
