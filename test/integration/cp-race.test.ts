/**
 * The cp race (CVE-2018-15664's class): a container swaps a directory and a symlink to a host
 * path (renameat2 RENAME_EXCHANGE, test/fixtures/race-swap.c) in a tight loop while `cp` runs in both directions and `export` reads it. Whatever the
 * timing, the host directory the link names is never read from nor written to. Rounds: a few in
 * `npm test`, 500 with TSDOCK_LONG=1 (`npm run test:long`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { cli, cliRaw, ok, repoRoot, target, testEnv, uniqueName } from '../harness/cli.js';

const ROUNDS = process.env.TSDOCK_LONG ? 500 : 25;
const HOST_SECRET = 'host secret, never to be copied\n';

describe('cp and export against a container racing a symlink swap', function () {
  this.timeout(ROUNDS * 4_000 + 60_000);
  let work = '';
  let ctr = '';
  before(function () {
    if (target !== 'tsdock') this.skip();
    // The host directory the container's symlink names (the same absolute path inside it does not exist).
    work = mkdtempSync(join(tmpdir(), 'tsdock-race-'));
    writeFileSync(join(work, 'secret'), HOST_SECRET);
    writeFileSync(join(work, 'payload'), 'from the host\n');
    ctr = uniqueName('tsdock-it-race');
    // The attacker: renameat2(RENAME_EXCHANGE) in a loop, so /w/d is at every instant either the
    // container's directory or a symlink to the host path (the same path inside does not exist).
    const swap = join(work, 'race-swap');
    execFileSync('cc', ['-static', '-O2', '-o', swap, join(repoRoot, 'test', 'fixtures', 'race-swap.c')]);
    const script = [
      'mkdir -p /w/d',
      'echo container > /w/d/secret',
      `ln -s ${work} /w/l`,
      'exec /race-swap /w/d /w/l',
    ];
    ok(['create', '--network', 'none', '--name', ctr, testEnv().image, 'sh', '-c', script.join('; ')]);
    ok(['cp', swap, `${ctr}:/race-swap`]);
    rmSync(swap);
    ok(['start', ctr]);
  });
  after(() => {
    if (ctr) cli(['rm', '-f', ctr]);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it(`${ROUNDS} rounds of cp out, cp in and export: the host is never touched`, () => {
    let readContainer = 0;
    let wroteContainer = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const out = cliRaw(['cp', `${ctr}:/w/d/secret`, '-']);
      if (out.code === 0) {
        const text = spawnSync('tar', ['-xO'], { input: out.stdout }).stdout.toString('utf8');
        expect(text, `round ${i}: cp read the host's file`).to.not.include('host secret');
        if (text === 'container\n') readContainer++;
      } else expect(out.stderr, `round ${i}`).to.not.match(/\n\s+at /);
      const into = cli(['cp', join(work, 'payload'), `${ctr}:/w/d/in-${i}`]);
      if (into.code === 0) wroteContainer++;
      else expect(into.stderr, `round ${i}`).to.not.match(/\n\s+at /);
      if (i % 5 === 0) {
        const exp = cliRaw(['export', ctr]);
        expect(exp.code, exp.stderr).to.equal(0);
        expect(
          exp.stdout.includes(Buffer.from(HOST_SECRET)),
          `round ${i}: export read the host's file`,
        ).to.equal(false);
      }
    }
    // Nothing was written next to the host's files, and they are as they were.
    expect(readdirSync(work).sort()).to.deep.equal(['payload', 'secret']);
    expect(readFileSync(join(work, 'secret'), 'utf8')).to.equal(HOST_SECRET);
    // The race was real and cp still worked on the container's own directory most of the time.
    expect(readContainer, 'cp out reached the container directory').to.be.above(0);
    expect(wroteContainer, 'cp in reached the container directory').to.be.above(0);
    const landed = ok(['exec', ctr, 'sh', '-c', 'ls /w/d /w/l 2>/dev/null | grep -c "^in-" || true']).trim();
    expect(Number(landed)).to.be.above(0);
  });
});
