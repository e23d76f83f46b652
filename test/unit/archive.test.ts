import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import {
  archiveImages,
  detectArchiveFormat,
  dockerLayerMediaType,
  ociEntryName,
  spoolArchive,
} from '../../src/runtime/images/archive.js';
import {
  MediaType,
  chainIds,
  dockerManifest,
  manifestGcLabels,
  sha256,
} from '../../src/runtime/images/oci.js';
import { buildBusyboxArchive, packTar } from '../harness/image.js';

describe('image model: chain IDs', () => {
  it('follows the OCI identity rule', () => {
    const a = `sha256:${'a'.repeat(64)}`;
    const b = `sha256:${'b'.repeat(64)}`;
    const c = `sha256:${'c'.repeat(64)}`;
    const ab = sha256(`${a} ${b}`);
    expect(chainIds([a])).to.deep.equal([a]);
    expect(chainIds([a, b, c])).to.deep.equal([a, ab, sha256(`${ab} ${c}`)]);
    expect(chainIds([])).to.deep.equal([]);
  });

  it('hashes the chain string exactly (image-spec identity test: a|b)', () => {
    // printf 'sha256:a sha256:b' | sha256sum
    expect(chainIds(['sha256:a', 'sha256:b'])[1]).to.equal(
      'sha256:970a948bffa8de94d6e22d747ba8c95030e6e546909f98f54e99a13005e173a8',
    );
  });
});

describe('image model: docker schema2 manifest synthesis', () => {
  it('keeps descriptor order and media types, and labels children for GC like containerd', () => {
    const config = { mediaType: 'x', digest: `sha256:${'1'.repeat(64)}`, size: 10 };
    const l0 = { mediaType: MediaType.dockerLayer, digest: `sha256:${'2'.repeat(64)}`, size: 20 };
    const l1 = { mediaType: MediaType.dockerLayerGzip, digest: `sha256:${'3'.repeat(64)}`, size: 30 };
    const m = dockerManifest(config, [l0, l1]);
    expect(m).to.deep.equal({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: {
        mediaType: 'application/vnd.docker.container.image.v1+json',
        digest: config.digest,
        size: 10,
      },
      layers: [l0, l1],
    });
    expect(manifestGcLabels(m)).to.deep.equal({
      'containerd.io/gc.ref.content.config': config.digest,
      'containerd.io/gc.ref.content.l.0': l0.digest,
      'containerd.io/gc.ref.content.l.1': l1.digest,
    });
  });

  it('sniffs gzip layers', () => {
    expect(dockerLayerMediaType(gzipSync(Buffer.from('x')).subarray(0, 8))).to.equal(
      'application/vnd.docker.image.rootfs.diff.tar.gzip',
    );
    expect(dockerLayerMediaType(Buffer.from('bin/\0\0\0'))).to.equal(
      'application/vnd.docker.image.rootfs.diff.tar',
    );
  });
});

