import { expect } from 'chai';
import { cacheKey, stableJson } from '../../src/runtime/build/cache.js';
import { parseDockerfile } from '../../src/runtime/build/dockerfile.js';
import {
  dispatchMeta,
  emptyState,
  fillHistoryTimes,
  goDuration,
  normalizeWorkdir,
  runCommandString,
  withShell,
  type ArgContext,
} from '../../src/runtime/build/state.js';

const platform = { architecture: 'amd64', os: 'linux' };

function dispatchAll(text: string, buildArgs: Record<string, string> = {}) {
  const df = parseDockerfile(text);
  const s = emptyState(platform, df.escape);
  const args: ArgContext = {
    buildArgs: new Map(Object.entries(buildArgs)),
    globals: new Map([['GLOBAL', 'g']]),
    consumed: new Set(),
  };
  for (const c of df.stages[0]!.commands) dispatchMeta(s, c, args);
  return { s, args };
}

describe('build: cache keys', () => {
  it('do not depend on key order, and change with any input', () => {
    expect(stableJson({ b: 1, a: [2, { d: 3, c: 4 }] })).to.equal('{"a":[2,{"c":4,"d":3}],"b":1}');
    const k = cacheKey({ op: 'run', parent: 'sha256:p', argv: ['sh', '-c', 'x'], env: ['A=1'] });
    expect(k).to.match(/^sha256:[0-9a-f]{64}$/);
    expect(cacheKey({ env: ['A=1'], argv: ['sh', '-c', 'x'], parent: 'sha256:p', op: 'run' })).to.equal(k);
    expect(cacheKey({ op: 'run', parent: 'sha256:q', argv: ['sh', '-c', 'x'], env: ['A=1'] })).to.not.equal(
      k,
    );
    expect(cacheKey({ op: 'run', parent: 'sha256:p', argv: ['sh', '-c', 'x'], env: ['A=2'] })).to.not.equal(
      k,
    );
    expect(
      cacheKey({ op: 'run', parent: 'sha256:p', argv: ['sh', '-c', 'x'], env: ['A=1'], gone: undefined }),
    ).to.equal(k);
  });
});

describe('build: metadata instructions', () => {
  it('ENV and ARG: expansion, build args, globals, ENV in the image but ARG only in the build env', () => {
    const { s, args } = dispatchAll(
      'FROM scratch\nARG A=default\nARG B\nARG GLOBAL\nENV C=${A}-${B:-none} D="two words"\nARG A=again\n',
      { B: 'given', UNUSED: 'x' },
    );
    expect(s.config.Env).to.deep.equal([
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'C=default-given',
      'D=two words',
    ]);
    expect(s.env).to.include('A=again').and.include('B=given').and.include('GLOBAL=g');
    expect([...args.consumed]).to.deep.equal(['B']);
    expect(s.history.map((h) => h.created_by)).to.deep.equal([
      'ARG A=default',
      'ARG B=given',
      'ARG GLOBAL=g',
      'ENV C=default-given D=two words',
      'ARG A=again',
    ]);
    expect(runCommandString(s, ['/bin/sh', '-c', 'echo'])).to.equal(
      '|3 A=again B=given GLOBAL=g /bin/sh -c echo',
    );
  });

  it('CMD, ENTRYPOINT and SHELL: shell form wrapped, ENTRYPOINT resets an inherited CMD', () => {
    const { s } = dispatchAll('FROM scratch\nSHELL ["/bin/bash", "-c"]\nCMD echo hi\n');
    expect(s.config.Cmd).to.deep.equal(['/bin/bash', '-c', 'echo hi']);
    expect(s.history.at(-1)!.created_by).to.equal('CMD ["/bin/bash" "-c" "echo hi"]');
    const inherited = emptyState(platform, '\\');
    inherited.config.Cmd = ['old'];
    const df = parseDockerfile('FROM scratch\nENTRYPOINT ["run"]\n');
    dispatchMeta(inherited, df.stages[0]!.commands[0]!, {
      buildArgs: new Map(),
      globals: new Map(),
      consumed: new Set(),
    });
    expect([inherited.config.Entrypoint, inherited.config.Cmd]).to.deep.equal([['run'], null]);
    expect(withShell(emptyState(platform, '\\'), { args: ['a b'], prependShell: true })).to.deep.equal([
      '/bin/sh',
      '-c',
      'a b',
    ]);
  });

  it('EXPOSE, VOLUME, LABEL, USER, STOPSIGNAL, HEALTHCHECK, ONBUILD', () => {
    const { s } = dispatchAll(
      [
        'FROM scratch',
        'ARG P=8080',
        'EXPOSE $P 53/udp 7000-7001',
        'VOLUME ["/a", "/b"]',
        'LABEL "com.x"="y z"',
        'USER app:app',
        'STOPSIGNAL SIGQUIT',
        'HEALTHCHECK --interval=1m30s CMD ["true"]',
        'ONBUILD RUN echo later',
        '',
      ].join('\n'),
    );
    expect(Object.keys(s.config.ExposedPorts!)).to.deep.equal(['8080/tcp', '53/udp', '7000/tcp', '7001/tcp']);
    expect(Object.keys(s.config.Volumes!)).to.deep.equal(['/a', '/b']);
    expect(s.config.Labels).to.deep.equal({ 'com.x': 'y z' });
    expect([s.config.User, s.config.StopSignal]).to.deep.equal(['app:app', 'SIGQUIT']);
    expect(s.config.Healthcheck).to.deep.equal({ Test: ['CMD', 'true'], Interval: 90e9 });
    expect(s.config.OnBuild).to.deep.equal(['RUN echo later']);
    expect(s.history.map((h) => h.created_by)).to.include(
      'HEALTHCHECK {Test:[CMD true] Interval:1m30s Timeout:0s StartPeriod:0s StartInterval:0s Retries:0}',
    );
    expect(() => dispatchAll('FROM scratch\nSTOPSIGNAL NOPE\n')).to.throw('Invalid signal: NOPE');
    expect(() => dispatchAll('FROM scratch\nEXPOSE 80/xyz\n')).to.throw('invalid proto: xyz');
  });

  it('WORKDIR normalisation and Go durations', () => {
    expect(normalizeWorkdir('', 'app')).to.equal('/app');
    expect(normalizeWorkdir('/srv', 'app/../b/./c/')).to.equal('/srv/b/c');
    expect(normalizeWorkdir('/srv', '/abs')).to.equal('/abs');
    expect([
      goDuration(5e9),
      goDuration(90e9),
      goDuration(3600e9),
      goDuration(0),
      goDuration(1.5e6),
    ]).to.deep.equal(['5s', '1m30s', '1h0m0s', '0s', '1.5ms']);
  });

  it("history times are filled as BuildKit's exporter fills them", () => {
    const { history, created } = fillHistoryTimes([
      { created: '2020-01-01T00:00:00Z', created_by: 'base' },
      { created_by: 'ENV a=b', empty_layer: true },
      { created: '2024-05-05T00:00:00Z', created_by: 'RUN x' },
      { created_by: 'CMD', empty_layer: true },
    ]);
    expect(history.map((h) => h.created)).to.deep.equal([
      '2020-01-01T00:00:00Z',
      '2024-05-05T00:00:00Z',
      '2024-05-05T00:00:00Z',
      '2024-05-05T00:00:00Z',
    ]);
    expect(created).to.equal('2024-05-05T00:00:00Z');
  });
});
