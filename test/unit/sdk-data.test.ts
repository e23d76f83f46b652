/**
 * The SDK's results come from the verbs' data functions, not from what the CLI prints: a data call's
 * stdout refuses every write, so a call that printed (and parsed) would fail. Volumes live in plain
 * directories, so their calls run here without a containerd (the address only has to be accessible).
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Tsdock, TsdockError } from '../../src/sdk/index.js';
import { globalsOf, query } from '../../src/sdk/session.js';
import { RuntimeContext } from '../../src/runtime/context.js';
import { volumeInspect } from '../../src/runtime/verbs/volume/inspect.js';
import { volumeList } from '../../src/runtime/verbs/volume/ls.js';

describe('SDK data calls (no printed output involved)', () => {
  let root = '';
  let conn: { address: string; dataRoot: string; namespace: string };
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tsdock-sdkdata-'));
    const address = join(root, 'containerd.sock');
    writeFileSync(address, '');
    conn = { address, dataRoot: join(root, 'state'), namespace: 'sdkdata' };
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** What the CLI's verb prints, run as the command runs it. */
  async function printed(fn: (ctx: RuntimeContext) => Promise<void>): Promise<string> {
    let out = '';
    const stdout = new Writable({
      write(chunk: Buffer, _enc, done) {
        out += chunk.toString();
        done();
      },
    });
    const ctx = new RuntimeContext(globalsOf(conn), { stdin: process.stdin, stdout, stderr: stdout });
    try {
      await fn(ctx);
    } finally {
      ctx.close();
    }
    return out;
  }

  it('a data function that prints fails the call instead of being read', async () => {
    const err = await query(globalsOf(conn), async (ctx) => {
      ctx.print('abc\n');
      return 1;
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(TsdockError);
    expect((err as TsdockError).message).to.match(/printed to stdout/);
    expect(await query(globalsOf(conn), () => Promise.resolve(42))).to.equal(42);
  });

  it('volumes: create, list and inspect return the documents the CLI prints, without printing', async () => {
    const tsdock = new Tsdock(conn);
    expect(await tsdock.volumes.create('data', { labels: ['app=web', 'tier=1'] })).to.equal('data');
    const anon = await tsdock.volumes.create();
    expect(anon).to.match(/^[0-9a-f]{64}$/);

    const doc = await tsdock.volumes.inspect('data');
    expect(doc.Name).to.equal('data');
    expect(doc.Labels).to.deep.equal({ app: 'web', tier: '1' });
    expect(doc.Mountpoint).to.equal(join(conn.dataRoot, conn.namespace, 'volumes', 'data', '_data'));
    // The same object `volume inspect` renders: the data layer is the one both use.
    const cli = JSON.parse(await printed((ctx) => volumeInspect(ctx, ['data']))) as unknown[];
    expect(cli).to.deep.equal([doc]);

    const all = await tsdock.volumes.list();
    expect(all.map((v) => v.Name)).to.deep.equal([anon, 'data'].sort());
    const some = await tsdock.volumes.list({ filters: ['label=app=web'] });
    expect(some.map((v) => v.Name)).to.deep.equal(['data']);
    const names = (await printed((ctx) => volumeList(ctx, { quiet: true, filters: ['label=app=web'] })))
      .split('\n')
      .filter(Boolean);
    expect(names).to.deep.equal(['data']);
  });

  it("a missing volume is the CLI's error, thrown with its status", async () => {
    const tsdock = new Tsdock(conn);
    const err = await tsdock.volumes.inspect('nope').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(TsdockError);
    expect((err as TsdockError).message).to.equal('Error response from daemon: get nope: no such volume');
    expect((err as TsdockError).exitCode).to.equal(1);
  });
});
