/**
 * `image prune` (dangling / -a, the question, --filter until|label, the space reclaimed as
 * measured) and `events` for images (pull, push, tag, untag, delete, import, load, save, prune) and
 * networks (create, connect, disconnect, destroy, prune) with dockerd's types, actions and
 * attributes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { cli, cliRaw, ok, target, testEnv, uniqueName } from '../harness/cli.js';
import { buildBusyboxArchive, packTar } from '../harness/image.js';
import { startRegistry, type Registry } from '../harness/registry.js';

/** bytes of a Docker size ("2.1MB", "0B"). */
function bytesOf(human: string): number {
  const m = /^([\d.]+)(B|kB|MB|GB)$/.exec(human.trim());
  if (!m) throw new Error(`not a size: ${human}`);
  return Number(m[1]) * { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[m[2] as 'B' | 'kB' | 'MB' | 'GB'];
}

const imageExists = (ref: string) => cli(['image', 'inspect', ref]).code === 0;

/** Each expected line (a prefix of one: prune events have no name) appears, in this order. */
function inOrder(lines: string[], expected: string[]): void {
  let at = 0;
  for (const want of expected) {
    const found = lines.findIndex((l, i) => i >= at && (l === want || l.startsWith(want)));
    expect(found, `${want} in order in:\n${lines.join('\n')}`).to.be.greaterThan(-1);
    at = found + 1;
  }
}

describe('image prune', function () {
  this.timeout(120_000);
  let work = '';
  const made: string[] = [];

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'tsdock-prune-'));
  });
  after(() => {
    if (made.length) cli(['rmi', '-f', ...made]);
    rmSync(work, { recursive: true, force: true });
  });

  /** Loads a one-layer image of its own (a distinct file makes distinct digests); its id. */
  async function load(opts: { name?: string; labels?: Record<string, string> }): Promise<string> {
    const archive = join(work, `${uniqueName('img')}.tar`);
    const built = await buildBusyboxArchive(archive, {
      ...(opts.name ? { name: opts.name } : { untagged: true }),
      extraFiles: { '/unique': uniqueName('content') },
      config: { Labels: opts.labels ?? {} },
    });
    ok(['load', '-i', archive]);
    made.push(built.id);
    return built.id;
  }

  it('removes the dangling images only, after the question (declined: nothing goes), and says what it reclaimed', async () => {
    const dangling = await load({});
    const tagged = `${uniqueName('tsdock-it/keep')}:v1`;
    const keep = await load({ name: tagged });
    const declined = cli(['image', 'prune'], { input: 'n\n' });
    expect(declined.code).to.equal(0);
    expect(declined.stdout).to.equal(
      'WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] ',
    );
    expect(imageExists(dangling)).to.equal(true);

    const r = cli(['image', 'prune'], { input: 'y\n' });
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(
      /Deleted Images:\n(deleted: sha256:[0-9a-f]{64}\n)+\nTotal reclaimed space: \S+\n$/,
    );
    expect(r.stdout).to.include(`deleted: ${dangling}\n`);
    expect(r.stdout).to.not.include(keep);
    // The busybox layer is shared with the suite's image: the image's own blobs (config, manifest,
    // its layer with the unique file) are what went.
    expect(bytesOf(/Total reclaimed space: (\S+)/.exec(r.stdout)![1]!)).to.be.greaterThan(1000);
    expect(imageExists(dangling)).to.equal(false);
    expect(imageExists(tagged)).to.equal(true);
    // Nothing left to prune: Docker's report of nothing.
    expect(ok(['image', 'prune', '-f'])).to.equal('Total reclaimed space: 0B\n');
  });

  it('-a takes every image no container uses; label and until filters choose among them', async () => {
    const e = testEnv();
    // Every image here carries this label, and every -a prune below filters on it: the suite's own
    // image (unused between tests) must stay.
    const mine = `suite=${uniqueName('prune')}`;
    const label = (extra: Record<string, string> = {}) => ({
      [mine.split('=')[0]!]: mine.split('=')[1]!,
      ...extra,
    });
    const used = `${uniqueName('tsdock-it/used')}:v1`;
    await load({ name: used, labels: label() });
    const scratch = `${uniqueName('tsdock-it/lab')}:v1`;
    const scratchId = await load({ name: scratch, labels: label({ purpose: 'scratch' }) });
    const other = `${uniqueName('tsdock-it/other')}:v1`;
    await load({ name: other, labels: label({ purpose: 'keep' }) });
    const ctr = ok(['create', '--network', 'none', used, 'true']).trim();
    try {
      // The images were made in 2024 (the harness's fixed time): nothing is older than 2000.
      expect(
        ok([
          'image',
          'prune',
          '-a',
          '-f',
          '--filter',
          `label=${mine}`,
          '--filter',
          'until=2000-01-01T00:00:00Z',
        ]),
      ).to.equal('Total reclaimed space: 0B\n');
      const r = ok([
        'image',
        'prune',
        '-a',
        '-f',
        '--filter',
        `label=${mine}`,
        '--filter',
        'label!=purpose=keep',
      ]);
      expect(r).to.include(`untagged: ${scratch}\ndeleted: ${scratchId}\n`);
      expect(imageExists(scratch)).to.equal(false);
      expect(imageExists(other)).to.equal(true);
      const all = ok(['image', 'prune', '-a', '-f', '--filter', `label=${mine}`]);
      expect(all).to.include(`untagged: ${other}\n`);
      // In use by a (stopped) container: kept; and the suite's image was never in scope.
      expect(imageExists(used)).to.equal(true);
      expect(all).to.not.include(used);
      expect(imageExists(e.image)).to.equal(true);
    } finally {
      cli(['rm', '-f', ctr]);
      cli(['rmi', used]);
    }
  });

  it('bad filters and arguments are refused before anything goes', () => {
    const bad = cli(['image', 'prune', '-f', '--filter', 'bogus=1']);
    expect(bad.code).to.not.equal(0);
    expect(bad.stderr.trim().split('\n')).to.have.length(1);
    expect(cli(['image', 'prune', 'x']).code).to.equal(1);
  });
});

