/**
 * The mount flag parsers against Docker's own test vectors: docker/cli internal/volumespec
 * (volumespec_test.go) and opts/mount_test.go, moby daemon/volume/mounts/linux_parser_test.go.
 */
import { expect } from 'chai';
import { errorMessage } from './helpers.js';
import { resolve } from 'node:path';
import {
  cliVolume,
  csvFields,
  parseBind,
  parseMountFlag,
  parseMountSpec,
  parseVolumesFrom,
  splitVolumeSpec,
  tmpfsData,
  validateVolumeName,
  type MountPoint,
} from '../../src/runtime/opts/mounts.js';
import { planMounts, specMounts } from '../../src/runtime/volumes/mounts.js';
import { inspectMounts } from '../../src/runtime/volumes/usage.js';

const msg = errorMessage;

describe('-v, the CLI stage (docker/cli volumespec_test.go)', () => {
  it('anonymous volumes, short specs', () => {
    for (const p of ['/path', '/path/foo', '.', '/a']) {
      expect(splitVolumeSpec(p)).to.deep.equal({ source: '', target: p, bind: false });
    }
  });
  it('a Windows drive letter stays in its field', () => {
    expect(splitVolumeSpec('C:\\path')).to.deep.equal({ source: '', target: 'C:\\path', bind: false });
    expect(splitVolumeSpec('C:\\source\\foo:D:\\target:ro,rprivate')).to.deep.equal({
      source: 'C:\\source\\foo',
      target: 'D:\\target',
      bind: true,
    });
  });
  it('too many colons; empty sections', () => {
    expect(msg(() => splitVolumeSpec('/foo:/foo:ro:foo'))).to.equal(
      'invalid spec: /foo:/foo:ro:foo: too many colons',
    );
    for (const spec of [':foo', '/foo::ro']) {
      expect(msg(() => splitVolumeSpec(spec))).to.contain('empty section between colons');
    }
    expect(msg(() => splitVolumeSpec(''))).to.equal('invalid empty volume spec');
  });
  it('binds by the look of the source; volumes otherwise', () => {
    for (const p of ['./foo', '~/thing', '../other', '/foo', '/home/user']) {
      expect(splitVolumeSpec(`${p}:/target`)).to.deep.equal({ source: p, target: '/target', bind: true });
    }
    expect(splitVolumeSpec('name:/target:bogus')).to.deep.equal({
      source: 'name',
      target: '/target',
      bind: false,
    });
    expect(splitVolumeSpec('name:/target:nocopy').bind).to.equal(false);
  });
  it('relative host paths are made absolute; anonymous volumes go to Config.Volumes', () => {
    expect(cliVolume('./src:/src:ro', '/home/u')).to.deep.equal({ bind: '/home/u/src:/src:ro' });
    expect(cliVolume('../x:/x', '/home/u')).to.deep.equal({ bind: '/home/x:/x' });
    expect(cliVolume('~/x:/x', '/home/u')).to.deep.equal({ bind: '~/x:/x' });
    expect(cliVolume('data:/x', '/home/u')).to.deep.equal({ bind: 'data:/x' });
    expect(cliVolume('/anon', '/home/u')).to.deep.equal({ volume: '/anon' });
  });
});

