/**
 * The bad-input corpus (bad-input.cases.ts) on the real stack: every invalid invocation prints its
 * one line first on stderr (followed at most by docker/cli's usage line and "See/Run '… --help'" hint,
 * or by the second line Docker itself prints for that error), exits with its
 * code, shows no stack trace, and leaves the world as it found it — no container, name, address
 * lease, port, network or volume record, snapshot, containerd lease, image, namespace or rule of
 * this run's bridge.
 */
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { expect } from 'chai';
import { cli, ok, target, testEnv, uniqueName } from '../harness/cli.js';
import { RUN_BRIDGE } from './_setup.test.js';
import { CASES, type BadInput } from './bad-input.cases.js';

/** Lines Docker prints after a usage error's message; anything else is a second line of message. */
const HINT = /^(See|Run) '(tsdock|docker)( [a-z-]+)* --help'( for more information)?\.?$/;
/** docker/cli's usage line after an argument or flag error. */
const USAGE = /^Usage: {2}(tsdock|docker) [a-z -]+ /;

/**
 * The objects under the data root: files (records, leases, reservations, volumes' metadata) and
 * volumes' data directories. An empty directory made on the way is no object.
 */
function listTree(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory() || e.name === '_data')
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .filter((p) => !VOLATILE.some((v) => v.test(p)));
}

/** What a command may touch without creating anything: locks, the events journal, caches. */
const VOLATILE = [/(^|\/)\.?lock/, /\.lock$/, /(^|\/)events/, /cache/i, /\.tmp/];

function ctr(...args: string[]): string[] {
  const env = testEnv();
  return execFileSync('ctr', ['--address', env.address, '-n', env.namespace, ...args], { encoding: 'utf8' })
    .split('\n')
    .slice(1)
    .map((l) => l.split(/\s+/)[0]!)
    .filter(Boolean)
    .sort();
}

function world(): Record<string, string[]> {
  const netns = existsSync('/run/netns')
    ? readdirSync('/run/netns').filter((n) => n.startsWith(`${RUN_BRIDGE}-`))
    : [];
  const rules = execFileSync('iptables-save', [], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(RUN_BRIDGE));
  return {
    state: listTree(testEnv().dataRoot).sort(),
    containers: ctr('containers', 'ls'),
    snapshots: ctr('snapshots', 'ls'),
    leases: ctr('leases', 'ls'),
    images: ctr('images', 'ls'),
    netns,
    rules,
  };
}