describe('image archives', function () {
  this.timeout(30_000);
  let dir = '';
  before(() => (dir = mkdtempSync(join(tmpdir(), 'tsdock-archive-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('detects the layout from file names', () => {
    expect(detectArchiveFormat(['manifest.json', 'repositories', 'abc.json'])).to.equal('docker');
    expect(detectArchiveFormat(['oci-layout', 'index.json', 'blobs/sha256/x'])).to.equal('oci');
    expect(detectArchiveFormat(['oci-layout', 'index.json', 'manifest.json'])).to.equal('oci');
    expect(detectArchiveFormat(['repositories'])).to.equal(undefined);
    expect(detectArchiveFormat(['etc/passwd'])).to.equal(undefined);
  });

  it('names OCI entries from containerd or full-reference annotations only', () => {
    const d = { mediaType: MediaType.ociManifest, digest: 'sha256:x', size: 1 };
    expect(
      ociEntryName({ ...d, annotations: { 'io.containerd.image.name': 'docker.io/library/a:1' } }),
    ).to.equal('docker.io/library/a:1');
    expect(ociEntryName({ ...d, annotations: { 'org.opencontainers.image.ref.name': 'b/c:2' } })).to.equal(
      'docker.io/b/c:2',
    );
    expect(ociEntryName({ ...d, annotations: { 'org.opencontainers.image.ref.name': 'latest' } })).to.equal(
      undefined,
    );
    expect(ociEntryName(d)).to.equal(undefined);
  });

  async function load(path: string) {
    const spooled = await spoolArchive(createReadStream(path), join(dir, 'tmp'));
    try {
      return { images: await archiveImages(spooled), files: [...spooled.files.keys()] };
    } finally {
      await spooled.cleanup();
    }
  }

  it('reads a docker-archive and synthesises its manifest', async () => {
    const path = join(dir, 'd.tar');
    const built = await buildBusyboxArchive(path, { name: 'x/y:1' });
    const { images } = await load(path);
    expect(images).to.have.length(1);
    const img = images[0]!;
    expect(img.names).to.deep.equal(['docker.io/x/y:1']);
    expect(img.configDescriptor.digest).to.equal(built.id);
    expect(img.manifest.layers).to.deep.equal([
      { mediaType: MediaType.dockerLayer, digest: built.layerDigest, size: img.manifest.layers[0]!.size },
    ]);
    expect(img.target.mediaType).to.equal(MediaType.dockerManifest);
    const mblob = img.blobs[0]!;
    expect('data' in mblob && sha256(mblob.data)).to.equal(img.target.digest);
    expect(img.config.rootfs.diff_ids).to.deep.equal([built.diffId]);
  });

  it('reads a gzip-compressed archive with a gzip layer', async () => {
    const raw = join(dir, 'g.tar');
    const built = await buildBusyboxArchive(raw, { gzipLayer: true, untagged: true });
    const gz = join(dir, 'g.tar.gz');
    writeFileSync(gz, gzipSync(readFileSync(raw)));
    const { images } = await load(gz);
    expect(images[0]!.names).to.deep.equal([]);
    expect(images[0]!.manifest.layers[0]!.mediaType).to.equal(MediaType.dockerLayerGzip);
    expect(images[0]!.manifest.layers[0]!.digest).to.equal(built.layerDigest);
  });

  it('reads an OCI image layout', async () => {
    const path = join(dir, 'o.tar');
    const built = await buildBusyboxArchive(path, {
      format: 'oci',
      name: 'localhost:5000/z',
      gzipLayer: true,
    });
    const { images } = await load(path);
    expect(images).to.have.length(1);
    expect(images[0]!.names).to.deep.equal(['localhost:5000/z:latest']);
    expect(images[0]!.target).to.deep.equal({
      mediaType: MediaType.ociManifest,
      digest: built.manifestDigest,
      size: images[0]!.target.size,
    });
    expect(images[0]!.blobs.map((b) => b.descriptor.digest)).to.deep.equal([
      built.manifestDigest,
      built.id,
      built.layerDigest,
    ]);
  });

  it('resolves symlinked duplicate layers and rejects unknown layouts', async () => {
    const layer = await packTar([{ name: 'a', data: 'x' }]);
    const diff = sha256(layer);
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: [diff, diff] },
      }),
    );
    const path = join(dir, 's.tar');
    writeFileSync(
      path,
      await packTar([
        { name: 'one/layer.tar', data: layer },
        { name: 'two/layer.tar', type: 'symlink', linkname: '../one/layer.tar' },
        { name: 'c.json', data: config },
        {
          name: 'manifest.json',
          data: JSON.stringify([
            { Config: 'c.json', RepoTags: null, Layers: ['one/layer.tar', 'two/layer.tar'] },
          ]),
        },
      ]),
    );
    const { images } = await load(path);
    expect(images[0]!.manifest.layers.map((l) => l.digest)).to.deep.equal([diff, diff]);

    const bad = join(dir, 'bad.tar');
    writeFileSync(bad, await packTar([{ name: 'etc/passwd', data: 'x' }]));
    let err: Error | undefined;
    await load(bad).catch((e: Error) => (err = e));
    expect(err?.message).to.match(/unrecognized image format/);
  });
});