describe('-v, the daemon stage (moby linux_parser_test.go)', () => {
  const valid = [
    '/home',
    '/home:/home',
    '/home:/something/else',
    '/with space',
    '/home:/with space',
    'relative:/absolute-path',
    'hostPath:/containerPath:ro',
    '/hostPath:/containerPath:rw',
    '/rw:/ro',
    '/hostPath:/containerPath:shared',
    '/hostPath:/containerPath:rshared',
    '/hostPath:/containerPath:slave',
    '/hostPath:/containerPath:rslave',
    '/hostPath:/containerPath:private',
    '/hostPath:/containerPath:rprivate',
    '/hostPath:/containerPath:ro,shared',
    '/hostPath:/containerPath:ro,slave',
    '/hostPath:/containerPath:ro,private',
    '/hostPath:/containerPath:ro,z,shared',
    '/hostPath:/containerPath:ro,Z,slave',
    '/hostPath:/containerPath:Z,ro,slave',
    '/hostPath:/containerPath:slave,Z,ro',
    '/hostPath:/containerPath:Z,slave,ro',
    '/hostPath:/containerPath:slave,ro,Z',
    '/hostPath:/containerPath:rslave,ro,Z',
    '/hostPath:/containerPath:ro,rshared,Z',
    '/hostPath:/containerPath:ro,Z,rprivate',
  ];
  const invalid: Record<string, string> = {
    '': 'invalid volume specification',
    './': 'mount path must be absolute',
    '../': 'mount path must be absolute',
    '/:../': 'mount path must be absolute',
    '/:path': 'mount path must be absolute',
    ':': 'invalid volume specification',
    '/tmp:': 'invalid volume specification',
    ':test': 'invalid volume specification',
    ':/test': 'invalid volume specification',
    'tmp:': 'invalid volume specification',
    ':test:': 'invalid volume specification',
    '::': 'invalid volume specification',
    ':::': 'invalid volume specification',
    '/tmp:::': 'invalid volume specification',
    ':/tmp::': 'invalid volume specification',
    '/path:rw': 'invalid volume specification',
    '/path:ro': 'invalid volume specification',
    '/rw:rw': 'invalid volume specification',
    'path:ro': 'invalid volume specification',
    '/path:/path:sw': 'invalid mode',
    '/path:/path:rwz': 'invalid mode',
    '/path:/path:ro,rshared,rslave': 'invalid mode',
    '/path:/path:ro,z,rshared,rslave': 'invalid mode',
    '/path:shared': 'invalid volume specification',
    '/path:slave': 'invalid volume specification',
    '/path:private': 'invalid volume specification',
    'name:/absolute-path:shared': 'invalid volume specification',
    'name:/absolute-path:rshared': 'invalid volume specification',
    'name:/absolute-path:slave': 'invalid volume specification',
    'name:/absolute-path:rslave': 'invalid volume specification',
    'name:/absolute-path:private': 'invalid volume specification',
    'name:/absolute-path:rprivate': 'invalid volume specification',
  };
  it('accepts what Docker accepts', () => {
    for (const v of valid) expect(() => parseBind(v), v).to.not.throw();
  });
  it('refuses what Docker refuses, with its words, exit 1 (run makes it 125)', () => {
    for (const [v, want] of Object.entries(invalid)) {
      let err: unknown;
      try {
        parseBind(v);
      } catch (e) {
        err = e;
      }
      expect(err, v).to.be.instanceOf(Error);
      expect((err as Error).message, v).to.contain(want);
      expect((err as { exitCode: number }).exitCode, v).to.equal(1);
    }
  });
  const base = { Name: '', Driver: '', Propagation: '', CopyData: false, Source: '' };
  it('splits into mount points as the daemon does (TestLinuxParseMountRawSplit)', () => {
    const cases: [string, Partial<MountPoint>][] = [
      [
        '/tmp:/tmp1',
        {
          ...base,
          Type: 'bind',
          Source: '/tmp',
          Destination: '/tmp1',
          RW: true,
          Mode: '',
          Propagation: 'rprivate',
        },
      ],
      [
        '/tmp:/tmp2:ro',
        {
          ...base,
          Type: 'bind',
          Source: '/tmp',
          Destination: '/tmp2',
          RW: false,
          Mode: 'ro',
          Propagation: 'rprivate',
        },
      ],
      [
        '/tmp:/tmp3:rw',
        {
          ...base,
          Type: 'bind',
          Source: '/tmp',
          Destination: '/tmp3',
          RW: true,
          Mode: 'rw',
          Propagation: 'rprivate',
        },
      ],
      [
        'name:/named1',
        { ...base, Type: 'volume', Name: 'name', Destination: '/named1', RW: true, Mode: '', CopyData: true },
      ],
      [
        'name:/named3:ro',
        {
          ...base,
          Type: 'volume',
          Name: 'name',
          Destination: '/named3',
          RW: false,
          Mode: 'ro',
          CopyData: true,
        },
      ],
      [
        'local/name:/tmp:rw',
        {
          ...base,
          Type: 'volume',
          Name: 'local/name',
          Destination: '/tmp',
          RW: true,
          Mode: 'rw',
          CopyData: true,
        },
      ],
    ];
    for (const [raw, want] of cases) {
      const { Spec: _spec, ...got } = parseBind(raw);
      expect(got, raw).to.deep.equal(want);
    }
    expect(msg(() => parseBind('/tmp:/tmp4:foo'))).to.equal('Error response from daemon: invalid mode: foo');
    expect(msg(() => parseBind('/tmp:tmp'))).to.equal(
      `Error response from daemon: invalid volume specification: '/tmp:tmp': invalid mount config for type "bind": invalid mount path: 'tmp' mount path must be absolute`,
    );
  });
  it('nocopy turns copy-up off; it is no option for a bind', () => {
    expect(parseBind('name:/x:nocopy').CopyData).to.equal(false);
    expect(msg(() => parseBind('/h:/x:nocopy'))).to.contain(
      'invalid mount config for type "bind": field VolumeOptions must not be specified',
    );
  });
  it("destination can't be /", () => {
    expect(msg(() => parseBind('/h:/'))).to.contain("invalid specification: destination can't be '/'");
    expect(msg(() => parseBind('/h:/x/..'))).to.contain("destination can't be '/'");
  });
  it('destinations and sources are cleaned: no `..` survives', () => {
    const m = parseBind('/a/../b/./c:/x/../y/');
    expect(m.Source).to.equal('/b/c');
    expect(m.Destination).to.equal('/y');
  });
});

