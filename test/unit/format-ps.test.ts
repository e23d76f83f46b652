import { expect } from 'chai';
import {
  ellipsis,
  formatLabels,
  formatPorts,
  psCommand,
  runningFor,
  shortId,
  statusString,
  type PortSummary,
} from '../../src/runtime/format/ps.js';

const now = new Date('2024-06-01T12:00:00Z');
const ago = (ms: number): Date => new Date(now.getTime() - ms);
const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;

describe('format/ps: statusString (moby State.String)', () => {
  it('created / running / paused / restarting / exited / dead / removing', () => {
    const zero = new Date('0001-01-01T00:00:00Z');
    expect(statusString({ state: 'created', startedAt: zero, finishedAt: zero, now })).to.equal('Created');
    expect(statusString({ state: 'running', startedAt: ago(3 * S), now })).to.equal('Up 3 seconds');
    expect(statusString({ state: 'running', startedAt: ago(500), now })).to.equal('Up Less than a second');
    expect(statusString({ state: 'running', startedAt: ago(1 * S), now })).to.equal('Up 1 second');
    expect(statusString({ state: 'running', startedAt: ago(60 * S), now })).to.equal('Up About a minute');
    expect(statusString({ state: 'running', startedAt: ago(2 * H), now })).to.equal('Up 2 hours');
    expect(statusString({ state: 'running', startedAt: ago(50 * MIN), now })).to.equal('Up 50 minutes');
    expect(statusString({ state: 'running', startedAt: ago(5 * S), now, health: 'healthy' })).to.equal(
      'Up 5 seconds (healthy)',
    );
    expect(statusString({ state: 'running', startedAt: ago(5 * S), now, health: 'starting' })).to.equal(
      'Up 5 seconds (health: starting)',
    );
    expect(statusString({ state: 'paused', startedAt: ago(5 * MIN), now })).to.equal('Up 5 minutes (Paused)');
    expect(
      statusString({ state: 'restarting', startedAt: ago(9 * S), finishedAt: ago(3 * S), exitCode: 1, now }),
    ).to.equal('Restarting (1) 3 seconds ago');
    expect(
      statusString({ state: 'exited', startedAt: ago(H), finishedAt: ago(5 * S), exitCode: 0, now }),
    ).to.equal('Exited (0) 5 seconds ago');
    expect(
      statusString({ state: 'exited', startedAt: ago(H), finishedAt: ago(3 * MIN), exitCode: 137, now }),
    ).to.equal('Exited (137) 3 minutes ago');
    // never started (e.g. start failed): Docker still says Created
    expect(statusString({ state: 'exited', startedAt: zero, finishedAt: zero, exitCode: 127, now })).to.equal(
      'Created',
    );
    expect(statusString({ state: 'exited', startedAt: new Date('invalid'), exitCode: 1, now })).to.equal(
      'Created',
    );
    expect(statusString({ state: 'dead', now })).to.equal('Dead');
    expect(statusString({ state: 'removing', now })).to.equal('Removal In Progress');
  });

  it('runningFor appends "ago"', () => {
    expect(runningFor(ago(2 * MIN), now)).to.equal('2 minutes ago');
    expect(runningFor(ago(100), now)).to.equal('Less than a second ago');
    expect(runningFor(ago(3 * 24 * H), now)).to.equal('3 days ago');
  });
});

describe('format/ps: psCommand', () => {
  it('quotes, joins and truncates like docker ps', () => {
    expect(psCommand('/bin/sh', [], false)).to.equal('"/bin/sh"');
    expect(psCommand('sh', ['-c', 'sleep 1000'], false)).to.equal(`"sh -c 'sleep 1000'"`);
    expect(psCommand('sleep', ['infinity'], false)).to.equal('"sleep infinity"');
    expect(psCommand('sh', ['-c', 'while true; do echo hi; done'], false)).to.equal(
      '"sh -c \'while true; …"',
    );
    expect(psCommand('sh', ['-c', 'while true; do echo hi; done'], true)).to.equal(
      `"sh -c 'while true; do echo hi; done'"`,
    );
    expect(psCommand('/docker-entrypoint.sh', ['nginx', '-g', 'daemon off;'], false)).to.equal(
      '"/docker-entrypoint.…"',
    );
    expect(psCommand('echo', ['a"b', 'tab\there'], false)).to.equal('"echo a\\"b tab\\there"');
    // exactly 20 characters are kept whole
    expect(psCommand('12345678901234567890', [], false)).to.equal('"12345678901234567890"');
    expect(psCommand('123456789012345678901', [], false)).to.equal('"1234567890123456789…"');
  });

  it('ellipsis follows docker/cli', () => {
    expect(ellipsis('abc', 0)).to.equal('');
    expect(ellipsis('abc', 1)).to.equal('a');
    expect(ellipsis('abcdef', 4)).to.equal('abc…');
    expect(ellipsis('abcd', 4)).to.equal('abcd');
  });
});

