/**
 * Images end to end through the CLI (so the same checks hold against Docker with
 * TSDOCK_TEST_CLI=docker), plus containerd-level checks of what tsdock stored.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { cli, ok, target, testEnv, uniqueName } from '../harness/cli.js';
import { buildBusyboxArchive, buildRootfsTarball } from '../harness/image.js';
import { chainId } from '../../src/runtime/images/oci.js';

interface InspectedImage {
  Id: string;
  RepoTags: string[];
  Comment: string;
  Config: { Cmd: string[] | null; Env: string[] | null; Labels: Record<string, string> | null };
  Os: string;
  Architecture: string;
  Size: number;
  RootFS: { Type: string; Layers: string[] };
}

function inspect(ref: string): InspectedImage {
  return (JSON.parse(ok(['image', 'inspect', ref])) as InspectedImage[])[0]!;
}

describe('images', function () {
  this.timeout(120_000);
  let work = '';
  const created: string[] = [];
  const name = (tag: string) => {
    const n = `${uniqueName('tsdock-it/img')}:${tag}`;
    created.push(n);
    return n;
  };

  before(() => (work = mkdtempSync(join(tmpdir(), 'tsdock-images-'))));
  after(() => {
    for (const n of created) cli(['rmi', '-f', n]);
    rmSync(work, { recursive: true, force: true });
  });

  it('lists and inspects the loaded test image', () => {
    const image = testEnv().image;
    const rows = ok(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}']).split('\n');
    const row = rows.find((r) => r.startsWith(`${image} `));
    expect(row, rows.join('\n')).to.match(/^\S+ [0-9a-f]{12} \d+(\.\d+)?[kM]B$/);
    const img = inspect(image);
    expect(img.Id).to.match(/^sha256:[0-9a-f]{64}$/);
    expect(row!.split(' ')[1]).to.equal(img.Id.slice(7, 19));
    expect(img.RepoTags).to.include(image);
    expect(img.Config.Cmd).to.deep.equal(['sh']);
    expect(img.Os).to.equal('linux');
    expect(img.RootFS.Type).to.equal('layers');
    expect(img.RootFS.Layers).to.have.length(1);
    expect(img.Size).to.be.greaterThan(1_000_000);
    // an id prefix finds it too
    expect(inspect(img.Id.slice(7, 15)).Id).to.equal(img.Id);
  });

  it('unpacks into a committed snapshot named by the chain ID, kept alive by GC labels', async function () {
    if (target !== 'tsdock') this.skip();
    const { ContainerdClient } = await import('../../src/runtime/containerd/client.js');
    const env = testEnv();
    const client = new ContainerdClient(env.address, env.namespace);
    try {
      const img = inspect(env.image);
      const chain = chainId(img.RootFS.Layers)!;
      const info = await client.snapshots.stat(chain);
      expect(info.name).to.equal(chain);
      const config = await client.content.info(img.Id);
      expect(config.labels['containerd.io/gc.ref.snapshot.overlayfs']).to.equal(chain);
      const record = await client.images.get(`docker.io/${env.image}`);
      const manifest = await client.content.info(record.target.digest);
      expect(manifest.labels['containerd.io/gc.ref.content.config']).to.equal(img.Id);
      expect(manifest.labels['containerd.io/gc.ref.content.l.0']).to.match(/^sha256:/);
    } finally {
      client.close();
    }
  });

  it('loads an OCI image layout with a gzip layer', async function () {
    // `docker load` reads OCI layouts only from Docker 25 on; an older engine is no reference here.
    if (target === 'docker') {
      const major = Number(
        execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8' }).split(
          '.',
        )[0],
      );
      if (major < 25) this.skip();
    }
    const n = name('oci');
    const archive = join(work, 'oci.tar');
    const b = await buildBusyboxArchive(archive, {
      format: 'oci',
      gzipLayer: true,
      name: n,
      config: { Cmd: ['echo', 'oci'] },
    });
    expect(ok(['load', '-i', archive])).to.equal(`Loaded image: ${n}\n`);
    const img = inspect(n);
    expect(img.Id).to.equal(b.id);
    expect(img.Config.Cmd).to.deep.equal(['echo', 'oci']);
  });

  it('loads an untagged archive and prints its ID', async () => {
    const archive = join(work, 'untagged.tar');
    const b = await buildBusyboxArchive(archive, {
      untagged: true,
      extraFiles: { '/etc/untagged': 'yes\n' },
    });
    expect(ok(['load', '-i', archive])).to.equal(`Loaded image ID: ${b.id}\n`);
    const dangling = ok(['images', '-q', '--no-trunc', '--filter', 'dangling=true']);
    expect(dangling.split('\n')).to.include(b.id);
    expect(ok(['rmi', b.id])).to.match(new RegExp(`Deleted: ${b.id}`));
  });

  it('imports a rootfs tarball as a one-layer image', async () => {
    const n = name('imported');
    const tarball = join(work, 'rootfs.tar.gz');
    await buildRootfsTarball(tarball, { gzip: true });
    const out = ok(['import', '--change', 'CMD ["sh"]', '--change', 'ENV A=1', tarball, n]);
    expect(out).to.match(/^sha256:[0-9a-f]{64}\n$/);
    const img = inspect(n);
    expect(img.Id).to.equal(out.trim());
    expect(img.RootFS.Layers).to.have.length(1);
    expect(img.Config.Cmd).to.deep.equal(['sh']);
    expect(img.Config.Env).to.deep.equal(['A=1']);
    expect(img.Comment).to.equal('Imported from -');
    const history = ok(['history', '--format', '{{.Comment}}', n]);
    expect(history).to.equal('Imported from -\n');
  });

  it('saves and loads back the same image (round trip)', () => {
    const image = testEnv().image;
    const n = name('saved');
    ok(['tag', image, n]);
    const id = inspect(n).Id;
    const archive = join(work, 'saved.tar');
    ok(['save', '-o', archive, n]);
    const listing = execFileSync('tar', ['tf', archive], { encoding: 'utf8' }).split('\n');
    expect(listing).to.include('manifest.json');
    const manifest = JSON.parse(
      execFileSync('tar', ['xOf', archive, 'manifest.json'], { encoding: 'utf8' }),
    ) as {
      RepoTags: string[];
    }[];
    expect(manifest[0]!.RepoTags).to.deep.equal([n]);
    expect(ok(['rmi', n])).to.equal(`Untagged: ${n}\n`);
    expect(cli(['image', 'inspect', n]).code).to.equal(1);
    expect(ok(['load', '-i', archive])).to.equal(`Loaded image: ${n}\n`);
    expect(inspect(n).Id).to.equal(id);
  });

  it('tags and removes: untag while other tags remain, conflict by id, delete with the last tag', async () => {
    const archive = join(work, 'own.tar');
    const a = name('a');
    const b = await buildBusyboxArchive(archive, { name: a, extraFiles: { '/etc/own': 'own\n' } });
    ok(['load', '-i', archive]);
    const bName = name('b');
    ok(['tag', a, bName]);
    const ids = ok(['images', '--no-trunc', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']);
    expect(ids).to.include(`${a} ${b.id}`).and.to.include(`${bName} ${b.id}`);

    const conflict = cli(['rmi', b.id.slice(7, 19)]);
    expect(conflict.code).to.equal(1);
    expect(conflict.stderr).to.include(
      `conflict: unable to delete ${b.id.slice(7, 19)} (must be forced) - image is referenced in multiple repositories`,
    );
    expect(ok(['rmi', bName])).to.equal(`Untagged: ${bName}\n`);
    const last = ok(['rmi', a]);
    expect(last).to.include(`Untagged: ${a}\n`).and.to.include(`Deleted: ${b.id}`);
    expect(cli(['image', 'inspect', b.id]).code).to.equal(1);
  });

  it('refuses bad references and reports missing images as Docker does', () => {
    const bad = cli(['tag', testEnv().image, 'Bad/Name:x']);
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.include('is not a valid repository/tag');
    const missing = cli(['rmi', 'tsdock-it/does-not-exist']);
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.include('No such image: tsdock-it/does-not-exist:latest');
  });

  it('shows history newest first with the image ID on the top entry', () => {
    const image = testEnv().image;
    const id = inspect(image).Id;
    const rows = ok(['history', '--no-trunc', '--format', '{{.ID}}|{{.CreatedBy}}|{{.Size}}', image])
      .trim()
      .split('\n');
    expect(rows).to.have.length(2);
    expect(rows[0]).to.equal(`${id}|/bin/sh -c #(nop)  CMD ["sh"]|0B`);
    expect(rows[1]).to.match(/^<missing>\|\/bin\/sh -c #\(nop\) ADD busybox rootfs in \/ \|\d+(\.\d+)?MB$/);
    const table = ok(['history', image]).split('\n');
    expect(table[0]).to.match(/^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
  });

  it('archives cross over: docker load takes tsdock save, tsdock load takes docker save', function () {
    // Needs a Docker engine beside tsdock (Debian's docker.io); skipped where none answers.
    if (target !== 'tsdock' || spawnSync('docker', ['info'], { stdio: 'ignore' }).status !== 0) this.skip();
    const fromTsdock = `tsdock-it/xfer:${uniqueName('t').toLowerCase()}`;
    const fromDocker = `tsdock-it/xfer:${uniqueName('d').toLowerCase()}`;
    const a = join(work, 'from-tsdock.tar');
    const b = join(work, 'from-docker.tar');
    ok(['tag', testEnv().image, fromTsdock]);
    ok(['save', '-o', a, fromTsdock]);
    const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' });
    try {
      expect(docker('load', '-i', a)).to.equal(`Loaded image: ${fromTsdock}\n`);
      expect(docker('run', '--rm', '--network', 'none', fromTsdock, 'echo', 'ok')).to.equal('ok\n');
      docker('tag', fromTsdock, fromDocker);
      docker('save', '-o', b, fromDocker);
      expect(ok(['load', '-i', b])).to.equal(`Loaded image: ${fromDocker}\n`);
      expect(ok(['run', '--rm', '--network', 'none', fromDocker, 'echo', 'ok'])).to.equal('ok\n');
    } finally {
      spawnSync('docker', ['rmi', fromTsdock, fromDocker], { stdio: 'ignore' });
      cli(['rmi', fromTsdock, fromDocker]);
    }
  });

  it('writes no partial file when save fails', () => {
    const out = join(work, 'fail.tar');
    writeFileSync(out, 'keep');
    const r = cli(['save', '-o', out, 'tsdock-it/does-not-exist']);
    expect(r.code).to.equal(1);
    expect(readFileSync(out, 'utf8')).to.equal('keep');
  });
});