describe('--mount (docker/cli mount_test.go)', () => {
  it('relative sources are made absolute', () => {
    for (const p of ['.', './', '../', '..']) {
      expect(parseMountFlag(`type=bind,source=${p},target=/target`, '/home/u/w')).to.deep.equal({
        Type: 'bind',
        Source: resolve('/home/u/w', p),
        Target: '/target',
      });
    }
  });
  it('source and target aliases', () => {
    for (const v of [
      'type=bind,src=/source,dst=/target',
      'type=bind,source=/source,target=/target',
      'type=bind,source=/source,destination=/target',
    ]) {
      expect(parseMountFlag(v)).to.deep.equal({ Type: 'bind', Source: '/source', Target: '/target' });
    }
  });
  it('type defaults to volume', () => {
    expect(parseMountFlag('target=/target,source=/foo').Type).to.equal('volume');
  });
  it('errors', () => {
    const cases: [string, string][] = [
      ['', 'value is empty'],
      ['type=volume,target=/foo,bogus=foo', "unknown option 'bogus' in 'bogus=foo'"],
      [
        'type=volume, src=/foo,target=/foo',
        "invalid option 'src' in ' src=/foo': option should not have whitespace",
      ],
      [
        'type=volume,src =/foo,target=/foo',
        "invalid option 'src' in 'src =/foo': option should not have whitespace",
      ],
      ['type=volume,src=,target=/foo', "invalid value for 'src': value is empty"],
      [
        'type=volume,src= /foo,target=/foo',
        "invalid value for 'src' in 'src= /foo': value should not have whitespace",
      ],
      [
        'type=volume,src=/foo ,target=/foo',
        "invalid value for 'src' in 'src=/foo ': value should not have whitespace",
      ],
      ['type=volume,target=/foo,bogus', "invalid field 'bogus' must be a key=value pair"],
      ['type=tmpfs,target=/foo,tmpfs-size=foo', 'invalid value for tmpfs-size: foo'],
      ['type=tmpfs,target=/foo,tmpfs-mode=foo', 'invalid value for tmpfs-mode: foo'],
      [
        'type=volume,target=/foo,source=/foo,bind-propagation=rprivate',
        "cannot mix 'bind-*' options with mount type 'volume'",
      ],
      [
        'type=bind,target=/foo,source=/foo,volume-nocopy=true',
        "cannot mix 'volume-*' options with mount type 'bind'",
      ],
    ];
    for (const [v, want] of cases)
      expect(
        msg(() => parseMountFlag(v)),
        v,
      ).to.equal(want);
  });
  it('readonly / ro values', () => {
    const cases: [string, boolean | string][] = [
      ['', false],
      ['readonly', true],
      ['readonly=', "invalid value for 'readonly': value is empty"],
      [
        'readonly= true',
        "invalid value for 'readonly' in 'readonly= true': value should not have whitespace",
      ],
      [
        'readonly=no',
        `invalid value for 'readonly': invalid boolean value ("no"): must be one of "true", "1", "false", or "0" (default "true")`,
      ],
      ['readonly=1', true],
      ['readonly=true', true],
      ['readonly=0', false],
      ['readonly=false', false],
      ['ro', true],
      ['ro=1', true],
      ['ro=true', true],
      ['ro=0', false],
      ['ro=false', false],
    ];
    for (const [v, want] of cases) {
      const value = `type=bind,target=/foo,source=/foo${v ? `,${v}` : ''}`;
      if (typeof want === 'string')
        expect(
          msg(() => parseMountFlag(value)),
          v,
        ).to.equal(want);
      else expect(Boolean(parseMountFlag(value).ReadOnly), v).to.equal(want);
    }
  });
  it('volume-nocopy values', () => {
    expect(parseMountFlag('type=volume,target=/foo,source=foo').VolumeOptions).to.equal(undefined);
    expect(parseMountFlag('type=volume,target=/foo,source=foo,volume-nocopy').VolumeOptions).to.deep.equal({
      NoCopy: true,
    });
    expect(parseMountFlag('type=volume,target=/foo,source=foo,volume-nocopy=0').VolumeOptions).to.deep.equal({
      NoCopy: false,
    });
    expect(msg(() => parseMountFlag('type=volume,target=/foo,source=foo,volume-nocopy=no'))).to.contain(
      'invalid boolean value ("no")',
    );
  });
  it('volume labels and driver options', () => {
    expect(
      parseMountFlag('type=volume,target=/foo,volume-label=foo=foo-value,volume-label=bar=bar-value'),
    ).to.deep.equal({
      Type: 'volume',
      Target: '/foo',
      VolumeOptions: { Labels: { foo: 'foo-value', bar: 'bar-value' } },
    });
    expect(
      parseMountFlag('type=volume,target=/foo,volume-label=foo=,volume-label=bar').VolumeOptions,
    ).to.deep.equal({
      Labels: { foo: '', bar: '' },
    });
    expect(parseMountFlag('type=volume,target=/foo,volume-label==foo-value').VolumeOptions).to.deep.equal({});
    expect(parseMountFlag('type=volume,target=/foo,volume-driver=my-driver').VolumeOptions).to.deep.equal({
      DriverConfig: { Name: 'my-driver' },
    });
    expect(
      parseMountFlag('type=volume,target=/foo,volume-opt=foo=foo-value,volume-opt=bar=bar-value')
        .VolumeOptions,
    ).to.deep.equal({ DriverConfig: { Options: { foo: 'foo-value', bar: 'bar-value' } } });
    expect(parseMountFlag('type=volume,target=/foo,volume-opt==foo-value').VolumeOptions).to.deep.equal({
      DriverConfig: {},
    });
  });
  it('a quoted field may hold commas (Go encoding/csv)', () => {
    expect(csvFields('type=volume,"volume-opt=o=size=1m,uid=1000",target=/x')).to.deep.equal([
      'type=volume',
      'volume-opt=o=size=1m,uid=1000',
      'target=/x',
    ]);
    expect(csvFields('a,"b""c",d')).to.deep.equal(['a', 'b"c', 'd']);
    expect(() => csvFields('a,b"c')).to.throw('bare " in non-quoted-field');
  });
  it('tmpfs size and mode (binary units), and their mount data', () => {
    for (const v of [
      'type=tmpfs,target=/target,tmpfs-size=1m,tmpfs-mode=0700',
      'type=tmpfs,target=/target,tmpfs-size=1MB,tmpfs-mode=700',
    ]) {
      const m = parseMountFlag(v);
      expect(m).to.deep.equal({
        Type: 'tmpfs',
        Target: '/target',
        TmpfsOptions: { SizeBytes: 1048576, Mode: 0o700 },
      });
      expect(tmpfsData(m)).to.equal('mode=700,size=1m');
    }
    expect(tmpfsData({ Type: 'tmpfs', ReadOnly: true, TmpfsOptions: { Options: [['exec']] } })).to.equal(
      'ro,exec',
    );
    expect(() => tmpfsData({ Type: 'tmpfs', TmpfsOptions: { Options: [['INVALID']] } })).to.throw(
      'invalid option',
    );
    expect(tmpfsData({ Type: 'tmpfs', TmpfsOptions: { SizeBytes: 1000 } })).to.equal('size=1000');
  });
  it('bind-create-src and bind-recursive', () => {
    expect(parseMountFlag('type=bind,target=/foo,source=/foo,bind-create-src').BindOptions).to.deep.equal({
      CreateMountpoint: true,
    });
    expect(
      parseMountFlag('type=bind,source=/foo,target=/bar,bind-recursive=disabled').BindOptions,
    ).to.deep.equal({
      NonRecursive: true,
    });
    expect(msg(() => parseMountFlag('type=bind,source=/foo,target=/bar,bind-recursive=writable'))).to.equal(
      "option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction",
    );
    expect(
      msg(() => parseMountFlag('type=bind,source=/foo,target=/bar,bind-recursive=readonly,readonly')),
    ).to.equal(
      "option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction",
    );
    expect(msg(() => parseMountFlag('type=bind,source=/f,target=/b,bind-nonrecursive'))).to.contain(
      'deprecated',
    );
  });
  it('the daemon checks the spec (validateMountConfig)', () => {
    expect(msg(() => parseMountSpec({ Type: 'volume' }))).to.equal(
      'Error response from daemon: invalid mount config for type "volume": field Target must not be empty',
    );
    expect(msg(() => parseMountSpec({ Type: 'bind', Target: '/x' }))).to.contain(
      'field Source must not be empty',
    );
    expect(msg(() => parseMountSpec({ Type: 'tmpfs', Source: 'x', Target: '/x' }))).to.contain(
      'field Source must not be specified',
    );
    expect(msg(() => parseMountSpec({ Type: 'invalid', Target: '/data/invalid-type' }))).to.equal(
      'Error response from daemon: invalid mount config for type "invalid": mount type unknown',
    );
    expect(
      msg(() =>
        parseMountSpec({ Type: 'bind', Source: '/s', Target: '/t', BindOptions: { Propagation: 'x' } }),
      ),
    ).to.contain('invalid propagation mode: x');
    expect(
      msg(() => parseMountSpec({ Type: 'volume', Target: '/t', VolumeOptions: { Subpath: 'a' } })),
    ).to.contain('must not set Subpath when using anonymous volumes');
    expect(
      msg(() =>
        parseMountSpec({ Type: 'volume', Source: 'v', Target: '/t', VolumeOptions: { Subpath: '../a' } }),
      ),
    ).to.contain('subpath must be a relative path within the volume');
    expect(msg(() => parseMountSpec({ Type: 'image', Source: 'busybox', Target: '/t' }))).to.contain(
      'not supported',
    );
  });
});

