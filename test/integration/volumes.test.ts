/**
 * Volumes and mounts through the CLI, checked by their effect inside the container and on the
 * host: binds seen and written with the right owner, named volumes that outlive their container and
 * start with the image's content, anonymous volumes gone with `rm -v` and `--rm`, `volume` commands,
 * `--volumes-from`, `cp` into a volume, tmpfs sizes, `--read-only` beside writable mounts, and the
 * bad inputs that must leave nothing behind. Written against `cli()` so the same file runs against
 * Docker (TSDOCK_TEST_CLI=docker).
 */
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { cli, cliAsync, ok, target, testEnv, uniqueName } from '../harness/cli.js';
import { buildBusyboxArchive } from '../harness/image.js';

const NET = ['--network', 'none'];
const img = (): string => testEnv().image;
/** An image with content where volumes go, and a VOLUME of its own. */
const CONTENT_IMAGE = 'tsdock-test/volumes-content:latest';
const DECLARED_IMAGE = 'tsdock-test/volumes-declared:latest';
/** An image whose paths are links leading out of its root, to the host's paths if followed there. */
const LINKS_IMAGE = 'tsdock-test/volumes-links:latest';

/** Docker Engine's major version when running against Docker (prune's meaning changed in 23). */
const engineMajor = (): number =>
  target === 'docker' ? Number(ok(['version', '-f', '{{.Server.Version}}']).split('.')[0]) : Infinity;

/** `run --rm --network none FLAGS IMAGE sh -c SCRIPT`: its output; a failure fails the test. */
const sh = (flags: string[], script: string, image = img()): string =>
  ok(['run', '--rm', ...NET, ...flags, image, 'sh', '-c', script]);

const volumes = (): string[] => cli(['volume', 'ls', '-q']).stdout.split('\n').filter(Boolean);
const containerNames = (): string[] =>
  cli(['ps', '-a', '--format', '{{.Names}}']).stdout.split('\n').filter(Boolean);
const inspectJson = (ref: string, field: string): unknown =>
  JSON.parse(ok(['inspect', '-f', `{{json ${field}}}`, ref]).trim());

