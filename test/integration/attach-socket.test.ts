/**
 * Attach sockets on the real stack: a filesystem socket in the container's 0700 io directory,
 * out of reach of a container that shares the host's network namespace (an abstract socket would
 * be reachable from there), and a client that stops reading never holds the container back.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { expect } from 'chai';
import { cli, cliAsync, ok, target, testEnv, uniqueName } from '../harness/cli.js';
import { connectAttach } from '../../src/runtime/container/stdio.js';

const img = (): string => testEnv().image;
const NET = ['--network', 'none'];
const stateRoot = (): string => join(testEnv().dataRoot, testEnv().namespace);
const idOf = (name: string): string => ok(['inspect', '--format', '{{.Id}}', name]).trim();
const socketOf = (name: string): string => {
  const state = JSON.parse(
    readFileSync(join(stateRoot(), 'containers', idOf(name), 'state.json'), 'utf8'),
  ) as {
    attachSocket?: string;
  };
  return state.attachSocket ?? '';
};

describe('attach sockets', function () {
  this.timeout(120_000);
  before(function () {
    if (target !== 'tsdock') this.skip();
  });
  const made: string[] = [];
  const name = () => {
    const n = uniqueName('tsdock-it-att');
    made.push(n);
    return n;
  };
  after(() => {
    if (made.length) cli(['rm', '-f', ...made]);
  });

  it('is a socket in a root-only directory, which a --network host container cannot reach', async () => {
    const n = name();
    ok(['run', '-d', ...NET, '--name', n, img(), 'sh', '-c', 'while true; do echo secret; sleep 0.2; done']);
    const sock = socketOf(n);
    expect(sock.startsWith(`${stateRoot()}/`), sock).to.equal(true);
    expect(statSync(sock).isSocket()).to.equal(true);
    const dir = statSync(dirname(sock));
    expect([dir.uid, dir.mode & 0o777]).to.deep.equal([0, 0o700]);
    // In the host's network namespace an abstract socket would be listed (and connectable) as @name.
    const unix = ok(['run', '--rm', '--network', 'host', img(), 'cat', '/proc/net/unix']);
    // (Containers of an older tsdock elsewhere on this machine may still have abstract ones.)
    const ours = unix.split('\n').filter((l) => l.includes(basename(sock)));
    expect(ours.length, unix).to.be.above(0);
    for (const l of ours) expect(l.split(/\s+/).pop()!.startsWith('/'), l).to.equal(true);
    const seen = cli(['run', '--rm', '--network', 'host', img(), 'ls', sock]);
    expect(seen.code, 'the path does not exist in the container').to.not.equal(0);
    // The owner still attaches through it.
    const a = cliAsync(['attach', '--no-stdin', n]);
    const got = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 10_000);
      a.child.stdout?.on('data', (d: Buffer) => {
        if (d.toString().includes('secret')) {
          clearTimeout(t);
          resolve(true);
        }
      });
    });
    a.child.kill('SIGKILL');
    await a.done;
    expect(got, 'output through attach').to.equal(true);
  });

  it('a client that does not read cannot stall the container; the log has everything', async () => {
    const n = name();
    // 16 MiB without a newline: 16 KiB log entries, four times the monitor's ring.
    ok([
      'create',
      ...NET,
      '--name',
      n,
      img(),
      'sh',
      '-c',
      'until [ -e /tmp/go ]; do sleep 0.1; done; head -c 16777216 /dev/zero | tr "\\0" x; echo; echo finished',
    ]);
    ok(['start', n]);
    const sock = socketOf(n);
    const idle = await connectAttach(sock);
    idle.pause();
    ok(['exec', n, 'touch', '/tmp/go']);
    const t0 = Date.now();
    const code = ok(['wait', n]).trim();
    expect(code).to.equal('0');
    expect(Date.now() - t0).to.be.below(60_000);
    const logs = cli(['logs', '--tail', '1', n]);
    expect(logs.stdout).to.equal('finished\n');
    idle.destroy();
  });
});
