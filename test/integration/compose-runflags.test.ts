/**
 * The compose keys that map onto run's healthcheck, link, namespace, device and sysctl flags, each
 * checked by its effect inside the containers: a dependency waited for until its own healthcheck
 * reports healthy (and an unhealthy one failing `up` with compose's message), links resolving,
 * IPC and PID namespaces shared with another service's container, a device node usable, a device
 * cgroup rule allowing a node made inside, a namespaced sysctl set.
 */
import { existsSync } from 'node:fs';
import { expect } from 'chai';
import { target } from '../harness/cli.js';
import { img, inspect, Project } from '../harness/compose.js';

interface Health {
  State: { StartedAt: string; Health?: { Status: string; Log: { End: string; ExitCode: number }[] } };
  NetworkSettings: { Networks: Record<string, { IPAddress: string }> };
}

describe('compose: healthchecks, links, namespaces, devices, sysctls', function () {
  this.timeout(120_000);
  if (target !== 'tsdock') return;
  const haveFuse = existsSync('/dev/fuse');

  describe('a project using them', function () {
    const p = new Project();
    before(function () {
      p.write({
        'compose.yaml': `
services:
  db:
    image: ${img()}
    init: true
    # Healthy only once /tmp/ready exists, a second after the start.
    command: sh -c "sleep 1; touch /tmp/ready; exec sleep 300"
    ipc: shareable
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 300ms
      retries: 30
  app:
    image: ${img()}
    init: true
    command: sleep 300
    depends_on:
      db: {condition: service_healthy}
    links: ["db:database"]
    ipc: "service:db"
    pid: "service:db"
    sysctls:
      net.core.somaxconn: 1234
    ${
      haveFuse
        ? `devices: ["/dev/fuse:/dev/myfuse"]
    device_cgroup_rules: ["c 10:229 rwm"]`
        : ''
    }
`,
      });
    });
    after(() => p.cleanup());

    it('up waits for the dependency’s own healthcheck before starting what depends on it', function () {
      const r = p.run(['up', '-d']);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.include(` Container ${p.name}-db-1 Healthy`);
      const db = inspect(`${p.name}-db-1`) as unknown as Health;
      const app = inspect(`${p.name}-app-1`) as unknown as Health;
      expect(db.State.Health?.Status).to.equal('healthy');
      const firstHealthy = db.State.Health!.Log.find((l) => l.ExitCode === 0)!;
      expect(firstHealthy, 'a successful probe').to.not.equal(undefined);
      // app started only after the first probe that passed (which came a second after db's start).
      expect(Date.parse(app.State.StartedAt)).to.be.at.least(Date.parse(firstHealthy.End));
      expect(Date.parse(app.State.StartedAt) - Date.parse(db.State.StartedAt)).to.be.at.least(1000);
    });

    it('links: the linked service answers under the link’s name', function () {
      const db = inspect(`${p.name}-db-1`);
      const ip = db.NetworkSettings.Networks[`${p.name}_default`]!.IPAddress;
      expect(p.ok(['exec', '-T', 'app', 'ping', '-c1', '-W2', 'database'])).to.include(`(${ip})`);
    });

    it('run: a one-off of db is linked to db’s own container, which answers as db-1 (compose v2)', function () {
      const db = inspect(`${p.name}-db-1`);
      const ip = db.NetworkSettings.Networks[`${p.name}_default`]!.IPAddress;
      // Only a link names db-1 (the service's containers are known as db and by their full name):
      // db itself, linked to nothing, does not know it.
      expect(p.run(['exec', '-T', 'db', 'ping', '-c1', '-W2', 'db-1']).code).to.not.equal(0);
      expect(p.ok(['run', '--rm', '--no-deps', '-T', 'db', 'ping', '-c1', '-W2', 'db-1'])).to.include(
        `(${ip})`,
      );
    });

    it('ipc and pid service:db share db’s namespaces', function () {
      for (const ns of ['ipc', 'pid']) {
        const inDb = p.ok(['exec', '-T', 'db', 'readlink', `/proc/self/ns/${ns}`]).trim();
        const inApp = p.ok(['exec', '-T', 'app', 'readlink', `/proc/self/ns/${ns}`]).trim();
        expect(inApp, ns).to.equal(inDb);
      }
      // db's process is visible from app.
      expect(p.ok(['exec', '-T', 'app', 'ps', '-o', 'args'])).to.include('sleep 300');
    });

    it('sysctls are set inside the container', function () {
      expect(p.ok(['exec', '-T', 'app', 'cat', '/proc/sys/net/core/somaxconn']).trim()).to.equal('1234');
      expect(p.ok(['exec', '-T', 'db', 'cat', '/proc/sys/net/core/somaxconn']).trim()).to.not.equal('1234');
    });

    it('devices and device_cgroup_rules: the node is usable, a node made inside is allowed', function () {
      if (!haveFuse) this.skip();
      expect(p.ok(['exec', '-T', 'app', 'sh', '-c', 'exec 3<>/dev/myfuse && echo opened'])).to.equal(
        'opened\n',
      );
      expect(
        p.ok(['exec', '-T', 'app', 'sh', '-c', 'mknod /tmp/f c 10 229 && exec 3<>/tmp/f && echo opened']),
      ).to.equal('opened\n');
      // Without the rule, db's device cgroup denies the same node.
      const denied = p.run(['exec', '-T', 'db', 'sh', '-c', 'mknod /tmp/f c 10 229 && exec 3<>/tmp/f']);
      expect(denied.code).to.not.equal(0);
      expect(denied.stderr).to.include('Operation not permitted');
    });
  });

  it('an unhealthy dependency fails up with compose’s message; its dependent is not started', function () {
    const p = new Project();
    try {
      p.write({
        'compose.yaml': `
services:
  sick:
    image: ${img()}
    init: true
    command: sleep 300
    healthcheck:
      test: ["CMD-SHELL", "exit 1"]
      interval: 200ms
      retries: 2
  waiter:
    image: ${img()}
    command: sleep 300
    depends_on:
      sick: {condition: service_healthy}
  plain:
    image: ${img()}
    command: sleep 300
    depends_on:
      nocheck: {condition: service_healthy}
  fine:
    image: ${img()}
    init: true
    command: sh -c "sleep 1; touch /tmp/ready; exec sleep 300"
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 300ms
      retries: 30
  nocheck:
    image: ${img()}
    init: true
    command: sleep 300
  slow:
    image: ${img()}
    init: true
    command: sleep 300
    # Its first probe comes long after the --wait-timeout below: it stays "starting".
    healthcheck:
      test: ["CMD", "true"]
      interval: 60s
  quits:
    image: ${img()}
    command: sh -c "exit 3"
`,
      });
      const r = p.run(['up', '-d', 'waiter']);
      expect(r.code).to.equal(1);
      expect(r.stderr.trim().split('\n').pop()).to.equal(
        `dependency failed to start: container ${p.name}-sick-1 is unhealthy`,
      );
      expect(inspect(`${p.name}-waiter-1`).State.Status).to.equal('created');
      // --wait waits for the health a service has, and fails on an unhealthy one.
      const fine = p.run(['up', '-d', '--wait', 'fine']);
      expect(fine.code, fine.stderr).to.equal(0);
      expect((inspect(`${p.name}-fine-1`) as unknown as Health).State.Health?.Status).to.equal('healthy');
      const waited = p.run(['up', '-d', '--wait', 'sick']);
      expect(waited.code).to.equal(1);
      expect(waited.stderr.trim().split('\n').pop()).to.equal(`container ${p.name}-sick-1 is unhealthy`);
      // compose v2's own words for the --wait-timeout deadline and for a container that exited.
      const slow = p.run(['up', '-d', '--wait', '--wait-timeout', '2', 'slow']);
      expect(slow.code).to.equal(1);
      expect(slow.stderr.trim().split('\n').pop()).to.equal('application not healthy after 2s');
      const quits = p.run(['up', '-d', '--wait', 'quits']);
      expect(quits.code).to.equal(1);
      expect(quits.stderr.trim().split('\n').pop()).to.equal(`container ${p.name}-quits-1 exited (3)`);
      const none = p.run(['up', '-d', 'plain']);
      expect(none.code).to.equal(1);
      expect(none.stderr.trim().split('\n').pop()).to.equal(
        `dependency failed to start: container ${p.name}-nocheck-1 has no healthcheck configured`,
      );
    } finally {
      p.cleanup();
    }
  });
});