describe('volumes and mounts', function () {
  this.timeout(90_000);
  let host = '';
  const containers: string[] = [];
  const vols: string[] = [];
  const name = (prefix: string) => {
    const n = uniqueName(prefix);
    containers.push(n);
    return n;
  };
  const volume = (prefix: string) => {
    const n = uniqueName(prefix);
    vols.push(n);
    return n;
  };
  let linkTarget = '';

  before(async function () {
    this.timeout(120_000);
    host = mkdtempSync(join(tmpdir(), 'tsdock-vol-it-'));
    linkTarget = join(host, 'followed-onto-the-host');
    const archives: [string, Parameters<typeof buildBusyboxArchive>[1]][] = [
      [
        'content.tar',
        {
          name: CONTENT_IMAGE,
          extraFiles: { '/www/index.html': 'hello from the image\n', '/www/sub/deep.txt': 'deep\n' },
          extraEntries: [{ name: 'srv/', type: 'directory', uid: 1000, gid: 1000, mode: 0o750 }],
        },
      ],
      [
        'declared.tar',
        {
          name: DECLARED_IMAGE,
          extraFiles: { '/declared/seed': 'seed\n' },
          config: { Volumes: { '/declared': {} } },
        },
      ],
      [
        'links.tar',
        {
          name: LINKS_IMAGE,
          extraFiles: { '/etc/image-only': 'image\n' },
          extraEntries: [
            { name: 'escape', type: 'symlink', linkname: linkTarget },
            { name: 'dotdot', type: 'symlink', linkname: '../../../..' + linkTarget },
            { name: 'etclink', type: 'symlink', linkname: '/etc' },
          ],
        },
      ],
    ];
    for (const [file, opts] of archives) {
      await buildBusyboxArchive(join(host, file), opts);
      ok(['load', '-i', join(host, file)]);
    }
  });

  after(() => {
    const left = containers.filter((c) => containerNames().includes(c));
    if (left.length) cli(['rm', '-f', '-v', ...left]);
    const vleft = vols.filter((v) => volumes().includes(v));
    if (vleft.length) cli(['volume', 'rm', '-f', ...vleft]);
    cli(['rmi', CONTENT_IMAGE, DECLARED_IMAGE, LINKS_IMAGE]);
    rmSync(host, { recursive: true, force: true });
  });

  describe('binds', () => {
    it('a host directory is seen and written from inside, files owned by the writing user', () => {
      const dir = join(host, 'src');
      mkdirSync(dir);
      chmodSync(dir, 0o777);
      writeFileSync(join(dir, 'main.c'), 'int main;\n');
      const out = sh(
        // z/Z relabel for SELinux; without it (this host, most hosts) Docker accepts and ignores them.
        ['-u', '1000:1000', '-v', `${dir}:/src:z`, '-w', '/src'],
        'ls; echo built > out.txt; id -u',
      );
      expect(out).to.equal('main.c\n1000\n');
      expect(readFileSync(join(dir, 'out.txt'), 'utf8')).to.equal('built\n');
      const st = statSync(join(dir, 'out.txt'));
      expect([st.uid, st.gid]).to.deep.equal([1000, 1000]);
    });

    it('a relative ./ source is taken from the current directory', () => {
      const dir = join(host, 'rel');
      mkdirSync(dir);
      writeFileSync(join(dir, 'here'), 'here\n');
      const r = cli(['run', '--rm', ...NET, '-v', './:/r', img(), 'cat', '/r/here'], { cwd: dir });
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.equal('here\n');
    });

    it(':ro makes a bind read-only; a file can be bound', () => {
      const file = join(host, 'motd');
      writeFileSync(file, 'message of the day\n');
      const r = cli([
        'run',
        '--rm',
        ...NET,
        '-v',
        `${file}:/etc/motd:ro`,
        img(),
        'sh',
        '-c',
        'cat /etc/motd; echo x > /etc/motd && echo wrote',
      ]);
      expect(r.stdout).to.equal('message of the day\n');
      expect(r.stderr).to.match(/Read-only file system/);
      expect(readFileSync(file, 'utf8')).to.equal('message of the day\n');
    });

    it('-v creates a missing host directory; --mount type=bind refuses one and creates nothing', () => {
      const missing = join(host, 'made', 'by', 'v');
      ok(['run', '--rm', ...NET, '-v', `${missing}:/m`, img(), 'true']);
      expect(statSync(missing).isDirectory()).to.equal(true);
      const absent = join(host, 'absent');
      const c = name('mbind');
      const r = cli([
        'run',
        '--rm',
        '--name',
        c,
        ...NET,
        '--mount',
        `type=bind,source=${absent},target=/m`,
        img(),
        'true',
      ]);
      expect(r.code).to.equal(125);
      expect(r.stderr.trim().split('\n')[0]).to.contain(
        `invalid mount config for type "bind": bind source path does not exist: ${absent}`,
      );
      expect(existsSync(absent)).to.equal(false);
      expect(containerNames()).to.not.include(c);
    });

    it('inspect shows the bind as Docker does, in HostConfig.Binds and Mounts', () => {
      const c = name('bindinsp');
      ok(['create', '--name', c, ...NET, '-v', `${host}:/h:ro`, img(), 'true']);
      expect(inspectJson(c, '.HostConfig.Binds')).to.deep.equal([`${host}:/h:ro`]);
      expect(inspectJson(c, '.Mounts')).to.deep.equal([
        { Type: 'bind', Source: host, Destination: '/h', Mode: 'ro', RW: false, Propagation: 'rprivate' },
      ]);
      ok(['rm', c]);
      const m = name('mountinsp');
      ok(['create', '--name', m, ...NET, '--mount', `type=bind,src=${host},dst=/m,readonly`, img(), 'true']);
      expect(inspectJson(m, '.HostConfig.Mounts')).to.deep.equal([
        { Type: 'bind', Source: host, Target: '/m', ReadOnly: true },
      ]);
      expect(inspectJson(m, '.HostConfig.Binds')).to.equal(null);
      ok(['rm', m]);
    });

    it('--mount type=bind with readonly and a propagation the host supports', () => {
      const dir = join(host, 'mnt-ro');
      mkdirSync(dir);
      writeFileSync(join(dir, 'x'), 'x\n');
      const r = cli([
        'run',
        '--rm',
        ...NET,
        '--mount',
        `type=bind,src=${dir},dst=/d,readonly,bind-propagation=rprivate`,
        img(),
        'sh',
        '-c',
        'cat /d/x; touch /d/y',
      ]);
      expect(r.stdout).to.equal('x\n');
      expect(r.stderr).to.match(/Read-only file system/);
      expect(existsSync(join(dir, 'y'))).to.equal(false);
    });
  });

  describe('propagation and the other --mount keys', () => {
    it('rslave needs a shared source; then a mount made on the host later reaches the container', () => {
      const priv = join(host, 'private-src');
      mkdirSync(priv);
      const refused = cli(['run', '--rm', ...NET, '-v', `${priv}:/x:rslave`, img(), 'true']);
      // This host's mounts are private (no systemd); where they are shared, the point is moot.
      if (!readFileSync('/proc/self/mountinfo', 'utf8').match(/ \/ \/ [^-]*shared:/)) {
        expect(refused.code).to.equal(125);
        expect(refused.stderr).to.match(/is not a shared or slave mount/);
      }
      const shared = join(host, 'shared-src');
      mkdirSync(shared);
      execFileSync('mount', ['--bind', shared, shared]);
      execFileSync('mount', ['--make-rshared', shared]);
      const c = name('slave');
      try {
        ok(['run', '-d', '--name', c, ...NET, '-v', `${shared}:/x:rslave`, img(), 'sleep', '60']);
        mkdirSync(join(shared, 'sub'));
        execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', join(shared, 'sub')]);
        writeFileSync(join(shared, 'sub', 'f'), 'propagated\n');
        expect(ok(['exec', c, 'cat', '/x/sub/f'])).to.equal('propagated\n');
        expect((inspectJson(c, '.Mounts') as { Propagation: string }[])[0]!.Propagation).to.equal('rslave');
      } finally {
        cli(['rm', '-f', c]);
        execFileSync('umount', ['-R', shared]);
      }
    });

    it('bind-create-src, bind-recursive=disabled, volume-label, volume-subpath, volume-opt', function () {
      // bind-create-src came with Engine 23, bind-recursive with 25, volume-subpath with 26.
      if (engineMajor() < 26) this.skip();
      const made = join(host, 'created-by-mount');
      ok(['run', '--rm', ...NET, '--mount', `type=bind,src=${made},dst=/m,bind-create-src`, img(), 'true']);
      expect(statSync(made).isDirectory()).to.equal(true);

      const outer = join(host, 'outer');
      mkdirSync(join(outer, 'inner'), { recursive: true });
      execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', join(outer, 'inner')]);
      try {
        writeFileSync(join(outer, 'inner', 'f'), 'submount\n');
        const see = (extra: string) =>
          cli([
            'run',
            '--rm',
            ...NET,
            '--mount',
            `type=bind,src=${outer},dst=/o${extra}`,
            img(),
            'cat',
            '/o/inner/f',
          ]);
        expect(see('').stdout).to.equal('submount\n');
        expect(see(',bind-recursive=disabled').code).to.equal(1);
      } finally {
        execFileSync('umount', [join(outer, 'inner')]);
      }

      const v = volume('labelled');
      sh(
        ['--mount', `type=volume,src=${v},dst=/v,volume-label=team=web,volume-label=tier`],
        'mkdir -p /v/site/www && echo page > /v/site/www/index',
      );
      expect(JSON.parse(ok(['volume', 'inspect', '-f', '{{json .Labels}}', v]))).to.deep.equal({
        team: 'web',
        tier: '',
      });
      expect(
        ok([
          'run',
          '--rm',
          ...NET,
          '--mount',
          `src=${v},dst=/www,volume-subpath=site/www`,
          img(),
          'ls',
          '/www',
        ]),
      ).to.equal('index\n');
      const sub = cli([
        'run',
        '--rm',
        ...NET,
        '--mount',
        `src=${v},dst=/www,volume-subpath=no/such`,
        img(),
        'true',
      ]);
      expect(sub.code).to.equal(125);

      const t = volume('optvol');
      expect(
        sh(
          [
            '--mount',
            `type=volume,src=${t},dst=/t,volume-opt=type=tmpfs,volume-opt=device=tmpfs,"volume-opt=o=size=2m,mode=700"`,
          ],
          'grep " /t " /proc/mounts | cut -d" " -f3',
        ),
      ).to.equal('tmpfs\n');
      expect(JSON.parse(ok(['volume', 'inspect', '-f', '{{json .Options}}', t]))).to.deep.equal({
        type: 'tmpfs',
        device: 'tmpfs',
        o: 'size=2m,mode=700',
      });
    });
  });

  describe('named and anonymous volumes', () => {
    it('a named volume is made on first use, filled from the image, and outlives its container', () => {
      const v = volume('named');
      expect(volumes()).to.not.include(v);
      const out = sh(['-v', `${v}:/www`], 'cat /www/index.html; echo more > /www/added', CONTENT_IMAGE);
      expect(out).to.equal('hello from the image\n');
      expect(volumes()).to.include(v);
      const [info] = JSON.parse(ok(['volume', 'inspect', v])) as { Mountpoint: string; Name: string }[];
      expect(info!.Name).to.equal(v);
      expect(readFileSync(join(info!.Mountpoint, 'index.html'), 'utf8')).to.equal('hello from the image\n');
      expect(readFileSync(join(info!.Mountpoint, 'sub', 'deep.txt'), 'utf8')).to.equal('deep\n');
      // A second container, of another image, sees what the first wrote; a non-empty volume is not refilled.
      expect(
        ok(['run', '--rm', ...NET, '-v', `${v}:/data`, img(), 'cat', '/data/added', '/data/index.html']),
      ).to.equal('more\nhello from the image\n');
    });

    it("copy-up keeps the image's owner and mode; nocopy leaves the volume empty", () => {
      const v = volume('owned');
      expect(
        ok(['run', '--rm', ...NET, '-v', `${v}:/srv`, CONTENT_IMAGE, 'stat', '-c', '%u:%g %a', '/srv']),
      ).to.equal('1000:1000 750\n');
      const empty = volume('nocopy');
      expect(
        ok(['run', '--rm', ...NET, '-v', `${empty}:/www:nocopy`, CONTENT_IMAGE, 'ls', '-A', '/www']),
      ).to.equal('');
      const viaMount = volume('mnocopy');
      expect(
        ok([
          'run',
          '--rm',
          ...NET,
          '--mount',
          `source=${viaMount},target=/www,volume-nocopy`,
          CONTENT_IMAGE,
          'ls',
          '/www',
        ]),
      ).to.equal('');
    });

    it('inspect shows a named volume and an anonymous one as Docker does', () => {
      const v = volume('insp');
      const c = name('volinsp');
      ok(['create', '--name', c, ...NET, '-v', `${v}:/data`, '-v', '/anon', img(), 'true']);
      const mounts = inspectJson(c, '.Mounts') as Record<string, unknown>[];
      const named = mounts.find((m) => m.Destination === '/data')!;
      const [info] = JSON.parse(ok(['volume', 'inspect', v])) as { Mountpoint: string }[];
      expect(named).to.deep.equal({
        Type: 'volume',
        Name: v,
        Source: info!.Mountpoint,
        Destination: '/data',
        Driver: 'local',
        Mode: 'z',
        RW: true,
        Propagation: '',
      });
      const anon = mounts.find((m) => m.Destination === '/anon')!;
      expect(anon.Name).to.match(/^[0-9a-f]{64}$/);
      expect(anon.Source).to.equal(join(info!.Mountpoint, '..', '..', String(anon.Name), '_data'));
      expect([anon.Type, anon.Driver, anon.Mode, anon.RW]).to.deep.equal(['volume', 'local', '', true]);
      expect(inspectJson(c, '.Config.Volumes')).to.deep.equal({ '/anon': {} });
      // ps: MOUNTS (names, a bind's source), LOCAL VOLUMES, --filter volume= by name or destination.
      for (const f of [`volume=${v}`, 'volume=/anon']) {
        const [n, m, count] = ok([
          'ps',
          '-a',
          '--no-trunc',
          '--filter',
          f,
          '--format',
          '{{.Names}} {{.Mounts}} {{.LocalVolumes}}',
        ]).split(' ');
        expect([n, m!.split(',').sort(), count]).to.deep.equal([c, [v, String(anon.Name)].sort(), '2\n']);
      }
      expect(ok(['ps', '-a', '--filter', 'volume=/nowhere', '--format', '{{.Names}}'])).to.not.contain(c);
      expect(inspectJson(c, '.HostConfig.Binds')).to.deep.equal([`${v}:/data`]);
      ok(['rm', '-v', c]);
      expect(volumes()).to.include(v);
      expect(volumes()).to.not.include(anon.Name);
    });

    it('anonymous volumes go with rm -v and --rm, and stay otherwise', () => {
      const keep = name('keepanon');
      ok(['run', '-d', '--name', keep, ...NET, '-v', '/anon', img(), 'true']);
      const [kept] = (inspectJson(keep, '.Mounts') as { Name: string }[]).map((m) => m.Name);
      ok(['wait', keep]);
      ok(['rm', keep]);
      expect(volumes()).to.include(kept);
      vols.push(kept!);

      const drop = name('dropanon');
      ok(['run', '-d', '--name', drop, ...NET, '-v', '/anon', img(), 'sleep', '60']);
      const [dropped] = (inspectJson(drop, '.Mounts') as { Name: string }[]).map((m) => m.Name);
      expect(volumes()).to.include(dropped);
      ok(['rm', '-f', '-v', drop]);
      expect(volumes()).to.not.include(dropped);

      const before = new Set(volumes());
      // The image's VOLUME gets an anonymous volume, filled from the image, removed by --rm.
      expect(sh([], 'cat /declared/seed; grep -c " /declared " /proc/mounts', DECLARED_IMAGE)).to.equal(
        'seed\n1\n',
      );
      ok(['run', '--rm', ...NET, '-v', '/anon2', img(), 'true']);
      expect(volumes().filter((x) => !before.has(x))).to.deep.equal([]);
    });

    it('volume rm refuses a volume in use (exit 1) and removes it once the container is gone', () => {
      const v = volume('inuse');
      const c = name('user');
      ok(['create', '--name', c, ...NET, '-v', `${v}:/x`, img(), 'true']);
      const id = ok(['inspect', '-f', '{{.Id}}', c]).trim();
      const r = cli(['volume', 'rm', v]);
      expect(r.code).to.equal(1);
      expect(r.stderr.trim()).to.match(new RegExp(`volume is in use - \\[${id}\\]`));
      expect(volumes()).to.include(v);
      const f = cli(['volume', 'rm', '-f', v]);
      expect(f.code).to.equal(1);
      ok(['rm', c]);
      expect(ok(['volume', 'rm', v])).to.equal(`${v}\n`);
      expect(volumes()).to.not.include(v);
      // -f: a missing volume is no error
      expect(cli(['volume', 'rm', '-f', v]).code).to.equal(0);
      expect(cli(['volume', 'rm', v]).code).to.equal(1);
      // Several, one missing: the other removed and printed, the missing one's line, exit 1.
      const w = volume('several');
      ok(['volume', 'create', w]);
      expect(cli(['volume', 'rm', v, w])).to.deep.equal({
        stdout: `${w}\n`,
        stderr: `Error response from daemon: get ${v}: no such volume\n`,
        code: 1,
      });
      expect(volumes()).to.not.include(w);
    });

    it("--volumes-from mounts the other container's volumes and binds, read-only with :ro", () => {
      const v = volume('shared');
      const src = name('datasrc');
      const dir = join(host, 'vf');
      mkdirSync(dir);
      ok([
        'run',
        '--name',
        src,
        ...NET,
        '-v',
        `${v}:/data`,
        '-v',
        `${dir}:/bound`,
        '-v',
        '/anon',
        img(),
        'sh',
        '-c',
        'echo d > /data/f; echo b > /bound/f; echo a > /anon/f',
      ]);
      expect(
        ok(['run', '--rm', ...NET, '--volumes-from', src, img(), 'cat', '/data/f', '/bound/f', '/anon/f']),
      ).to.equal('d\nb\na\n');
      const ro = cli([
        'run',
        '--rm',
        ...NET,
        '--volumes-from',
        `${src}:ro`,
        img(),
        'sh',
        '-c',
        'cat /data/f; echo x > /data/g',
      ]);
      expect(ro.stdout).to.equal('d\n');
      expect(ro.stderr).to.match(/Read-only file system/);
      const c = name('vfrom');
      ok(['create', '--name', c, ...NET, '--volumes-from', `${src}:ro`, img(), 'true']);
      expect(inspectJson(c, '.HostConfig.VolumesFrom')).to.deep.equal([`${src}:ro`]);
      const m = (inspectJson(c, '.Mounts') as { Destination: string; RW: boolean }[]).sort((a, b) =>
        a.Destination < b.Destination ? -1 : 1,
      );
      expect(m.map((x) => [x.Destination, x.RW])).to.deep.equal([
        ['/anon', false],
        ['/bound', false],
        ['/data', false],
      ]);
      // The source's anonymous volume is still used by c: rm -v of the source keeps it.
      const [anon] = (inspectJson(src, '.Mounts') as { Name?: string; Destination: string }[])
        .filter((x) => x.Destination === '/anon')
        .map((x) => x.Name!);
      ok(['rm', '-v', src]);
      expect(volumes()).to.include(anon);
      ok(['rm', '-v', c]);
      expect(volumes()).to.not.include(anon);
    });

    it('two runs at once with a new named volume make it once and share it', async () => {
      const v = volume('race');
      const runs = [0, 1, 2].map((i) =>
        cliAsync([
          'run',
          '--rm',
          ...NET,
          '-v',
          `${v}:/www`,
          CONTENT_IMAGE,
          'sh',
          '-c',
          `echo ${i} > /www/r${i}`,
        ]),
      );
      const results = await Promise.all(runs.map((r) => r.done));
      for (const r of results) expect(r.code, r.stderr).to.equal(0);
      expect(volumes().filter((x) => x === v)).to.have.length(1);
      const listing = ok(['run', '--rm', ...NET, '-v', `${v}:/x`, img(), 'ls', '/x'])
        .split('\n')
        .filter(Boolean);
      expect(listing).to.include.members(['index.html', 'r0', 'r1', 'r2']);
    });
  });

  describe('tmpfs and --read-only', () => {
    it('--tmpfs and --mount type=tmpfs are mounted with their size and mode', () => {
      const out = sh(
        ['--tmpfs', '/t1:size=1m,mode=700', '--mount', 'type=tmpfs,target=/t2,tmpfs-size=2m,tmpfs-mode=1770'],
        'grep -E " /t[12] " /proc/mounts | cut -d" " -f2-4; stat -c "%a" /t1 /t2',
      );
      const lines = out.trim().split('\n');
      expect(lines[0]).to.match(/^\/t1 tmpfs rw,.*size=1024k.*mode=700/);
      expect(lines[1]).to.match(/^\/t2 tmpfs rw,.*size=2048k.*mode=1770/);
      expect(lines.slice(2)).to.deep.equal(['700', '1770']);
      const full = cli([
        'run',
        '--rm',
        ...NET,
        '--tmpfs',
        '/t:size=64k',
        img(),
        'dd',
        'if=/dev/zero',
        'of=/t/f',
        'bs=1k',
        'count=128',
      ]);
      expect(full.code).to.equal(1);
      expect(full.stderr).to.match(/No space left on device/);
    });

    it('--read-only keeps the root read-only and volumes, binds and tmpfs writable', () => {
      const v = volume('rw');
      const dir = join(host, 'ro-root');
      mkdirSync(dir);
      const out = sh(
        ['--read-only', '-v', `${v}:/data`, '-v', `${dir}:/bound`, '--tmpfs', '/scratch'],
        'echo v > /data/f && echo b > /bound/f && echo t > /scratch/f && cat /data/f /bound/f /scratch/f; touch /etc/nope 2>&1 | grep -c Read-only',
      );
      expect(out).to.equal('v\nb\nt\n1\n');
    });
  });

  describe('cp', () => {
    it('reaches into a volume and a bind of a created and of a running container', async () => {
      const v = volume('cpvol');
      const dir = join(host, 'cpbind');
      mkdirSync(dir);
      const file = join(host, 'payload');
      writeFileSync(file, 'payload\n');
      const c = name('cpcreated');
      ok(['create', '--name', c, ...NET, '-v', `${v}:/data`, '-v', `${dir}:/bound`, img(), 'true']);
      ok(['cp', file, `${c}:/data/`]);
      ok(['cp', file, `${c}:/bound/`]);
      expect(readFileSync(join(dir, 'payload'), 'utf8')).to.equal('payload\n');
      expect(ok(['run', '--rm', ...NET, '-v', `${v}:/x`, img(), 'cat', '/x/payload'])).to.equal('payload\n');
      ok(['rm', c]);

      const r = name('cprunning');
      ok(['run', '-d', '--name', r, ...NET, '-v', `${v}:/data`, img(), 'sleep', '60']);
      writeFileSync(file, 'second\n');
      ok(['cp', file, `${r}:/data/second`]);
      expect(ok(['exec', r, 'cat', '/data/second'])).to.equal('second\n');
      const out = join(host, 'out-of-volume');
      ok(['cp', `${r}:/data/payload`, out]);
      expect(readFileSync(out, 'utf8')).to.equal('payload\n');
      ok(['rm', '-f', r]);
    });
  });

  describe('volume commands', () => {
    it('create with labels; ls, inspect (null Labels and Options when none), filters', () => {
      const a = volume('lsa');
      const b = volume('lsb');
      expect(ok(['volume', 'create', '--label', 'tier=db', '--label', 'x', a])).to.equal(`${a}\n`);
      expect(ok(['volume', 'create', '-d', 'local', b])).to.equal(`${b}\n`);
      // Creating an existing volume is no error.
      expect(ok(['volume', 'create', b])).to.equal(`${b}\n`);
      const [ia, ib] = JSON.parse(ok(['volume', 'inspect', a, b])) as Record<string, unknown>[];
      expect(Object.keys(ia!)).to.deep.equal([
        'CreatedAt',
        'Driver',
        'Labels',
        'Mountpoint',
        'Name',
        'Options',
        'Scope',
      ]);
      expect(ia!.Labels).to.deep.equal({ tier: 'db', x: '' });
      expect([ib!.Labels, ib!.Options, ib!.Driver, ib!.Scope]).to.deep.equal([null, null, 'local', 'local']);
      expect(String(ib!.CreatedAt)).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
      expect(ok(['volume', 'inspect', '-f', '{{.Name}} {{.Driver}}', a])).to.equal(`${a} local\n`);

      const ls = ok(['volume', 'ls']).split('\n');
      expect(ls[0]).to.equal('DRIVER    VOLUME NAME');
      expect(ls).to.include(`local     ${a}`);
      expect(ok(['volume', 'ls', '-q', '--filter', 'label=tier=db'])).to.equal(`${a}\n`);
      expect(ok(['volume', 'ls', '-q', '--filter', `name=${b}`])).to.equal(`${b}\n`);
      expect(ok(['volume', 'ls', '-q', '-f', 'driver=local', '-f', `name=${a}`])).to.equal(`${a}\n`);
      // tsdock sorts the labels; Docker prints them in Go's map order, which varies.
      const [lsName, lsLabels] = ok([
        'volume',
        'ls',
        '--format',
        '{{.Name}}:{{.Labels}}',
        '--filter',
        `name=${a}`,
      ])
        .trim()
        .split(':');
      expect(lsName).to.equal(a);
      if (target === 'tsdock') expect(lsLabels).to.equal('tier=db,x=');
      else expect(lsLabels!.split(',').sort()).to.deep.equal(['tier=db', 'x=']);
      const c = name('dangling');
      ok(['create', '--name', c, ...NET, '-v', `${a}:/a`, img(), 'true']);
      const dangling = ok(['volume', 'ls', '-q', '-f', 'dangling=true']).split('\n');
      expect(dangling).to.include(b);
      expect(dangling).to.not.include(a);
      expect(ok(['volume', 'ls', '-q', '-f', 'dangling=false', '-f', `name=${a}`])).to.equal(`${a}\n`);
      ok(['rm', c]);
      const missing = cli(['volume', 'inspect', 'no-such-volume-here']);
      expect(missing.code).to.equal(1);
      expect(missing.stdout.trim()).to.equal('[]');
      expect(missing.stderr).to.match(/no such volume|No such volume/);
      expect(cli(['volume', 'ls', '-f', 'bogus=1']).code).to.equal(1);
    });

    it('volume create and rm are events', () => {
      const since = Math.floor(Date.now() / 1000) - 1;
      const v = volume('evt');
      ok(['volume', 'create', v]);
      ok(['volume', 'rm', v]);
      const until = Math.floor(Date.now() / 1000) + 1;
      const out = ok([
        'events',
        '--since',
        String(since),
        '--until',
        String(until),
        '--filter',
        'type=volume',
        '--filter',
        `volume=${v}`,
        '--format',
        '{{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.driver}}',
      ]);
      expect(out).to.equal(`volume create ${v} local\nvolume destroy ${v} local\n`);
    });

    it('create without a name makes a 64-hex one', () => {
      const made = ok(['volume', 'create']).trim();
      expect(made).to.match(/^[0-9a-f]{64}$/);
      vols.push(made);
      ok(['volume', 'rm', made]);
    });

    it('-o type=tmpfs mounts a tmpfs of the given size; -o o=bind binds a host directory', function () {
      const t = volume('tmpfsvol');
      ok(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=1m', t]);
      const [info] = JSON.parse(ok(['volume', 'inspect', t])) as { Options: Record<string, string> }[];
      expect(info!.Options).to.deep.equal({ type: 'tmpfs', device: 'tmpfs', o: 'size=1m' });
      expect(sh(['-v', `${t}:/t`], "df -k /t | tail -1 | awk '{print $2}'")).to.equal('1024\n');
      const dir = join(host, 'bound-volume');
      mkdirSync(dir);
      const b = volume('bindvol');
      ok(['volume', 'create', '-o', 'type=none', '-o', 'o=bind', '-o', `device=${dir}`, b]);
      ok(['run', '--rm', ...NET, '-v', `${b}:/b`, img(), 'sh', '-c', 'echo through > /b/f']);
      expect(readFileSync(join(dir, 'f'), 'utf8')).to.equal('through\n');
      ok(['volume', 'rm', t, b]);
      expect(existsSync(join(dir, 'f'))).to.equal(true);
    });

    it('prune: anonymous unused volumes only, all with -a, the space reclaimed measured', function () {
      // Before Engine 23, prune took every unused volume and had no -a.
      if (engineMajor() < 23) this.skip();
      const named = volume('prunenamed');
      ok(['volume', 'create', named]);
      const c = name('pruneanon');
      ok(['run', '--name', c, ...NET, '-v', '/anon', img(), 'sh', '-c', 'head -c 2048 /dev/zero > /anon/f']);
      const [anon] = (inspectJson(c, '.Mounts') as { Name: string }[]).map((m) => m.Name);
      vols.push(anon!);
      // In use by c: not pruned.
      expect(ok(['volume', 'prune', '-f']).split('\n')).to.not.include(anon);
      ok(['rm', c]);
      const out = ok(['volume', 'prune', '-f', '--filter', 'label!=nothing']);
      expect(out).to.contain(`Deleted Volumes:\n`);
      expect(out).to.contain(`${anon}\n`);
      expect(out).to.not.contain(named);
      expect(out.trim().split('\n').at(-1)).to.match(/^Total reclaimed space: 2\.048kB$/);
      expect(volumes()).to.include(named);
      const all = ok(['volume', 'prune', '-f', '-a', '--filter', `label!=nothing`]);
      expect(all).to.contain(`${named}\n`);
      expect(volumes()).to.not.include(named);
      expect(ok(['volume', 'prune', '-f', '--filter', 'label=never-there'])).to.equal(
        'Total reclaimed space: 0B\n',
      );
    });
  });

  describe('system df', () => {
    const bytes = (h: string): number => {
      const m = /^([\d.]+)([kMGT]?)B/.exec(h)!;
      return Number(m[1]) * { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2]!]!;
    };
    const df = () =>
      Object.fromEntries(
        ok(['system', 'df', '--format', '{{json .}}'])
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, string>)
          .map((r) => [r.Type!, r]),
      );
    it("counts and measures images, containers and local volumes in Docker's layout", () => {
      const table = ok(['system', 'df']).split('\n');
      expect(table[0]).to.match(/^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE$/);
      expect(table.slice(1, 5).map((l) => l.split(/\s{2,}/)[0])).to.deep.equal([
        'Images',
        'Containers',
        'Local Volumes',
        'Build Cache',
      ]);
      const before = df();
      expect(Number(before.Images!.TotalCount)).to.be.greaterThan(0);
      expect(bytes(before.Images!.Size!)).to.be.greaterThan(500_000);
      const v = volume('df');
      const c = name('dfuser');
      ok([
        'run',
        '-d',
        '--name',
        c,
        ...NET,
        '-v',
        `${v}:/d`,
        img(),
        'sh',
        '-c',
        'head -c 3000000 /dev/zero > /d/f; sleep 60',
      ]);
      for (let i = 0; i < 50 && cli(['exec', c, 'test', '-s', '/d/f']).code !== 0; i++)
        ok(['exec', c, 'sleep', '0.1']);
      ok(['exec', c, 'sh', '-c', 'while [ $(wc -c < /d/f) -lt 3000000 ]; do sleep 0.1; done']);
      const during = df();
      const vols = during['Local Volumes']!;
      expect(Number(vols.TotalCount)).to.equal(Number(before['Local Volumes']!.TotalCount) + 1);
      expect(Number(vols.Active)).to.equal(Number(before['Local Volumes']!.Active) + 1);
      expect(bytes(vols.Size!) - bytes(before['Local Volumes']!.Size!)).to.be.within(2_990_000, 3_010_000);
      expect(Number(during.Containers!.Active)).to.equal(Number(before.Containers!.Active) + 1);
      ok(['rm', '-f', c]);
      const after = df();
      expect(Number(after['Local Volumes']!.Active)).to.equal(Number(before['Local Volumes']!.Active));
      expect(bytes(after['Local Volumes']!.Reclaimable!)).to.be.greaterThanOrEqual(3_000_000);
    });

    it('counts the build cache, its layers measured', function () {
      // BuildKit (and with it a build cache in df) is the engine's builder from Docker 23 on.
      if (engineMajor() < 23) this.skip();
      const tag = `tsdock-test/df-${process.pid}:latest`;
      const before = df()['Build Cache']!;
      const r = cli(['build', '-q', '-t', tag, '-'], {
        input: `FROM ${img()}\nRUN head -c 300000 /dev/urandom > /blob-${process.pid}-${Date.now()}\n`,
      });
      expect(r.code, r.stderr).to.equal(0);
      try {
        const after = df()['Build Cache']!;
        expect(Number(after.TotalCount)).to.be.greaterThan(Number(before.TotalCount));
        expect(bytes(after.Size!) - bytes(before.Size!)).to.be.greaterThanOrEqual(300_000);
      } finally {
        ok(['rmi', tag]);
        // The cache no image uses any more goes (not -a: nothing else's).
        ok(['builder', 'prune', '-f']);
      }
    });
  });

  describe('system prune --volumes', () => {
    it('takes the unused anonymous volumes its filter names, never a named one', function () {
      if (engineMajor() < 23) this.skip();
      const label = `tsdock-test-prune=${process.pid}`;
      const named = volume('sysprune');
      ok(['volume', 'create', '--label', label, named]);
      const c = name('sysprune');
      ok(['run', '--name', c, ...NET, '--mount', `type=volume,dst=/x,volume-label=${label}`, img(), 'true']);
      const [anon] = (inspectJson(c, '.Mounts') as { Name: string }[]).map((m) => m.Name);
      vols.push(anon!);
      ok(['rm', c]);
      const refused = cli(['system', 'prune', '-f', '--volumes', '--filter', 'until=1h']);
      expect(refused.code).to.not.equal(0);
      expect(refused.stderr).to.contain('The "until" filter is not supported with "--volumes"');
      const out = ok(['system', 'prune', '-f', '--volumes', '--filter', `label=${label}`]);
      expect(out).to.contain(`Deleted Volumes:\n${anon}\n`);
      expect(volumes()).to.not.include(anon);
      expect(volumes()).to.include(named);
    });
  });

  describe('bad input: one line, exit code, nothing left', () => {
    const bad: [string, string[], number, RegExp][] = [
      ['too many colons', ['-v', '/a:/b:ro:x'], 125, /invalid spec: \/a:\/b:ro:x: too many colons/],
      [
        'a relative volume name',
        ['-v', 'relative/x:/x'],
        125,
        /includes invalid characters for a local volume name/,
      ],
      ['a relative target', ['-v', '/tmp:tmp'], 125, /mount path must be absolute/],
      ['a bad mode', ['-v', '/tmp:/t:rwz'], 125, /invalid mode: rwz/],
      // docker/cli ≤ 28.2 says "unexpected key 'bogus' in …"; later ones (and tsdock) "unknown option 'bogus' in …".
      [
        'a bad --mount key',
        ['--mount', 'type=volume,target=/x,bogus=1'],
        125,
        /(unknown option|unexpected key) 'bogus'/,
      ],
      [
        'a missing --volumes-from container',
        ['--volumes-from', 'no-such-container-x'],
        125,
        /No such container: no-such-container-x/,
      ],
      ['the same destination twice', ['-v', '/tmp:/x', '--tmpfs', '/x'], 125, /Duplicate mount point: \/x/],
    ];
    for (const [what, flags, code, message] of bad) {
      it(what, () => {
        const c = name('bad');
        const before = volumes();
        const r = cli(['run', '--rm', '--name', c, ...NET, ...flags, img(), 'true']);
        expect(r.code, r.stderr).to.equal(code);
        expect(r.stderr.trim().split('\n')[0]).to.match(message);
        expect(r.stderr).to.not.match(/\n\s+at /);
        expect(containerNames()).to.not.include(c);
        expect(volumes()).to.deep.equal(before);
        // The name is free again.
        ok(['create', '--name', c, ...NET, img(), 'true']);
        ok(['rm', c]);
      });
    }

    it('a failure after a new volume was made takes that volume away again', () => {
      const v = volume('undone');
      const c = name('undo');
      const before = volumes();
      // The anonymous volume over the image's /etc/passwd (a file) fails once the named one exists.
      const r = cli([
        'run',
        '--rm',
        '--name',
        c,
        ...NET,
        '-v',
        `${v}:/www`,
        '-v',
        '/etc/passwd',
        CONTENT_IMAGE,
        'true',
      ]);
      expect(r.code).to.equal(125);
      expect(r.stderr).to.match(/cannot mount volume over existing file/);
      // Docker keeps the volume it made; tsdock leaves nothing of a failed run.
      if (target === 'tsdock') expect(volumes()).to.deep.equal(before);
      expect(containerNames()).to.not.include(c);
      // The same when the failure comes while the volumes are being made (a subpath that is not there;
      // volume-subpath exists from Docker 26 on).
      if (engineMajor() < 26) return;
      const other = volume('other');
      ok(['volume', 'create', other]);
      const s = cli([
        'run',
        '--rm',
        '--name',
        c,
        ...NET,
        '-v',
        `${v}:/www`,
        '--mount',
        `src=${other},dst=/o,volume-subpath=missing`,
        img(),
        'true',
      ]);
      expect(s.code).to.equal(125);
      if (target === 'tsdock') expect(volumes().sort()).to.deep.equal([...before, other].sort());
      expect(containerNames()).to.not.include(c);
      ok(['volume', 'rm', other]);
    });
  });

  describe('paths stay inside the container', () => {
    it('a volume target behind a link of the image resolves inside the container, never on the host', () => {
      const v = volume('linked');
      sh(['-v', `${v}:/escape/sub`], 'echo in > /escape/sub/f', LINKS_IMAGE);
      ok(['run', '--rm', ...NET, '-v', `${host}:/dotdot/x`, LINKS_IMAGE, 'true']);
      expect(existsSync(linkTarget)).to.equal(false);
      // Copy-up through a link to /etc copies the image's /etc, not the host's.
      const e = volume('etc');
      expect(
        ok(['run', '--rm', ...NET, '-v', `${e}:/etclink`, LINKS_IMAGE, 'cat', '/etclink/image-only']),
      ).to.equal('image\n');
      const [info] = JSON.parse(ok(['volume', 'inspect', e])) as { Mountpoint: string }[];
      expect(readdirSync(info!.Mountpoint)).to.include('image-only');
      expect(lstatSync(join(info!.Mountpoint, 'passwd')).isFile()).to.equal(true);
      expect(readFileSync(join(info!.Mountpoint, 'passwd'), 'utf8')).to.contain('app:x:1000');
    });

    it('`..` in a target stays under the container root', () => {
      const dir = join(host, 'dots');
      mkdirSync(dir);
      writeFileSync(join(dir, 'f'), 'dots\n');
      expect(
        ok(['run', '--rm', ...NET, '-v', `${dir}:/../../../tmp/dots`, img(), 'cat', '/tmp/dots/f']),
      ).to.equal('dots\n');
    });
  });

  describe('users and groups', () => {
    it('-u uid:gid puts the gid in the supplementary groups, as Docker does', () => {
      expect(ok(['run', '--rm', ...NET, '-u', '65534:65534', img(), 'id'])).to.equal(
        'uid=65534(nobody) gid=65534(nobody) groups=65534(nobody)\n',
      );
      expect(ok(['run', '--rm', ...NET, '-u', 'app', img(), 'id'])).to.equal(
        'uid=1000(app) gid=1000(app) groups=1000(app)\n',
      );
    });

    it("--group-add takes gids and the image's group names; an unknown one is refused", () => {
      const groups = ok([
        'run',
        '--rm',
        ...NET,
        '-u',
        '65534',
        '--group-add',
        '33',
        '--group-add',
        'app',
        img(),
        'id',
        '-G',
      ]);
      expect([...new Set(groups.trim().split(' '))].sort()).to.deep.equal(['1000', '33', '65534']);
      const c = name('nogroup');
      const r = cli(['run', '--rm', '--name', c, ...NET, '--group-add', 'no-such-group', img(), 'true']);
      expect(r.code).to.equal(125);
      expect(r.stderr).to.match(/Unable to find group no-such-group/);
      expect(containerNames()).to.not.include(c);
      const h = name('groupadd');
      ok(['create', '--name', h, ...NET, '--group-add', '33', img(), 'true']);
      expect(inspectJson(h, '.HostConfig.GroupAdd')).to.deep.equal(['33']);
      ok(['rm', h]);
    });
  });
});
