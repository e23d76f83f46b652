/**
 * The bundle's stand-in for proper-lockfile's signal-exit (scripts/stubs/lockfile-signal-exit.cjs):
 * locks are released when the process exits or is ended by a signal nobody else handles.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const stub = join(import.meta.dirname, '..', '..', 'scripts', 'stubs', 'lockfile-signal-exit.cjs');

function child(body: string): { stdout: string; status: number | null; signal: NodeJS.Signals | null } {
  const script = `const onExit = require(${JSON.stringify(stub)});
onExit(() => process.stdout.write('released\\n'));
${body}`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });
  return { stdout: r.stdout, status: r.status, signal: r.signal };
}

describe('bundle: proper-lockfile exit hook', () => {
  it('runs the hook on a normal exit and on process.exit()', () => {
    expect(child('')).to.include({ stdout: 'released\n', status: 0 });
    expect(child('process.exit(3)')).to.include({ stdout: 'released\n', status: 3 });
  });

  it('runs the hook on SIGTERM, SIGINT and SIGHUP, then dies of the signal', () => {
    for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
      const r = child(`process.kill(process.pid, '${sig}'); setTimeout(() => {}, 5000);`);
      expect(r, sig).to.include({ stdout: 'released\n', signal: sig });
    }
  });

  it('leaves a signal to another listener, and the hook to the exit', () => {
    const r = child(
      `process.on('SIGTERM', () => { process.stdout.write('handled\\n'); process.exit(0); });
process.kill(process.pid, 'SIGTERM'); setTimeout(() => {}, 5000);`,
    );
    expect(r).to.include({ stdout: 'handled\nreleased\n', status: 0 });
  });

  it('does not run a removed hook', () => {
    const r = spawnSync(
      process.execPath,
      [
        '-e',
        `const off = require(${JSON.stringify(stub)})(() => process.stdout.write('released\\n')); off();`,
      ],
      { encoding: 'utf8' },
    );
    expect(r.stdout).to.equal('');
  });
});