describe('image archives: import config and save layout', () => {
  it('applies --change instructions like docker import', async () => {
    const { applyChanges, importConfig } = await import('../../src/runtime/images/import.js');
    const c = applyChanges({}, [
      'CMD ["sh", "-c", "echo hi"]',
      'ENTRYPOINT /bin/run',
      'ENV A=1 B="two words"',
      'ENV A 3',
      'EXPOSE 80 53/UDP',
      'LABEL k=v',
      'USER app',
      'WORKDIR /srv',
      'VOLUME /data',
      'STOPSIGNAL SIGINT',
    ]);
    expect(c).to.deep.equal({
      Cmd: ['sh', '-c', 'echo hi'],
      Entrypoint: ['/bin/sh', '-c', '/bin/run'],
      Env: ['A=3', 'B=two words'],
      ExposedPorts: { '80/tcp': {}, '53/udp': {} },
      Labels: { k: 'v' },
      User: 'app',
      WorkingDir: '/srv',
      Volumes: { '/data': {} },
      StopSignal: 'SIGINT',
    });
    expect(() => applyChanges({}, ['RUN x'])).to.throw('RUN is not a valid change command');
    const cfg = importConfig(`sha256:${'d'.repeat(64)}`, { changes: [] }, new Date('2024-05-06T07:08:09Z'));
    expect(cfg.rootfs).to.deep.equal({ type: 'layers', diff_ids: [`sha256:${'d'.repeat(64)}`] });
    expect(cfg.history).to.deep.equal([{ created: '2024-05-06T07:08:09.000Z', comment: 'Imported from -' }]);
    expect(cfg.comment).to.equal('Imported from -');
    expect(cfg.os).to.equal('linux');
  });

  it("writes docker save's manifest.json, repositories and OCI index", async () => {
    const { legacyManifest, ociIndex, repositoriesFile } = await import('../../src/runtime/images/save.js');
    const cfg = `sha256:${'c'.repeat(64)}`;
    const layer = `sha256:${'1'.repeat(64)}`;
    const image = {
      configDigest: cfg,
      manifest: { layers: [{ mediaType: MediaType.dockerLayer, digest: layer, size: 3 }] },
    } as unknown as Parameters<typeof legacyManifest>[0][0]['image'];
    const entries = [{ image, names: ['docker.io/library/busybox:latest'] }];
    expect(legacyManifest(entries)).to.deep.equal([
      {
        Config: `blobs/sha256/${'c'.repeat(64)}`,
        RepoTags: ['busybox:latest'],
        Layers: [`blobs/sha256/${'1'.repeat(64)}`],
      },
    ]);
    expect(legacyManifest([{ image, names: [] }])).to.deep.equal([
      {
        Config: `blobs/sha256/${'c'.repeat(64)}`,
        RepoTags: null,
        Layers: [`blobs/sha256/${'1'.repeat(64)}`],
      },
    ]);
    expect(repositoriesFile(entries)).to.deep.equal({ busybox: { latest: '1'.repeat(64) } });
    const m = {
      mediaType: MediaType.dockerManifest,
      digest: `sha256:${'e'.repeat(64)}`,
      size: 9,
    };
    expect(ociIndex([{ manifest: m, names: ['docker.io/library/busybox:latest'] }])).to.deep.equal({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [
        {
          ...m,
          annotations: {
            'io.containerd.image.name': 'docker.io/library/busybox:latest',
            'org.opencontainers.image.ref.name': 'latest',
          },
        },
      ],
    });
  });
});
