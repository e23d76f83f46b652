import { expect } from 'chai';
import {
  familiar,
  normalize,
  parse,
  parseAnyReference,
  parseNormalizedNamed,
  splitRepositoryTag,
} from '../../src/runtime/images/reference.js';

const F64 = 'f'.repeat(64);
const F128 = 'f'.repeat(128);

// Vectors from distribution/reference's reference_test.go (TestReferenceParse).
const parseCases: {
  input: string;
  err?: string;
  repository?: string;
  domain?: string;
  tag?: string;
  digest?: string;
}[] = [
  { input: 'test_com', repository: 'test_com' },
  { input: 'test.com:tag', repository: 'test.com', tag: 'tag' },
  { input: 'test.com:5000', repository: 'test.com', tag: '5000' },
  { input: 'test.com/repo:tag', domain: 'test.com', repository: 'test.com/repo', tag: 'tag' },
  { input: 'test:5000/repo', domain: 'test:5000', repository: 'test:5000/repo' },
  { input: 'test:5000/repo:tag', domain: 'test:5000', repository: 'test:5000/repo', tag: 'tag' },
  {
    input: `test:5000/repo@sha256:${F64}`,
    domain: 'test:5000',
    repository: 'test:5000/repo',
    digest: `sha256:${F64}`,
  },
  {
    input: `test:5000/repo:tag@sha256:${F64}`,
    domain: 'test:5000',
    repository: 'test:5000/repo',
    tag: 'tag',
    digest: `sha256:${F64}`,
  },
  { input: '', err: 'repository name must have at least one component' },
  { input: ':justtag', err: 'invalid reference format' },
  { input: `@sha256:${F64}`, err: 'invalid reference format' },
  { input: `repo@sha256:${'f'.repeat(34)}`, err: 'invalid checksum digest length' },
  { input: `validname@invaliddigest:${F64}`, err: 'unsupported digest algorithm' },
  { input: 'Uppercase:tag', err: 'invalid reference format: repository name must be lowercase' },
  {
    input: 'test:5000/Uppercase/lowercase:tag',
    err: 'invalid reference format: repository name must be lowercase',
  },
  { input: 'lowercase:Uppercase', repository: 'lowercase', tag: 'Uppercase' },
  { input: 'a/'.repeat(128) + 'a:tag', err: 'repository name must not be more than 255 characters' },
  {
    input: 'a/'.repeat(127) + 'a:tag-puts-this-over-max',
    domain: 'a',
    repository: 'a/'.repeat(127) + 'a',
    tag: 'tag-puts-this-over-max',
  },
  { input: 'aa/asdf$$^/aa', err: 'invalid reference format' },
  {
    input: 'sub-dom1.foo.com/bar/baz/quux',
    domain: 'sub-dom1.foo.com',
    repository: 'sub-dom1.foo.com/bar/baz/quux',
  },
  {
    input: 'b.gcr.io/test.example.com/my-app:test.example.com',
    domain: 'b.gcr.io',
    repository: 'b.gcr.io/test.example.com/my-app',
    tag: 'test.example.com',
  },
  {
    input: `xn--7o8h.com/myimage:xn--7o8h.com@sha512:${F128}`,
    domain: 'xn--7o8h.com',
    repository: 'xn--7o8h.com/myimage',
    tag: 'xn--7o8h.com',
    digest: `sha512:${F128}`,
  },
  { input: 'foo_bar.com:8080', repository: 'foo_bar.com', tag: '8080' },
  { input: 'foo/foo_bar.com:8080', domain: 'foo', repository: 'foo/foo_bar.com', tag: '8080' },
  { input: '192.168.1.1', repository: '192.168.1.1' },
  {
    input: '192.168.1.1:5000/repo:5050',
    domain: '192.168.1.1:5000',
    repository: '192.168.1.1:5000/repo',
    tag: '5050',
  },
  { input: '[2001:db8::1]', err: 'invalid reference format' },
  { input: '[2001:db8::1]:5000', err: 'invalid reference format' },
  { input: '[2001:db8::1]/repo', domain: '[2001:db8::1]', repository: '[2001:db8::1]/repo' },
  {
    input: '[2001:db8::1]:5000/repo:tag',
    domain: '[2001:db8::1]:5000',
    repository: '[2001:db8::1]:5000/repo',
    tag: 'tag',
  },
  { input: '[::1]:5000/repo', domain: '[::1]:5000', repository: '[::1]:5000/repo' },
  { input: '[fe80::1%eth0]:5000/repo', err: 'invalid reference format' },
];

describe('image references: parse (distribution/reference vectors)', () => {
  for (const tc of parseCases) {
    it(JSON.stringify(tc.input.length > 60 ? tc.input.slice(0, 60) + '…' : tc.input), () => {
      if (tc.err) {
        expect(() => parse(tc.input)).to.throw(tc.err);
        return;
      }
      const r = parse(tc.input);
      expect(r.domain ? `${r.domain}/${r.path}` : r.path).to.equal(tc.repository);
      expect(r.domain).to.equal(tc.domain ?? '');
      expect(r.tag).to.equal(tc.tag);
      expect(r.digest).to.equal(tc.digest);
    });
  }
});