describe('--volumes-from, volume names', () => {
  it("the daemon's ParseVolumesFrom", () => {
    expect(parseVolumesFrom('c')).to.deep.equal({ container: 'c', mode: 'rw' });
    expect(parseVolumesFrom('c:ro')).to.deep.equal({ container: 'c', mode: 'ro' });
    expect(msg(() => parseVolumesFrom('c:shared'))).to.contain('invalid mode: shared');
    expect(msg(() => parseVolumesFrom('c:nocopy'))).to.contain('invalid mode: nocopy');
    expect(msg(() => parseVolumesFrom(''))).to.contain('cannot be an empty string');
  });
  it("the local driver's name rule", () => {
    for (const ok of ['ab', 'a.b_c-d', '0data']) expect(() => validateVolumeName(ok)).to.not.throw();
    expect(msg(() => validateVolumeName('a'))).to.contain('volume name is too short');
    for (const bad of ['..', '.a', 'a/b', 'a b', '-x', 'x:y']) {
      expect(
        msg(() => validateVolumeName(bad)),
        bad,
      ).to.contain(
        `includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
      );
    }
  });
});

describe('mount planning', () => {
  const input = {
    binds: [] as string[],
    volumes: [] as string[],
    mounts: [],
    tmpfs: [] as string[],
    volumesFrom: [],
  };
  it('a -v volume and a --mount volume show mode "z"; an anonymous one ""', () => {
    const points = planMounts({
      ...input,
      binds: ['data:/data'],
      volumes: ['/anon'],
      mounts: [{ Type: 'volume', Source: 'v2', Target: '/v2' }],
    });
    expect(points.map((m) => [m.Destination, m.Mode, m.Name])).to.deep.equal([
      ['/data', 'z', 'data'],
      ['/v2', 'z', 'v2'],
      ['/anon', '', ''],
    ]);
  });
  it('the same destination twice is an error; an anonymous volume yields to any other mount', () => {
    expect(msg(() => planMounts({ ...input, binds: ['/a:/x', 'v:/x'] }))).to.equal(
      'Error response from daemon: Duplicate mount point: /x',
    );
    expect(msg(() => planMounts({ ...input, binds: ['/a:/x'], tmpfs: ['/x'] }))).to.contain(
      'Duplicate mount point',
    );
    expect(
      msg(() => planMounts({ ...input, binds: ['/a:/x'], mounts: [{ Type: 'tmpfs', Target: '/x' }] })),
    ).to.contain('Duplicate mount point');
    const points = planMounts({ ...input, binds: ['/a:/x'], volumes: ['/x', '/y'], tmpfs: ['/y'] });
    expect(points.map((m) => m.Destination)).to.deep.equal(['/x']);
  });
  it('--mount type=bind needs its source; bind-create-src makes it', () => {
    const none = () => false;
    expect(
      msg(() => planMounts({ ...input, mounts: [{ Type: 'bind', Source: '/nope', Target: '/x' }] }, none)),
    ).to.equal(
      'Error response from daemon: invalid mount config for type "bind": bind source path does not exist: /nope',
    );
    const [p] = planMounts(
      {
        ...input,
        mounts: [{ Type: 'bind', Source: '/nope', Target: '/x', BindOptions: { CreateMountpoint: true } }],
      },
      none,
    );
    expect(p!.SkipMountpointCreation).to.equal(undefined);
    const [q] = planMounts(
      { ...input, mounts: [{ Type: 'bind', Source: '/yes', Target: '/x' }] },
      () => true,
    );
    expect(q!.SkipMountpointCreation).to.equal(true);
  });
  it('--volumes-from: inherited mounts, read-only with :ro, overridden by -v', () => {
    const from: MountPoint = {
      ...parseBind('/h:/h'),
    };
    const vol: MountPoint = { ...parseBind('v:/v'), Source: '/vols/v/_data', Driver: 'local', Mode: 'z' };
    const points = planMounts({
      ...input,
      binds: ['/other:/h'],
      volumesFrom: [{ mode: 'ro', mounts: [from, vol] }],
    });
    expect(points.map((m) => [m.Destination, m.Source, m.RW, m.Mode, m.CopyData])).to.deep.equal([
      ['/h', '/other', true, '', false],
      ['/v', '/vols/v/_data', false, '', false],
    ]);
  });
});

describe('mounts in the spec and in inspect', () => {
  it('binds: rbind, ro, propagation; volumes without propagation; tmpfs as data', () => {
    const bind = parseBind('/h:/c:ro');
    const vol = { ...parseBind('v:/v'), Source: '/vols/v/_data', Driver: 'local', Mode: 'z' };
    const tmp = parseMountSpec({ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1048576 } });
    const slave = parseBind('/s:/s:rslave');
    expect(specMounts([bind, vol, tmp])).to.deep.equal({
      binds: [
        { destination: '/c', type: 'bind', source: '/h', options: ['rbind', 'ro', 'rprivate'] },
        { destination: '/v', type: 'bind', source: '/vols/v/_data', options: ['rbind'] },
      ],
      tmpfs: { '/t': 'size=1m' },
    });
    expect(specMounts([slave]).rootfsPropagation).to.equal('rslave');
    expect(specMounts([parseBind('/s:/s:shared')]).rootfsPropagation).to.equal('shared');
    expect(
      specMounts([
        parseMountSpec({ Type: 'bind', Source: '/a', Target: '/b', BindOptions: { NonRecursive: true } }),
      ]).binds[0]!.options,
    ).to.deep.equal(['bind', 'rprivate']);
  });
  it("Docker's Mounts entries (the shapes of the volumes note)", () => {
    const named = { ...parseBind('nv:/data'), Source: '/r/volumes/nv/_data', Driver: 'local', Mode: 'z' };
    expect(JSON.stringify(inspectMounts([named, parseBind('/tmp:/h:ro')]))).to.equal(
      '[{"Type":"volume","Name":"nv","Source":"/r/volumes/nv/_data","Destination":"/data","Driver":"local","Mode":"z","RW":true,"Propagation":""},' +
        '{"Type":"bind","Source":"/tmp","Destination":"/h","Mode":"ro","RW":false,"Propagation":"rprivate"}]',
    );
  });
});
