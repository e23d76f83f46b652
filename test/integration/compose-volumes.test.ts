/**
 * Compose volumes by their effects: a named volume (labelled for the project) shared by two
 * services, a relative bind read-only, an anonymous volume kept across a recreation, a tmpfs with
 * its size, volumes_from, group_add and read_only inside the containers; an external volume that
 * is missing stops `up` before anything exists; `down -v` removes the project's volumes (named and
 * anonymous) and leaves the bind's directory and an external volume alone.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { cli, ok, target } from '../harness/cli.js';
import { img, Project } from '../harness/compose.js';

interface Mount {
  Type: string;
  Name?: string;
  Source: string;
  Destination: string;
  RW: boolean;
}
const mounts = (ref: string): Mount[] =>
  JSON.parse(ok(['inspect', '-f', '{{json .Mounts}}', ref])) as Mount[];
const volumes = (): string[] => ok(['volume', 'ls', '-q']).split('\n').filter(Boolean);

describe('compose: volumes', function () {
  this.timeout(120_000);
  if (target !== 'tsdock') return;

  describe('a project with every kind of volume', function () {
    const p = new Project();
    const external = `${p.name}-ext`;
    let anonymous = '';
    before(function () {
      ok(['volume', 'create', external]);
      mkdirSync(join(p.dir, 'src'));
      writeFileSync(join(p.dir, 'src', 'hello'), 'from the host\n');
      p.write({
        'compose.yaml': `
services:
  writer:
    image: ${img()}
    init: true
    command: sh -c "echo shared > /data/f; exec sleep 300"
    read_only: true
    group_add: ["1234"]
    volumes:
      - data:/data
      - ./src:/src:ro
      - /anon
      - ext:/ext
      - type: tmpfs
        target: /scratch
        tmpfs: {size: 1048576}
  reader:
    image: ${img()}
    init: true
    command: sleep 300
    volumes:
      - {type: volume, source: data, target: /mnt/data, read_only: true}
    volumes_from: ["writer:ro"]
volumes:
  data:
    labels: {tier: test}
  ext:
    external: true
    name: ${external}
`,
      });
    });
    after(function () {
      p.cleanup();
      cli(['volume', 'rm', '-f', external]);
    });

    it('up creates the named volume with the project’s labels and mounts each kind', function () {
      const r = p.run(['up', '-d']);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.include(` Volume "${p.name}_data" Created`);
      const labels = (
        JSON.parse(ok(['volume', 'inspect', `${p.name}_data`])) as { Labels: Record<string, string> }[]
      )[0]!.Labels;
      expect(labels).to.include({
        'com.docker.compose.project': p.name,
        'com.docker.compose.volume': 'data',
        tier: 'test',
      });
      const m = mounts(`${p.name}-writer-1`);
      const at = (d: string) => m.find((x) => x.Destination === d);
      expect(at('/data')).to.include({ Type: 'volume', Name: `${p.name}_data`, RW: true });
      expect(at('/src')).to.include({ Type: 'bind', Source: join(p.dir, 'src'), RW: false });
      expect(at('/ext')).to.include({ Type: 'volume', Name: external });
      expect(at('/anon')?.Type).to.equal('volume');
      anonymous = at('/anon')!.Name!;
      expect(anonymous).to.match(/^[0-9a-f]{64}$/);
    });

    it('the named volume is shared: what one service writes the other reads', function () {
      const read = p.ok([
        'exec',
        '-T',
        'reader',
        'sh',
        '-c',
        'for i in 1 2 3 4 5 6 7 8 9 10; do [ -f /mnt/data/f ] && break; sleep 0.3; done; cat /mnt/data/f',
      ]);
      expect(read).to.equal('shared\n');
      const denied = p.run(['exec', '-T', 'reader', 'touch', '/mnt/data/g']);
      expect(denied.code).to.not.equal(0);
      expect(denied.stderr).to.include('Read-only file system');
    });

    it('the relative bind is the project directory’s, read-only', function () {
      expect(p.ok(['exec', '-T', 'writer', 'cat', '/src/hello'])).to.equal('from the host\n');
      expect(p.run(['exec', '-T', 'writer', 'touch', '/src/new']).stderr).to.include('Read-only file system');
      expect(existsSync(join(p.dir, 'src', 'new'))).to.equal(false);
    });

    it('tmpfs with its size, read_only root, group_add', function () {
      const mountsLine = p
        .ok(['exec', '-T', 'writer', 'cat', '/proc/mounts'])
        .split('\n')
        .find((l) => l.split(' ')[1] === '/scratch');
      expect(mountsLine).to.match(/^tmpfs \/scratch tmpfs .*size=1024k/);
      expect(p.run(['exec', '-T', 'writer', 'touch', '/rootfile']).stderr).to.include(
        'Read-only file system',
      );
      expect(p.ok(['exec', '-T', 'writer', 'touch', '/anon/ok', '/scratch/ok']).trim()).to.equal('');
      expect(p.ok(['exec', '-T', 'writer', 'id', '-G']).trim().split(' ')).to.include('1234');
    });

    it('volumes_from: the other service’s volumes, read-only as asked', function () {
      const m = mounts(`${p.name}-reader-1`);
      expect(m.find((x) => x.Destination === '/anon')).to.include({ Name: anonymous, RW: false });
      expect(p.ok(['exec', '-T', 'reader', 'ls', '/anon'])).to.include('ok');
    });

    it('a recreated container keeps its anonymous volume’s data', function () {
      p.ok(['exec', '-T', 'writer', 'sh', '-c', 'echo kept > /anon/keep']);
      const before = p.containers().get(`${p.name}-writer-1`);
      writeFileSync(
        join(p.dir, 'compose.yaml'),
        readFileSync(join(p.dir, 'compose.yaml'), 'utf8').replace(
          'group_add: ["1234"]',
          'group_add: ["1234"]\n    environment: [CHANGED=1]',
        ),
      );
      const r = p.run(['up', '-d']);
      expect(r.code, r.stderr).to.equal(0);
      expect(p.containers().get(`${p.name}-writer-1`)).to.not.equal(before);
      expect(mounts(`${p.name}-writer-1`).find((x) => x.Destination === '/anon')?.Name).to.equal(anonymous);
      expect(p.ok(['exec', '-T', 'writer', 'cat', '/anon/keep'])).to.equal('kept\n');
    });

    it('down -v removes the named and anonymous volumes; the bind and the external volume stay', function () {
      const r = p.run(['down', '-v', '-t', '0']);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.include(` Volume ${p.name}_data Removed`);
      const left = volumes();
      expect(left).to.not.include(`${p.name}_data`);
      expect(left).to.not.include(anonymous);
      expect(left).to.include(external);
      expect(readFileSync(join(p.dir, 'src', 'hello'), 'utf8')).to.equal('from the host\n');
    });
  });

  it('a missing external volume stops up before anything is created; down without -v keeps volumes', function () {
    const p = new Project();
    try {
      p.write({
        'compose.yaml': `services:\n  a:\n    image: ${img()}\n    command: sleep 300\n    volumes: [gone:/g]\nvolumes:\n  gone:\n    external: true\n    name: ${p.name}-missing\n`,
      });
      const r = p.run(['up', '-d']);
      expect(r.code).to.equal(1);
      expect(r.stderr.trim().split('\n').pop()).to.equal(`external volume "${p.name}-missing" not found`);
      expect(p.containers().size).to.equal(0);
      p.write({
        'compose.yaml': `services:\n  a:\n    image: ${img()}\n    command: "true"\n    volumes: [keep:/k]\nvolumes:\n  keep: {}\n`,
      });
      p.ok(['up', '-d']);
      p.ok(['down']);
      expect(volumes()).to.include(`${p.name}_keep`);
      expect(p.containers().size).to.equal(0);
    } finally {
      p.run(['down', '-v']);
      cli(['volume', 'rm', '-f', `${p.name}_keep`]);
      p.cleanup();
    }
  });
});
