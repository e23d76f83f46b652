/**
 * `build` end to end through the CLI, so the same checks hold against Docker with
 * TSDOCK_TEST_CLI=docker: each built image is run and its output compared with what Docker's
 * build of the same Dockerfile gives.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { argvFor, cli, cliAsync, cliRaw, ok, target, testEnv, uniqueName } from '../harness/cli.js';
import { packTar } from '../harness/image.js';
import { startRegistry } from '../harness/registry.js';
import { TmuxSession } from '../harness/tmux.js';

interface Inspected {
  Id: string;
  Config: {
    Cmd: string[] | null;
    Entrypoint: string[] | null;
    Env: string[] | null;
    WorkingDir: string;
    User: string;
    Labels: Record<string, string> | null;
    Volumes: Record<string, object> | null;
    ExposedPorts: Record<string, object> | null;
    StopSignal?: string;
    Healthcheck?: { Test: string[]; Interval?: number; Retries?: number };
    OnBuild: string[] | null;
  };
}

describe('build', function () {
  this.timeout(180_000);
  let work = '';
  const images: string[] = [];
  const name = (tag = 'latest') => {
    const n = `${uniqueName('tsdock-it/build')}:${tag}`;
    images.push(n);
    return n;
  };
  const base = () => testEnv().image;
  /** A context directory with these files (path → content). */
  const context = (files: Record<string, string>): string => {
    const dir = mkdtempSync(join(work, 'ctx-'));
    for (const [p, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), content);
    }
    return dir;
  };
  const build = (dir: string, ...args: string[]) => cli(['build', '--progress=plain', ...args, dir]);
  const built = (dir: string, ...args: string[]) => {
    const r = build(dir, ...args);
    if (r.code !== 0) throw new Error(`build failed (${r.code}):\n${r.stderr}`);
    return r;
  };
  const run = (image: string, ...cmd: string[]) => ok(['run', '--rm', '--network', 'none', image, ...cmd]);
  const inspect = (ref: string) => (JSON.parse(ok(['image', 'inspect', ref])) as Inspected[])[0]!;

  before(() => (work = mkdtempSync(join(tmpdir(), 'tsdock-build-'))));
  after(() => {
    for (const n of images) cli(['rmi', '-f', n]);
    rmSync(work, { recursive: true, force: true });
  });

  it('builds a single stage (RUN, COPY, CMD) and the image runs', () => {
    const img = name();
    const dir = context({
      Dockerfile: `FROM ${base()}\nRUN echo built > /built.txt\nCOPY hello.txt /srv/\nCMD ["cat", "/built.txt", "/srv/hello.txt"]\n`,
      'hello.txt': 'hello from the context\n',
    });
    const r = built(dir, '-t', img);
    expect(r.stderr).to.match(/#\d+ \[2\/3\] RUN echo built > \/built.txt\n/);
    expect(r.stderr).to.match(/#\d+ DONE \d+\.\d+s/);
    expect(run(img)).to.equal('built\nhello from the context\n');
  });
  it('multi-stage: only the stages --target needs are built, COPY --from a stage and an image', () => {
    const img = name();
    const dir = context({
      Dockerfile: [
        `FROM ${base()} AS broken`,
        'RUN exit 7',
        `FROM ${base()} AS builder`,
        'RUN echo compiled > /artifact',
        'FROM scratch AS final',
        'COPY --from=builder /artifact /artifact',
        `COPY --from=${base()} /bin/busybox /bin/busybox`,
        'CMD ["/bin/busybox", "cat", "/artifact"]',
        'FROM broken',
        '',
      ].join('\n'),
    });
    const r = built(dir, '--target', 'final', '-t', img);
    expect(r.stderr).to.not.include('exit 7');
    expect(r.stderr).to.match(/\[builder 2\/2\] RUN echo compiled > \/artifact/);
    expect(run(img)).to.equal('compiled\n');
    const missing = build(dir, '--target', 'nope');
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.include('target stage "nope" could not be found');
  });

  it('independent stages build in parallel', () => {
    const dir = context({
      Dockerfile: [
        `FROM ${base()} AS a`,
        'RUN sleep 1 && echo a > /a',
        `FROM ${base()} AS b`,
        'RUN sleep 1 && echo b > /b',
        `FROM ${base()}`,
        'COPY --from=a /a /a',
        'COPY --from=b /b /b',
        '',
      ].join('\n'),
    });
    const r = built(dir, '--no-cache');
    const lines = r.stderr.split('\n');
    const startB = lines.findIndex((l) => /\[b 2\/2\] RUN sleep 1/.test(l));
    const idA = /^#(\d+) \[a 2\/2\] RUN sleep 1/m.exec(r.stderr)![1];
    const doneA = lines.findIndex((l) => l.startsWith(`#${idA} DONE`));
    expect(startB, r.stderr).to.be.greaterThan(-1);
    expect(startB, r.stderr).to.be.lessThan(doneA);
  });

  it('ARG and ENV with --build-arg: defaults, globals, overrides; ARGs stay out of the image env', () => {
    const img = name();
    const dir = context({
      Dockerfile: [
        'ARG GREETING=hello',
        `ARG BASE=${base()}`,
        'FROM ${BASE}',
        'ARG GREETING',
        'ARG WHO=world',
        'ENV WHO_ENV=${WHO:-nobody} PLAIN=${UNSET:-fallback}',
        'RUN echo "$GREETING $WHO" > /msg',
        'CMD cat /msg; echo "$WHO_ENV $PLAIN ${GREETING:-no-arg-at-run}"',
        '',
      ].join('\n'),
    });
    built(dir, '-t', img, '--build-arg', 'WHO=tsdock');
    expect(run(img)).to.equal('hello tsdock\ntsdock fallback no-arg-at-run\n');
    const env = inspect(img).Config.Env ?? [];
    expect(env).to.include('WHO_ENV=tsdock');
    expect(env.some((e) => e.startsWith('WHO=') || e.startsWith('GREETING='))).to.equal(false);
  });

  it('proxy ARGs: HTTP_PROXY … reach RUN from --build-arg alone, stay out of image and history, and out of the cache key unless declared', () => {
    const mark = uniqueName('proxy');
    const dir = context({
      Dockerfile: `FROM ${base()}\nRUN echo "${mark} [$HTTP_PROXY][$no_proxy]" > /p\nCMD cat /p\n`,
    });
    const img = name();
    built(
      dir,
      '-t',
      img,
      '--build-arg',
      'HTTP_PROXY=http://proxy.example:3128',
      '--build-arg',
      'no_proxy=.example',
    );
    expect(run(img)).to.equal(`${mark} [http://proxy.example:3128][.example]\n`);
    expect((inspect(img).Config.Env ?? []).some((e) => /proxy/i.test(e))).to.equal(false);
    expect(ok(['history', '--no-trunc', '--format', '{{.CreatedBy}}', img])).not.to.contain('proxy.example');
    // Another proxy is not a reason to run the step again (Docker exempts these ARGs from the cache).
    const other = build(dir, '-t', name(), '--build-arg', 'HTTP_PROXY=http://other.example:1');
    expect(other.code, other.stderr).to.equal(0);
    expect(other.stderr).to.match(new RegExp(`RUN echo "${mark}[^\n]*\n#\\d+ CACHED`));
    // The client's own environment is not passed on: only --build-arg brings them in.
    const fromEnv = name();
    const r = cli(['build', '--progress=plain', '--no-cache', '-t', fromEnv, dir], {
      env: { HTTP_PROXY: 'http://env.example:1', no_proxy: 'env.example' },
    });
    expect(r.code, r.stderr).to.equal(0);
    expect(run(fromEnv)).to.equal(`${mark} [][]\n`);
    // Declared with ARG, it is an ordinary build arg: part of the key and of RUN's history.
    const declared = context({
      Dockerfile: `FROM ${base()}\nARG HTTP_PROXY\nRUN echo "${mark} $HTTP_PROXY" > /p\nCMD cat /p\n`,
    });
    const one = name();
    built(declared, '-t', one, '--build-arg', 'HTTP_PROXY=http://one.example:1');
    const two = name();
    const second = built(declared, '-t', two, '--build-arg', 'HTTP_PROXY=http://two.example:2');
    expect(second.stderr).not.to.match(new RegExp(`RUN echo "${mark}[^\n]*\n#\\d+ CACHED`));
    expect(run(two)).to.equal(`${mark} http://two.example:2\n`);
    expect(ok(['history', '--no-trunc', '--format', '{{.CreatedBy}}', two])).to.contain(
      '|1 HTTP_PROXY=http://two.example:2',
    );
  });

  it('.dockerignore with exceptions, and a directory name excluding the directory', () => {
    const img = name();
    const dir = context({
      Dockerfile: `FROM ${base()}\nCOPY . /ctx/\nCMD find /ctx -type f\n`,
      '.dockerignore': '*.log\n!keep.log\ndocs\n**/secret.txt\n',
      'a.log': 'x',
      'keep.log': 'x',
      'main.txt': 'x',
      'docs/readme.md': 'x',
      'src/secret.txt': 'x',
      'src/app.txt': 'x',
    });
    built(dir, '-t', img);
    expect(run(img).trim().split('\n').sort()).to.deep.equal([
      '/ctx/.dockerignore',
      '/ctx/Dockerfile',
      '/ctx/keep.log',
      '/ctx/main.txt',
      '/ctx/src/app.txt',
    ]);
  });

  it('COPY --chown by name and by number, --chmod, into a new directory', () => {
    const img = name();
    const dir = context({
      Dockerfile: [
        `FROM ${base()}`,
        'COPY --chown=app:app a.txt /home/app/',
        'COPY --chown=1234:5678 --chmod=640 a.txt /data/new/b.txt',
        'COPY a.txt /root-owned.txt',
        'CMD stat -c "%n %u:%g %a" /home/app/a.txt /data/new/b.txt /data/new /root-owned.txt',
        '',
      ].join('\n'),
      'a.txt': 'a\n',
    });
    built(dir, '-t', img);
    expect(run(img)).to.equal(
      '/home/app/a.txt 1000:1000 644\n/data/new/b.txt 1234:5678 640\n/data/new 1234:5678 755\n/root-owned.txt 0:0 644\n',
    );
  });

  it('WORKDIR, USER, ENTRYPOINT and CMD together', () => {
    const img = name();
    const dir = context({
      Dockerfile: [
        `FROM ${base()}`,
        'WORKDIR /srv',
        'WORKDIR app',
        'RUN pwd > /tmp/where',
        'USER app',
        'ENTRYPOINT ["sh", "-c", "echo $(pwd) $(id -un) $(cat /tmp/where) \\"$@\\"", "--"]',
        'CMD ["default-arg"]',
        '',
      ].join('\n'),
    });
    built(dir, '-t', img);
    expect(run(img)).to.equal('/srv/app app /srv/app default-arg\n');
    expect(run(img, 'given')).to.equal('/srv/app app /srv/app given\n');
    const cfg = inspect(img).Config;
    expect([cfg.WorkingDir, cfg.User]).to.deep.equal(['/srv/app', 'app']);
  });

  it('HEALTHCHECK, VOLUME, STOPSIGNAL, EXPOSE and LABEL land in the config', () => {
    const img = name();
    const dir = context({
      Dockerfile: [
        `FROM ${base()}`,
        'HEALTHCHECK --interval=5s --retries=3 CMD true',
        'VOLUME ["/data", "/cache"]',
        'STOPSIGNAL SIGUSR1',
        'EXPOSE 8080 53/udp',
        'LABEL org.example.name="the app" version=1',
        'CMD ["true"]',
        '',
      ].join('\n'),
    });
    built(dir, '-t', img, '--label', 'from.cli=yes');
    const cfg = inspect(img).Config;
    expect(cfg.Healthcheck).to.deep.equal({ Test: ['CMD-SHELL', 'true'], Interval: 5e9, Retries: 3 });
    expect(Object.keys(cfg.Volumes ?? {}).sort()).to.deep.equal(['/cache', '/data']);
    expect(cfg.StopSignal).to.equal('SIGUSR1');
    expect(Object.keys(cfg.ExposedPorts ?? {}).sort()).to.deep.equal(['53/udp', '8080/tcp']);
    expect(cfg.Labels).to.include({ 'org.example.name': 'the app', version: '1', 'from.cli': 'yes' });
    expect(run(img, 'echo', 'runs')).to.equal('runs\n');
  });

  it("a failing RUN: its output, BuildKit's error, exit 1, no image, nothing left", async () => {
    const img = name();
    const dir = context({
      Dockerfile: `FROM ${base()}\nRUN echo before\nRUN echo "about to fail" && exit 3\nRUN echo never\n`,
    });
    const r = build(dir, '-t', img);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include('about to fail');
    expect(r.stderr).to.match(
      /ERROR: failed to solve: process "\/bin\/sh -c echo \\"about to fail\\" && exit 3" did not complete successfully: exit code: 3\n$/,
    );
    expect(r.stderr).to.include('>>> RUN echo "about to fail" && exit 3');
    expect(r.stderr).to.not.match(/#\d+ \[\d\/\d\] RUN echo never/);
    expect(cli(['image', 'inspect', img]).code).to.equal(1);
    if (target === 'tsdock') await expectNoBuildLeftovers();
  });

  it('a Dockerfile on stdin, with no context and with a directory as context', () => {
    const img = name();
    const r = cli(['build', '-q', '-t', img, '-'], {
      input: `FROM ${base()}\nRUN echo from-stdin > /s\nCMD ["cat", "/s"]\n`,
    });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^sha256:[0-9a-f]{64}\n$/);
    expect(inspect(img).Id).to.equal(r.stdout.trim());
    expect(run(img)).to.equal('from-stdin\n');
    const dir = context({ 'f.txt': 'ctx file\n' });
    const img2 = name();
    const r2 = cli(['build', '-q', '-t', img2, '-f', '-', dir], {
      input: `FROM ${base()}\nCOPY f.txt /\nCMD ["cat", "/f.txt"]\n`,
    });
    expect(r2.code, r2.stderr).to.equal(0);
    expect(run(img2)).to.equal('ctx file\n');
    const noCtx = cli(['build', '-'], { input: `FROM ${base()}\nCOPY f.txt /\n` });
    expect(noCtx.code).to.equal(1);
    expect(noCtx.stderr).to.match(/"\/f.txt": not found/);
  });

  it('a tar on stdin as the context, and -f naming a Dockerfile with its own .dockerignore', async () => {
    const img = name();
    const tar = await packTar([
      { name: 'Dockerfile', data: `FROM ${base()}\nCOPY . /in/\nCMD ls /in\n` },
      { name: 'a.txt', data: 'a' },
      { name: '.dockerignore', data: 'Dockerfile\n.dockerignore\n' },
    ]);
    const r = cliRaw(['build', '-q', '-t', img, '-'], tar);
    expect(r.code, r.stderr).to.equal(0);
    expect(run(img)).to.equal('a.txt\n');
    const img2 = name();
    const dir = context({
      'build/app.Dockerfile': `FROM ${base()}\nCOPY . /in/\nCMD ls -A /in\n`,
      'build/app.Dockerfile.dockerignore': 'build\nsecret.txt\n',
      '.dockerignore': 'kept.txt\n',
      'kept.txt': 'k',
      'secret.txt': 's',
    });
    built(dir, '-f', join(dir, 'build', 'app.Dockerfile'), '-t', img2);
    expect(run(img2)).to.equal('.dockerignore\nkept.txt\n');
  });

  it('Ctrl-C stops the running step, exits 1 and leaves nothing', async function () {
    if (target !== 'tsdock') this.skip();
    const img = name();
    const dir = context({ Dockerfile: `FROM ${base()}\nRUN echo started && sleep 60\n` });
    const { child, done } = cliAsync(['build', '--progress=plain', '--no-cache', '-t', img, dir]);
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    const deadline = Date.now() + 30_000;
    while (!/#\d+ \d+\.\d+ started/.test(err) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    const r = await done;
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stderr).to.match(/ERROR: failed to solve: Canceled: context canceled\n$/);
    expect(cli(['image', 'inspect', img]).code).to.equal(1);
    await expectNoBuildLeftovers();
  });

  it('the cache: an unchanged rebuild gives the same image id; a changed file rebuilds from its COPY on', () => {
    const img = name();
    const dir = context({
      Dockerfile: [
        `FROM ${base()}`,
        'RUN echo one > /one',
        'COPY data.txt /data.txt',
        'RUN cat /data.txt > /copy-of-data',
        'CMD ["cat", "/one", "/copy-of-data"]',
        '',
      ].join('\n'),
      'data.txt': 'version 1\n',
    });
    const first = built(dir, '-t', img, '--iidfile', join(dir, '..', 'iid1'));
    const id1 = inspect(img).Id;
    const second = built(dir, '-t', img);
    expect(inspect(img).Id).to.equal(id1);
    expect(second.stderr.match(/CACHED/g)?.length, second.stderr).to.be.greaterThanOrEqual(3);
    expect(first.stderr).to.match(/RUN echo one[\s\S]*DONE/);
    writeFileSync(join(dir, 'data.txt'), 'version 2\n');
    const third = built(dir, '-t', img);
    const step = (out: string, re: RegExp) => {
      const id = new RegExp(`^#(\\d+) \\[\\d/4\\] ${re.source}`, 'm').exec(out)![1];
      return new RegExp(`^#${id} (CACHED|DONE)`, 'm').exec(out)![1];
    };
    expect(step(third.stderr, /RUN echo one/)).to.equal('CACHED');
    expect(step(third.stderr, /COPY data.txt/)).to.equal('DONE');
    expect(step(third.stderr, /RUN cat \/data.txt/)).to.equal('DONE');
    expect(inspect(img).Id).to.not.equal(id1);
    expect(run(img)).to.equal('one\nversion 2\n');
    // --no-cache runs every step again
    expect(step(built(dir, '--no-cache').stderr, /RUN echo one/)).to.equal('DONE');
  });

  it('ONBUILD triggers run when a later build uses the image', () => {
    const parent = name('parent');
    const child = name('child');
    built(
      context({
        Dockerfile: `FROM ${base()}\nONBUILD COPY marker.txt /marker.txt\nONBUILD RUN echo triggered > /onbuild\n`,
      }),
      '-t',
      parent,
    );
    expect(inspect(parent).Config.OnBuild).to.deep.equal([
      'COPY marker.txt /marker.txt',
      'RUN echo triggered > /onbuild',
    ]);
    const r = built(
      context({ Dockerfile: `FROM ${parent}\nCMD cat /onbuild /marker.txt\n`, 'marker.txt': 'mark\n' }),
      '-t',
      child,
    );
    expect(r.stderr).to.match(/\[\d\/3\] ONBUILD RUN echo triggered/);
    expect(run(child)).to.equal('triggered\nmark\n');
    expect(inspect(child).Config.OnBuild ?? []).to.deep.equal([]);
  });

  it('heredocs in RUN and COPY, and FROM scratch', () => {
    const img = name();
    const dir = context({
      Dockerfile: [
        `FROM ${base()} AS tools`,
        'FROM scratch',
        'COPY --from=tools /bin/busybox /bin/busybox',
        'ARG WHO=heredoc',
        'COPY <<EOF /greeting',
        'hello ${WHO}',
        'EOF',
        'SHELL ["/bin/busybox", "sh", "-c"]',
        'RUN <<EOF',
        '/bin/busybox echo from a script > /script-out',
        'EOF',
        'CMD ["/bin/busybox", "cat", "/greeting", "/script-out"]',
        '',
      ].join('\n'),
    });
    built(dir, '-t', img);
    expect(run(img)).to.equal('hello heredoc\nfrom a script\n');
  });

  it("bad input: Docker's message, exit 1, no image", () => {
    const img = name();
    const cases: [string, RegExp][] = [
      [`FROM ${base()}\nFROB x\n`, /dockerfile parse error on line 2: unknown instruction: FROB/],
      [`FROM ${base()}\nCOPY --frm=x a b\n`, /dockerfile parse error on line 2: unknown flag: frm/],
      [
        `FROM ${base()}\nCOPY missing.txt /\n`,
        /failed to calculate checksum of ref [^ ]+: "\/missing.txt": not found/,
      ],
      [
        `FROM ${base()}\nCOPY --from=nosuchstage /a /b\n`,
        /nosuchstage:latest: failed to resolve source metadata/,
      ],
    ];
    for (const [df, re] of cases) {
      const r = build(context({ Dockerfile: df }), '-t', img);
      expect(r.code, df).to.equal(1);
      expect(r.stderr, df).to.match(re);
      expect(r.stderr.trim().split('\n').at(-1), df).to.match(/^ERROR: failed to solve: /);
    }
    expect(cli(['image', 'inspect', img]).code).to.equal(1);
    const ctxMissing = cli(['build', join(work, 'no-such-dir')]);
    expect(ctxMissing.code).to.equal(1);
    expect(ctxMissing.stderr).to.include('unable to prepare context: path');
  });

  it('what tsdock does not do yet is refused in one line (RUN --mount, --secret)', function () {
    if (target !== 'tsdock') this.skip();
    const r = build(context({ Dockerfile: `FROM ${base()}\nRUN --mount=type=cache,target=/x true\n` }));
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/ERROR: failed to solve: RUN --mount is not supported by tsdock yet\n$/);
    const secret = cli(['build', '--secret', 'id=x', work]);
    expect([secret.code, secret.stderr.trim()]).to.deep.equal([
      125,
      '--secret is not supported by tsdock yet',
    ]);
  });

  it('builder prune empties the cache: the next build runs every step', () => {
    const dir = context({ Dockerfile: `FROM ${base()}\nRUN echo pruned-step > /p\n` });
    built(dir);
    expect(built(dir).stderr).to.match(/RUN echo pruned-step > \/p\n#\d+ CACHED/);
    const pr = cli(['builder', 'prune', '-af']);
    expect(pr.code, pr.stderr).to.equal(0);
    expect(pr.stdout).to.match(/Total reclaimed space: /);
    expect(built(dir).stderr).to.match(/RUN echo pruned-step > \/p\n#\d+ DONE/);
  });

  it('--output writes the result as files (a directory, a tar) instead of an image', () => {
    const dir = context({
      Dockerfile: `FROM ${base()} AS b\nRUN mkdir /out && echo artifact > /out/a.txt\nFROM scratch\nCOPY --from=b /out/ /\n`,
    });
    const dest = join(work, 'out-dir');
    built(dir, '--output', `type=local,dest=${dest}`);
    expect(readFileSync(join(dest, 'a.txt'), 'utf8')).to.equal('artifact\n');
    const tarFile = join(work, 'out.tar');
    built(dir, '-o', `type=tar,dest=${tarFile}`);
    expect(spawnSync('tar', ['-tf', tarFile], { encoding: 'utf8' }).stdout.split('\n')).to.include('./a.txt');
  });

  it('ADD: a local tar is unpacked (gzip too), a plain file copied as is, --chown applied', () => {
    const dir = context({ 'plain.txt': 'kept as a file\n' });
    const src = join(work, 'tree');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'sub', 'inner.txt'), 'from the archive\n');
    const tar = spawnSync('tar', ['-C', src, '-czf', join(dir, 'files.tar.gz'), 'sub'], { encoding: 'utf8' });
    expect(tar.status, tar.stderr).to.equal(0);
    writeFileSync(
      join(dir, 'Dockerfile'),
      `FROM ${base()}\nADD files.tar.gz /unpacked/\nADD --chown=65534:65534 plain.txt /p/\n` +
        `CMD cat /unpacked/sub/inner.txt /p/plain.txt; stat -c '%u:%g' /p/plain.txt; ls /unpacked\n`,
    );
    const img = name();
    built(dir, '-t', img);
    expect(run(img)).to.equal('from the archive\nkept as a file\n65534:65534\nsub\n');
  });

  it('ADD URL: fetched over HTTP into the image with mode 0600; a 404 fails the build, no image', async () => {
    // The server runs in this process, so the build must not block the event loop (cliAsync).
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      if (req.url === '/files/hello.txt') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('served over http\n');
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      // --network host for the fetch is not needed: ADD runs on the build host, as BuildKit's does.
      const img = name();
      const dir = context({
        Dockerfile: `FROM ${base()}\nADD http://127.0.0.1:${port}/files/hello.txt /dl/\nCMD cat /dl/hello.txt; stat -c %a /dl/hello.txt\n`,
      });
      const r = await cliAsync(['build', '--progress=plain', '-t', img, dir]).done;
      expect(r.code, r.stderr).to.equal(0);
      expect(run(img)).to.equal('served over http\n600\n');

      const bad = name();
      const dir404 = context({ Dockerfile: `FROM ${base()}\nADD http://127.0.0.1:${port}/missing /x\n` });
      const f = await cliAsync(['build', '--progress=plain', '-t', bad, dir404]).done;
      expect(f.code).to.equal(1);
      expect(f.stderr).to.match(/invalid response status 404/);
      expect(cli(['image', 'inspect', bad]).code).to.equal(1);
    } finally {
      server.close();
    }
  });

  it('--pull takes FROM from the registry even when a local image has the name; without it the local one is used', async () => {
    const reg = await startRegistry();
    const remote = `${reg.host}/${uniqueName('pullbase')}:1`;
    images.push(remote);
    try {
      const one = name();
      const two = name();
      built(context({ Dockerfile: `FROM ${base()}\nRUN echo one > /v\n` }), '-t', one);
      built(context({ Dockerfile: `FROM ${base()}\nRUN echo two > /v\n` }), '-t', two);
      // The registry holds "two" under the name; the local name points at "one".
      ok(['tag', two, remote]);
      ok(['push', remote]);
      ok(['tag', one, remote]);
      const dir = context({ Dockerfile: `FROM ${remote}\nCMD cat /v\n` });
      const local = name();
      built(dir, '-t', local);
      expect(run(local)).to.equal('one\n');
      const pulled = name();
      built(dir, '--pull', '-t', pulled);
      expect(run(pulled)).to.equal('two\n');
    } finally {
      await reg.stop();
    }
  });

  it('RUN networks: bridge by default, --network none, RUN --network=none; --add-host in /etc/hosts', () => {
    const img = name();
    const dir = context({
      Dockerfile: [
        `FROM ${base()}`,
        'RUN ls /sys/class/net | sort | tr "\\n" " " > /default-nets',
        'RUN --network=none ls /sys/class/net | tr "\\n" " " > /none-nets',
        'RUN grep -c buildhost /etc/hosts > /hosts-count',
        'CMD cat /default-nets /none-nets /hosts-count',
        '',
      ].join('\n'),
    });
    built(dir, '-t', img, '--add-host', 'buildhost:10.1.2.3');
    expect(run(img)).to.equal('eth0 lo lo 1\n');
    const none = name();
    const dir2 = context({
      Dockerfile: `FROM ${base()}\nRUN ls /sys/class/net | tr "\\n" " " > /n\nCMD ["cat", "/n"]\n`,
    });
    built(dir2, '--network', 'none', '-t', none);
    expect(run(none)).to.equal('lo ');
  });

  it('on a terminal: the live view, each step with its time, FINISHED at the end', async function () {
    if (spawnSync('tmux', ['-V']).status !== 0) this.skip();
    const img = name();
    const dir = context({ Dockerfile: `FROM ${base()}\nRUN echo on-a-terminal && sleep 1\n` });
    const [cmd, argv] = argvFor(['build', '--no-cache', '-t', img, dir]);
    const t = new TmuxSession(uniqueName('tsdock-build-tty'), [cmd, ...argv], { width: 120, height: 30 });
    try {
      await t.waitFor(/RC=0/, 60_000);
      const screen = t.screen();
      expect(screen).to.match(/\[\+\] Building \d+\.\ds \(\d+\/\d+\) FINISHED/);
      expect(screen).to.match(/=> \[2\/2\] RUN echo on-a-terminal && sleep 1 \d+\.\ds/);
      expect(screen).to.not.match(/^#\d+ /m);
    } finally {
      t.kill();
    }
    expect(run(img, 'true')).to.equal('');
  });

  it('a build killed with SIGKILL leaves no container, lease or mount behind', async function () {
    if (target !== 'tsdock') this.skip();
    const dir = context({ Dockerfile: `FROM ${base()}\nRUN echo started && sleep 60\n` });
    const { child, done } = cliAsync(['build', '--progress=plain', '--no-cache', dir]);
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    const deadline = Date.now() + 30_000;
    while (!/#\d+ \d+\.\d+ started/.test(err) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(err).to.match(/#\d+ \d+\.\d+ started/);
    child.kill('SIGKILL');
    await done;
    const until = Date.now() + 15_000;
    for (;;) {
      try {
        await expectNoBuildLeftovers();
        break;
      } catch (e) {
        if (Date.now() > until) throw e;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  });
});

/** No RUN container, no build lease of a dead process, no step mount under the data root. */
async function expectNoBuildLeftovers(): Promise<void> {
  const env = testEnv();
  const { ContainerdClient } = await import('../../src/runtime/containerd/client.js');
  const client = new ContainerdClient(env.address, env.namespace);
  try {
    const containers = await client.containers.list(['labels."tsdock.build/pid"']);
    expect(containers.map((c) => c.id)).to.deep.equal([]);
    const leases = await client.leases.list();
    const { pidAlive } = await import('../../src/runtime/state/files.js');
    const dead = leases.filter((l) => l.labels?.['tsdock/pid'] && !pidAlive(Number(l.labels['tsdock/pid'])));
    expect(dead.map((l) => l.id)).to.deep.equal([]);
    const { readFileSync } = await import('node:fs');
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .filter((l) => l.includes(`${env.dataRoot}/tmp/`));
    expect(mounts).to.deep.equal([]);
  } finally {
    client.close();
  }
}