describe('image references: normalisation', () => {
  const valid = [
    'docker/docker',
    'library/debian',
    'debian',
    'docker.io/docker/docker',
    'docker.io/library/debian',
    'docker.io/debian',
    'index.docker.io/docker/docker',
    'index.docker.io/debian',
    '127.0.0.1:5000/docker/docker',
    '192.168.0.1',
    '192.168.0.1:80',
    '192.168.0.2:25000/debian',
    'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev',
    '[fc00::1]:5000/docker',
    'docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
    'Docker/docker',
    'DOCKER/docker',
    'docker---rules/docker',
    'dock__er/docker',
    'd/docker',
  ];
  const invalid = [
    'https://github.com/docker/docker',
    'docker/Docker',
    '-docker',
    '-docker/docker',
    'docker///docker',
    'docker.io/docker/Docker',
    '[fc00::1]',
    '[fc00::1]:5000',
    'fc00::1:5000/debian',
    '[fe80::1%eth0]:5000/debian',
    '[2001:db8:3:4::192.0.2.33]:5000/debian',
    '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
    'docker-/docker',
    '____/____',
    'dock..er/docker',
    'docker/',
  ];
  for (const name of valid)
    it(`accepts ${name}`, () => expect(() => parseNormalizedNamed(name)).not.to.throw());
  for (const name of invalid)
    it(`rejects ${name}`, () => expect(() => parseNormalizedNamed(name)).to.throw());

  // TestParseRepositoryInfo
  const infos: [string[], string, string][] = [
    [['fooo/bar', 'docker.io/fooo/bar', 'index.docker.io/fooo/bar'], 'fooo/bar', 'docker.io/fooo/bar'],
    [['ubuntu', 'docker.io/library/ubuntu', 'library/ubuntu'], 'ubuntu', 'docker.io/library/ubuntu'],
    [
      ['127.0.0.1:8000/private/moonbase'],
      '127.0.0.1:8000/private/moonbase',
      '127.0.0.1:8000/private/moonbase',
    ],
    [['example.com/privatebase'], 'example.com/privatebase', 'example.com/privatebase'],
    [['docker.io/foo'], 'foo', 'docker.io/library/foo'],
    [['library/foo/bar'], 'library/foo/bar', 'docker.io/library/foo/bar'],
    [['Foo/bar'], 'Foo/bar', 'Foo/bar'],
  ];
  for (const [inputs, fam, full] of infos) {
    for (const input of inputs) {
      it(`${input} → ${full} (familiar ${fam})`, () => {
        const r = parseNormalizedNamed(input);
        expect(`${r.domain}/${r.path}`).to.equal(full);
        expect(familiar(full)).to.equal(fam);
      });
    }
  }

  it('adds :latest and fully qualifies the containerd image name', () => {
    expect(normalize('busybox')).to.equal('docker.io/library/busybox:latest');
    expect(normalize('user/repo')).to.equal('docker.io/user/repo:latest');
    expect(normalize('localhost:5000/x:tag')).to.equal('localhost:5000/x:tag');
    expect(normalize('localhost/x')).to.equal('localhost/x:latest');
    expect(normalize(`busybox@sha256:${F64}`)).to.equal(`docker.io/library/busybox@sha256:${F64}`);
    expect(normalize(`busybox:1@sha256:${F64}`)).to.equal(`docker.io/library/busybox:1@sha256:${F64}`);
  });

  it("reports uppercase names with Docker's message", () => {
    expect(() => normalize('Busybox')).to.throw(
      'invalid reference format: repository name (library/Busybox) must be lowercase',
    );
    expect(() => normalize('busybox:')).to.throw('invalid reference format');
  });

  it('gives familiar names and the REPOSITORY/TAG split', () => {
    expect(familiar('docker.io/library/busybox:latest')).to.equal('busybox:latest');
    expect(familiar('localhost:5000/x:1')).to.equal('localhost:5000/x:1');
    expect(splitRepositoryTag('docker.io/user/repo:v1')).to.deep.equal({
      repository: 'user/repo',
      tag: 'v1',
    });
    expect(splitRepositoryTag(`docker.io/library/busybox@sha256:${F64}`)).to.deep.equal({
      repository: 'busybox',
      tag: '<none>',
      digest: `sha256:${F64}`,
    });
  });

  it('tells ids from names like ParseAnyReference', () => {
    expect(parseAnyReference(F64.replace(/f/g, 'a'))).to.deep.equal({ id: `sha256:${'a'.repeat(64)}` });
    expect(parseAnyReference(`sha256:${F64}`)).to.deep.equal({ id: `sha256:${F64}` });
    expect(parseAnyReference('redis:latest')).to.deep.equal({
      ref: { domain: 'docker.io', path: 'library/redis', tag: 'latest' },
    });
    expect(parseAnyReference('dbcc1')).to.deep.equal({ ref: { domain: 'docker.io', path: 'library/dbcc1' } });
  });
});