describe('format/ps: formatPorts (docker/cli TestDisplayablePorts)', () => {
  const cases: [PortSummary[], string][] = [
    [[{ PrivatePort: 9988, Type: 'tcp' }], '9988/tcp'],
    [[{ PrivatePort: 9988, Type: 'udp' }], '9988/udp'],
    [[{ IP: '0.0.0.0', PrivatePort: 9988, Type: 'tcp' }], '0.0.0.0:0->9988/tcp'],
    [[{ IP: '::', PrivatePort: 9988, Type: 'tcp' }], '[::]:0->9988/tcp'],
    [[{ PrivatePort: 9988, PublicPort: 8899, Type: 'tcp' }], '9988/tcp'],
    [[{ IP: '4.3.2.1', PrivatePort: 9988, PublicPort: 8899, Type: 'tcp' }], '4.3.2.1:8899->9988/tcp'],
    [[{ IP: '4.3.2.1', PrivatePort: 9988, PublicPort: 9988, Type: 'tcp' }], '4.3.2.1:9988->9988/tcp'],
    [
      [
        { PrivatePort: 9988, Type: 'udp' },
        { PrivatePort: 9988, Type: 'udp' },
      ],
      '9988/udp, 9988/udp',
    ],
    [
      [
        { IP: '1.2.3.4', PublicPort: 9998, PrivatePort: 9998, Type: 'udp' },
        { IP: '1.2.3.4', PublicPort: 9999, PrivatePort: 9999, Type: 'udp' },
      ],
      '1.2.3.4:9998-9999->9998-9999/udp',
    ],
    [
      [
        { IP: '::1', PublicPort: 9998, PrivatePort: 9998, Type: 'udp' },
        { IP: '::1', PublicPort: 9999, PrivatePort: 9999, Type: 'udp' },
      ],
      '[::1]:9998-9999->9998-9999/udp',
    ],
    [
      [
        { IP: '1.2.3.4', PublicPort: 8887, PrivatePort: 9998, Type: 'udp' },
        { IP: '1.2.3.4', PublicPort: 8888, PrivatePort: 9999, Type: 'udp' },
      ],
      '1.2.3.4:8887->9998/udp, 1.2.3.4:8888->9999/udp',
    ],
    [
      [
        { PrivatePort: 9998, Type: 'udp' },
        { PrivatePort: 9999, Type: 'udp' },
      ],
      '9998-9999/udp',
    ],
    [
      [
        { IP: '1.2.3.4', PrivatePort: 6677, PublicPort: 7766, Type: 'tcp' },
        { PrivatePort: 9988, PublicPort: 8899, Type: 'udp' },
      ],
      '9988/udp, 1.2.3.4:7766->6677/tcp',
    ],
    [
      [
        { IP: '1.2.3.4', PrivatePort: 9988, PublicPort: 8899, Type: 'udp' },
        { IP: '1.2.3.4', PrivatePort: 9988, PublicPort: 8899, Type: 'tcp' },
        { IP: '4.3.2.1', PrivatePort: 2233, PublicPort: 3322, Type: 'tcp' },
        { IP: '::1', PrivatePort: 2233, PublicPort: 3322, Type: 'tcp' },
      ],
      '4.3.2.1:3322->2233/tcp, [::1]:3322->2233/tcp, 1.2.3.4:8899->9988/tcp, 1.2.3.4:8899->9988/udp',
    ],
    [
      [
        { PrivatePort: 80, Type: 'tcp' },
        { PrivatePort: 1024, Type: 'tcp' },
        { PrivatePort: 80, Type: 'udp' },
        { PrivatePort: 1024, Type: 'udp' },
        { IP: '1.1.1.1', PublicPort: 80, PrivatePort: 1024, Type: 'tcp' },
        { IP: '1.1.1.1', PublicPort: 80, PrivatePort: 1024, Type: 'udp' },
        { IP: '1.1.1.1', PublicPort: 1024, PrivatePort: 80, Type: 'tcp' },
        { IP: '1.1.1.1', PublicPort: 1024, PrivatePort: 80, Type: 'udp' },
        { IP: '2.1.1.1', PublicPort: 80, PrivatePort: 1024, Type: 'tcp' },
        { IP: '2.1.1.1', PublicPort: 80, PrivatePort: 1024, Type: 'udp' },
        { IP: '2.1.1.1', PublicPort: 1024, PrivatePort: 80, Type: 'tcp' },
        { IP: '2.1.1.1', PublicPort: 1024, PrivatePort: 80, Type: 'udp' },
        { PrivatePort: 12345, Type: 'sctp' },
      ],
      '80/tcp, 80/udp, 1024/tcp, 1024/udp, 12345/sctp, 1.1.1.1:1024->80/tcp, 1.1.1.1:1024->80/udp, ' +
        '2.1.1.1:1024->80/tcp, 2.1.1.1:1024->80/udp, 1.1.1.1:80->1024/tcp, 1.1.1.1:80->1024/udp, ' +
        '2.1.1.1:80->1024/tcp, 2.1.1.1:80->1024/udp',
    ],
    [
      [
        { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
        { PrivatePort: 81, Type: 'tcp' },
        { PrivatePort: 82, Type: 'tcp' },
      ],
      '81-82/tcp, 0.0.0.0:8080->80/tcp',
    ],
    [[], ''],
  ];
  cases.forEach(([ports, want], i) =>
    it(`case ${i}: ${want || '(none)'}`, () => expect(formatPorts(ports)).to.equal(want)),
  );
});

describe('format/ps: labels and ids', () => {
  it('formatLabels sorts k=v pairs', () => {
    expect(formatLabels({ b: '2', a: '1', 'com.x': 'y=z' })).to.equal('a=1,b=2,com.x=y=z');
    expect(formatLabels({})).to.equal('');
    expect(formatLabels(null)).to.equal('');
  });

  it('shortId keeps 12 characters without algorithm prefix', () => {
    expect(shortId('0123456789abcdef0123')).to.equal('0123456789ab');
    expect(shortId('sha256:0123456789abcdef0123')).to.equal('0123456789ab');
    expect(shortId('abc')).to.equal('abc');
  });
});