describe('bad-input corpus', function () {
  this.timeout(600_000);
  let dir = '';
  const names = {
    RUNNING: uniqueName('tsdock-bad-run'),
    STOPPED: uniqueName('tsdock-bad-stopped'),
    NET: uniqueName('tsdock-bad-net'),
    VOL: uniqueName('tsdock-bad-vol'),
    NEW: uniqueName('tsdock-bad-new'),
  };
  let netSubnet = '';
  let last: Record<string, string[]> = {};
  before(function () {
    if (target !== 'tsdock') this.skip();
    dir = mkdtempSync(join(tmpdir(), 'tsdock-bad-'));
    const w = (p: string, text: string) => {
      mkdirSync(join(dir, p, '..'), { recursive: true });
      writeFileSync(join(dir, p), text);
    };
    const img = testEnv().image;
    w('bad.json', '{ "defaultAction": ');
    w('bad.env', 'GOOD=1\n=novalue\n');
    w('existing.cid', 'abc\n');
    w('a', 'a\n');
    w('b', 'b\n');
    w('ctx/Unknown.Dockerfile', `FROM ${img}\nBOGUS x\n`);
    w('ctx/Empty.Dockerfile', '');
    w('ctx/NoFrom.Dockerfile', 'RUN true\n');
    w('ctx/CopyMissing.Dockerfile', `FROM ${img}\nCOPY no-such-file /x\n`);
    w('ctx/Ok.Dockerfile', `FROM ${img}\nRUN true\n`);
    w('badignore/Dockerfile', `FROM ${img}\n`);
    w('badignore/.dockerignore', '[\n');
    w('bad-config.json', '{ "bridge": ');
    w('wrong-type-config.json', '{ "bridge": 5 }');
    w('bad-bip-config.json', '{ "bip": "abc" }');
    ok(['run', '-d', '--network', 'none', '--name', names.RUNNING, img, 'sleep', '600']);
    ok(['create', '--network', 'none', '--name', names.STOPPED, img, 'true']);
    ok(['network', 'create', names.NET]);
    netSubnet = ok(['network', 'inspect', '--format', '{{(index .IPAM.Config 0).Subnet}}', names.NET]).trim();
    ok(['volume', 'create', names.VOL]);
    last = world();
  });
  after(() => {
    if (target !== 'tsdock') return;
    cli(['rm', '-f', names.RUNNING, names.STOPPED]);
    cli(['network', 'rm', names.NET]);
    cli(['volume', 'rm', names.VOL]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const fill = (s: string): string =>
    s
      .replace(/\bIMG\b/g, testEnv().image)
      .replace(/\bRUNNING\b/g, names.RUNNING)
      .replace(/\bSTOPPED\b/g, names.STOPPED)
      .replace(/\bNETSUBNET\b/g, netSubnet)
      .replace(/\bNET\b/g, names.NET)
      .replace(/\bVOL\b/g, names.VOL)
      .replace(/\bNEW\b/g, names.NEW)
      .replace(/\bDIR\b/g, dir);

  const record = process.env.TSDOCK_CORPUS_RECORD;
  CASES.forEach((k: BadInput, i) => {
    it(`${i + 1}: ${k.args.join(' ').replace(/\n/g, '\\n')}`, () => {
      const args = k.args.map(fill);
      const env = k.env ? Object.fromEntries(Object.entries(k.env).map(([a, b]) => [a, fill(b)])) : undefined;
      // Each case starts from the world the previous one left (one snapshot per case).
      const before = last;
      const res = cli(args, {
        ...(k.input !== undefined ? { input: k.input } : {}),
        ...(env ? { env } : {}),
      });
      const after = world();
      last = after;
      if (record) {
        appendFileSync(
          record,
          `${JSON.stringify({ i, code: res.code, stderr: res.stderr, stdout: res.stdout.slice(0, 200), leaked: JSON.stringify(before) !== JSON.stringify(after) ? diffWorld(before, after) : undefined })}\n`,
        );
        return;
      }
      const lines = res.stderr.replace(/\n$/, '').split('\n');
      const shown = `stderr:\n${res.stderr}`;
      expect(res.stderr, 'no stack trace').to.not.match(/\n\s+at |^\s+at /m);
      expect(res.code, shown).to.equal(k.code);
      const want = typeof k.err === 'string' ? fill(k.err) : new RegExp(fill(k.err.source));
      const line = k.progress ? lines[lines.length - 1]! : lines[0]!;
      if (typeof want === 'string') expect(line, shown).to.equal(want);
      else expect(line, shown).to.match(want);
      if (!k.progress) {
        const rest = lines.slice(1).filter((l) => l !== '' && !HINT.test(l) && !USAGE.test(l));
        expect(rest, `lines after the first: ${shown}`).to.deep.equal((k.more ?? []).map(fill));
      }
      expect(diffWorld(before, after), 'nothing half-created').to.deep.equal({});
    });
  });
});

function diffWorld(a: Record<string, string[]>, b: Record<string, string[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const k of Object.keys(a)) {
    const added = b[k]!.filter((x) => !a[k]!.includes(x)).map((x) => `+${x}`);
    const removed = a[k]!.filter((x) => !b[k]!.includes(x)).map((x) => `-${x}`);
    if (added.length || removed.length) out[k] = [...added, ...removed];
  }
  return out;
}