describe('events for images and networks', function () {
  this.timeout(120_000);
  let work = '';
  let reg: Registry | undefined;

  before(async function () {
    if (target === 'docker') this.skip(); // dockerd's image IDs and attributes differ by store
    work = mkdtempSync(join(tmpdir(), 'tsdock-evobj-'));
    reg = await startRegistry();
  });
  after(async () => {
    await reg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const since = () => (Date.now() / 1000).toFixed(3);
  function eventsSince(t0: string, ...filters: string[]): string[] {
    return ok([
      'events',
      '--since',
      t0,
      '--until',
      since(),
      ...filters.flatMap((f) => ['--filter', f]),
      '--format',
      '{{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}}',
    ])
      .trim()
      .split('\n')
      .filter(Boolean);
  }

  it('image: load, tag, save, push, untag, pull, import, delete, prune', async () => {
    const t0 = since();
    const archive = join(work, 'img.tar');
    const name = `${uniqueName('tsdock-it/evimg')}:v1`;
    const built = await buildBusyboxArchive(archive, {
      name,
      extraFiles: { '/evimg': uniqueName('x') },
      config: { Labels: { tier: 'events' } },
    });
    ok(['load', '-i', archive]);
    const remote = `${reg!.host}/tsdock-it/evimg:v2`;
    ok(['tag', name, remote]);
    ok(['save', '-o', join(work, 'saved.tar'), name]);
    ok(['push', remote]);
    ok(['rmi', remote]);
    ok(['pull', remote]);
    const rootfs = await packTar([{ name: 'hello', data: 'hi\n' }]);
    const imported = cliRaw(['import', '-', 'tsdock-it/evimported:v1'], rootfs);
    expect(imported.code, imported.stderr).to.equal(0);
    const importedId = imported.stdout.toString().trim();
    ok(['rmi', remote, name, 'tsdock-it/evimported:v1']);
    ok(['image', 'prune', '-f']);
    const id = built.id;
    const lines = eventsSince(t0, 'type=image');
    const expected = [
      `image load ${id} ${id}`,
      `image tag ${id} ${remote}`,
      `image save ${id} ${id}`,
      `image push ${remote} ${remote.replace(/:v2$/, '')}`,
      `image untag ${id} ${remote}`,
      `image pull ${remote} ${remote.replace(/:v2$/, '')}`,
      `image import ${importedId} ${importedId}`,
      `image untag ${id} ${name}`,
      `image delete ${id} ${id}`,
      'image prune ',
    ];
    inOrder(lines, expected);
    // The image's labels are attributes of its events; --filter image= matches by name.
    const tagEvent = ok([
      'events',
      '--since',
      t0,
      '--until',
      since(),
      '--filter',
      'event=tag',
      '--filter',
      `image=${remote}`,
      '--format',
      '{{json .Actor.Attributes}}',
    ]).trim();
    expect(JSON.parse(tagEvent)).to.deep.equal({ name: remote, tier: 'events' });
  });

  it('network: create, connect and disconnect (a container on it), destroy, prune', async () => {
    const t0 = since();
    const net = uniqueName('tsdock-it-evnet');
    const netId = ok(['network', 'create', net]).trim();
    const ctr = ok(['run', '-d', '--network', net, testEnv().image, 'sleep', '60']).trim();
    ok(['rm', '-f', ctr]);
    ok(['network', 'rm', net]);
    ok(['network', 'prune', '-f']);
    const lines = eventsSince(t0, 'type=network');
    const expected = [
      `network create ${netId} ${net}`,
      `network connect ${netId} ${net}`,
      `network disconnect ${netId} ${net}`,
      `network destroy ${netId} ${net}`,
      'network prune ',
    ];
    inOrder(lines, expected);
    const connect = JSON.parse(
      ok([
        'events',
        '--since',
        t0,
        '--until',
        since(),
        '--filter',
        `network=${net}`,
        '--filter',
        'event=connect',
        '--format',
        '{{json .Actor.Attributes}}',
      ]).trim(),
    ) as Record<string, string>;
    expect(connect).to.deep.equal({ container: ctr, name: net, type: 'bridge' });
  });
});
