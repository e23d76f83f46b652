/**
 * `system restore`, what the boot unit runs (no systemd here, so it is run directly): after a
 * simulated reboot — each container's monitor and task gone without an exit being recorded, its
 * network namespace and veth left over — it records the lost runs and starts the containers dockerd
 * starts when it comes up: `always` (even after a user's stop), `unless-stopped` (unless stopped by
 * the user), never `no`; in every namespace with --all-namespaces.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ContainerdClient } from '../../src/runtime/containerd/client.js';
import { cli, ok, target, testEnv, uniqueName } from '../harness/cli.js';
import { curl, freePort } from '../harness/net.js';

describe('system restore (boot)', function () {
  this.timeout(180_000);
  const OTHER_NS = `tsdock-test-restore-${process.pid}`;
  const made: { ns?: string; name: string }[] = [];

  let work = '';

  before(function () {
    if (target === 'docker') this.skip();
    // The other namespace gets the test image too (images are per namespace).
    work = mkdtempSync(join(tmpdir(), 'tsdock-restore-'));
    ok(['save', '-o', join(work, 'img.tar'), testEnv().image]);
    ok(['--namespace', OTHER_NS, 'load', '-i', join(work, 'img.tar')]);
  });

  after(() => {
    for (const m of made) cli([...(m.ns ? ['--namespace', m.ns] : []), 'rm', '-f', m.name]);
    cli(['--namespace', OTHER_NS, 'rmi', testEnv().image]);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const inNs = (ns: string | undefined, args: string[]) => (ns ? ['--namespace', ns, ...args] : args);

  function run(name: string, policy: string, opts: { ns?: string; publish?: number } = {}): string {
    made.push({ ...(opts.ns ? { ns: opts.ns } : {}), name });
    const net = opts.publish ? ['-p', `127.0.0.1:${opts.publish}:80`] : ['--network', 'none'];
    const image = testEnv().image;
    const cmd = opts.publish ? ['httpd', '-f', '-p', '80', '-h', '/etc'] : ['sleep', '600'];
    return ok(
      inNs(opts.ns, ['run', '-d', '--name', name, '--restart', policy, ...net, image, ...cmd]),
    ).trim();
  }

  const status = (name: string, ns?: string) =>
    ok(inNs(ns, ['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', name])).trim();

  /** A reboot as tsdock sees it: the monitor and the task are gone, nothing recorded the exit. */
  async function crash(id: string, ns: string = testEnv().namespace): Promise<void> {
    const e = testEnv();
    const state = JSON.parse(readFileSync(join(e.dataRoot, ns, 'containers', id, 'state.json'), 'utf8')) as {
      monitorPid?: number;
      pid: number;
    };
    process.kill(state.monitorPid!, 'SIGKILL');
    const c = new ContainerdClient(e.address, ns);
    try {
      await c.tasks.kill(id, 9, { all: true });
      await c.tasks.wait(id);
      await c.tasks.delete(id);
    } finally {
      c.close();
    }
  }

  it('starts always and unless-stopped containers, leaves the ones the user stopped (unless always) and no', async () => {
    const n = (what: string) => uniqueName(`restore-${what}`);
    const always = n('always');
    const unless = n('unless');
    const unlessStopped = n('unless-stopped');
    const alwaysStopped = n('always-stopped');
    const never = n('no');
    const other = n('otherns');
    const port = await freePort();
    const ids = {
      always: run(always, 'always', { publish: port }),
      unless: run(unless, 'unless-stopped'),
      unlessStopped: run(unlessStopped, 'unless-stopped'),
      alwaysStopped: run(alwaysStopped, 'always'),
      never: run(never, 'no'),
      other: run(other, 'always', { ns: OTHER_NS }),
    };
    ok(['stop', '-t', '0', unlessStopped, alwaysStopped]);
    for (const id of [ids.always, ids.unless, ids.never]) await crash(id);
    await crash(ids.other, OTHER_NS);
    // What a reboot leaves: records that say running, no task.
    expect(status(always)).to.match(/^exited /); // inspect merges the missing task in

    const out = ok(['system', 'restore', '--all-namespaces']);
    const ns = testEnv().namespace;
    expect(out.trim().split('\n').sort()).to.deep.equal(
      [
        `Started ${always} (namespace ${ns})`,
        `Started ${unless} (namespace ${ns})`,
        `Started ${alwaysStopped} (namespace ${ns})`,
        `Started ${other} (namespace ${OTHER_NS})`,
      ].sort(),
    );
    expect(status(always)).to.equal('running 0');
    expect(status(unless)).to.equal('running 0');
    expect(status(alwaysStopped)).to.equal('running 0');
    expect(status(other, OTHER_NS)).to.equal('running 0');
    expect(status(unlessStopped)).to.match(/^exited /);
    expect(status(never)).to.equal('exited 255');
    // Its network came back with it: the published port answers.
    let page: string | null = null;
    for (let i = 0; i < 30 && page === null; i++) {
      page = curl(`http://127.0.0.1:${port}/passwd`, 2);
      if (page === null) await new Promise((r) => setTimeout(r, 100));
    }
    expect(page).to.include('root:x:0:0');
    // Once restored, nothing more to do.
    expect(ok(['system', 'restore', '--all-namespaces'])).to.equal('');
    // Without --all-namespaces: the current namespace only.
    await crash(ids.other, OTHER_NS);
    expect(ok(['system', 'restore'])).to.equal('');
    expect(ok(['--namespace', OTHER_NS, 'system', 'restore'])).to.equal(
      `Started ${other} (namespace ${OTHER_NS})\n`,
    );
  });
});
