/**
 * `build` end to end through the CLI, so the same checks hold against Docker with
 * TSDOCK_TEST_CLI=docker: each built image is run and its output compared with what Docker's
 * build of the same Dockerfile gives.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { cli, ok, testEnv, uniqueName } from '../harness/cli.js';

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
});
