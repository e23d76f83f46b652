/**
 * tsdock compose end to end on the suite's private containerd: a multi-service project brought up
 * from two files and an .env (web server on a published port, a client reaching it by service
 * name, a one-shot migration gating another service, resource limits in the cgroup files, a
 * profile, a scaled service), converged again (nothing recreated; a change recreating only the
 * changed service and what shares its namespace), then taken down leaving nothing behind. Also:
 * errors before anything is created (schema, unsupported keys), a failure mid-way that `up`
 * continues and `down` cleans, a foreground `up` with prefixed output and exit codes.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import { cli, cliAsync, ok, target, testEnv } from '../harness/cli.js';
import { cgroupFile, img, inspect, Project, sleep, type Inspected } from '../harness/compose.js';
import { curl, freePort } from '../harness/net.js';
import { detectCgroupVersion } from '../../src/runtime/cgroups/files.js';

function networkId(name: string): string | undefined {
  const r = cli(['network', 'inspect', '-f', '{{.Id}}', name]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

describe('compose', function () {
  this.timeout(120_000);
  if (target !== 'tsdock') return;

  describe('a multi-service project', function () {
    const p = new Project();
    let port = 0;
    let first: Map<string, string>;
    let netId: string | undefined;

    before(async function () {
      port = await freePort();
      p.files = ['compose.yaml', 'override.yaml'];
      p.write({
        '.env': `WEB_PORT=${port}\nGREETING="hello from .env"\n`,
        'compose.yaml': `
x-fast: &fast
  image: ${img()}
  init: true
services:
  web:
    <<: *fast
    command: httpd -f -p 80 -h /etc
    ports: ["127.0.0.1:\${WEB_PORT}:80"]
    deploy:
      resources:
        limits: {memory: 64m, cpus: "0.5", pids: 40}
  side:
    <<: *fast
    network_mode: "service:web"
    command: sleep 300
  follower:
    <<: *fast
    command: sleep 300
    depends_on:
      web: {condition: service_started, restart: true}
  client:
    <<: *fast
    command: sleep 300
    security_opt: ["no-new-privileges:true"]
    depends_on: [web]
  migrate:
    <<: *fast
    command: sh -c "sleep 1; echo migrated"
  app:
    <<: *fast
    command: sleep 300
    environment:
      GREETING: \${GREETING}
    depends_on:
      migrate:
        condition: service_completed_successfully
  debug:
    <<: *fast
    command: sleep 300
    profiles: [debug]
`,
        'override.yaml': `
services:
  client:
    environment: [FROM_OVERRIDE=yes]
`,
      });
    });
    after(() => p.cleanup());

    it('up -d creates and starts everything, in dependency order, from both files and .env', function () {
      const r = p.run(['up', '-d']);
      expect(r.code, r.stderr).to.equal(0);
      // compose's plain progress lines on a pipe
      expect(r.stderr).to.include(` Network ${p.name}_default Created`);
      expect(r.stderr).to.include(` Container ${p.name}-web-1 Started`);
      first = p.containers();
      expect([...first.keys()].sort()).to.deep.equal(
        ['app', 'client', 'follower', 'migrate', 'side', 'web'].map((s) => `${p.name}-${s}-1`),
      );
      const web = inspect(`${p.name}-web-1`);
      expect(web.Config.Labels).to.include({
        'com.docker.compose.project': p.name,
        'com.docker.compose.service': 'web',
        'com.docker.compose.container-number': '1',
        'com.docker.compose.oneoff': 'False',
        'com.docker.compose.project.working_dir': p.dir,
        'com.docker.compose.project.config_files': `${join(p.dir, 'compose.yaml')},${join(p.dir, 'override.yaml')}`,
      });
      expect(web.Config.Labels['com.docker.compose.config-hash']).to.match(/^[0-9a-f]{64}$/);
      netId = networkId(`${p.name}_default`);
      expect(netId).to.be.a('string');
      // The override file's environment, the .env's value.
      expect(inspect(`${p.name}-client-1`).Config.Env).to.include('FROM_OVERRIDE=yes');
      expect(p.ok(['exec', '-T', 'client', 'grep', 'NoNewPrivs', '/proc/self/status'])).to.match(
        /NoNewPrivs:\s+1/,
      );
      expect(inspect(`${p.name}-app-1`).Config.Env).to.include('GREETING=hello from .env');
    });

    it('the web server answers on the published port and to the client by service name', function () {
      const web = inspect(`${p.name}-web-1`);
      expect(curl(`http://127.0.0.1:${port}/hostname`)?.trim()).to.equal(web.Config.Hostname);
      for (const host of ['web', `${p.name}-web-1`]) {
        const body = p.ok(['exec', '-T', 'client', 'wget', '-qO-', `http://${host}/hostname`]);
        expect(body.trim(), host).to.equal(web.Config.Hostname);
      }
      // side shares web's network namespace: localhost is web's server.
      expect(p.ok(['exec', '-T', 'side', 'wget', '-qO-', 'http://127.0.0.1/hostname']).trim()).to.equal(
        web.Config.Hostname,
      );
    });

    it('the one-shot migration completes before the service that waits for it starts', function () {
      const migrate = inspect(`${p.name}-migrate-1`);
      const app = inspect(`${p.name}-app-1`);
      expect(migrate.State.Status).to.equal('exited');
      expect(migrate.State.ExitCode).to.equal(0);
      expect(app.State.Status).to.equal('running');
      expect(Date.parse(app.State.StartedAt)).to.be.at.least(Date.parse(migrate.State.FinishedAt));
      expect(p.ok(['logs', 'migrate'])).to.equal('migrate-1  | migrated\n');
    });

    it('deploy.resources.limits are in the cgroup files', function () {
      const id = first.get(`${p.name}-web-1`)!;
      expect(cgroupFile(id, 'memory/memory.limit_in_bytes', 'memory.max')).to.equal('67108864');
      if (detectCgroupVersion() === 1) {
        expect(cgroupFile(id, 'cpu/cpu.cfs_quota_us', '')).to.equal('50000');
        expect(cgroupFile(id, 'cpu/cpu.cfs_period_us', '')).to.equal('100000');
      } else {
        expect(cgroupFile(id, '', 'cpu.max')).to.equal('50000 100000');
      }
      expect(cgroupFile(id, 'pids/pids.max', 'pids.max')).to.equal('40');
    });

    it('a service with a profile is created only when its profile (or the service) is asked for', function () {
      expect(p.containers().has(`${p.name}-debug-1`)).to.equal(false);
      expect(p.ok(['config', '--services'])).to.not.include('debug');
      expect(p.ok(['--profile', 'debug', 'config', '--services'])).to.include('debug');
      p.ok(['--profile', 'debug', 'up', '-d', 'debug']);
      expect(inspect(`${p.name}-debug-1`).State.Status).to.equal('running');
    });

    it('a second up recreates nothing', function () {
      const before = p.containers();
      const r = p.run(['--profile', 'debug', 'up', '-d']);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.include(` Container ${p.name}-web-1 Running`);
      expect(r.stderr).to.not.include('Recreate');
      expect(p.containers()).to.deep.equal(before);
    });

    it('a changed service is recreated with what shares its namespace; the others stay', function () {
      const before = p.containers();
      const followerStarted = inspect(`${p.name}-follower-1`).State.StartedAt;
      p.write({
        'override.yaml': `
services:
  client:
    environment: [FROM_OVERRIDE=yes]
  web:
    environment: [CHANGED=1]
`,
      });
      const r = p.run(['--profile', 'debug', 'up', '-d']);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.include(` Container ${p.name}-web-1 Recreated`);
      const after = p.containers();
      for (const s of ['web', 'side'])
        expect(after.get(`${p.name}-${s}-1`), s).to.not.equal(before.get(`${p.name}-${s}-1`));
      for (const s of ['client', 'app', 'migrate', 'debug', 'follower'])
        expect(after.get(`${p.name}-${s}-1`), s).to.equal(before.get(`${p.name}-${s}-1`));
      // depends_on with restart: true: kept, but restarted around its dependency's recreation.
      const follower = inspect(`${p.name}-follower-1`);
      expect(follower.State.Status).to.equal('running');
      expect(follower.State.StartedAt).to.not.equal(followerStarted);
      // The new web is reachable by name from the client that was kept.
      const web = inspect(`${p.name}-web-1`);
      expect(p.ok(['exec', '-T', 'client', 'wget', '-qO-', 'http://web/hostname']).trim()).to.equal(
        web.Config.Hostname,
      );
    });

    it('names stay current: a replica added later resolves from a container started earlier, and leaves when removed', function () {
      p.ok(['--profile', 'debug', 'up', '-d', '--scale', 'client=2']);
      const second = inspect(`${p.name}-client-2`);
      const first = inspect(`${p.name}-client-1`);
      const ipOf = (c: Inspected) => c.NetworkSettings.Networks[`${p.name}_default`]!.IPAddress;
      // The service name resolves to every replica (both are listed under it).
      const hosts = p.ok(['exec', '-T', 'app', 'cat', '/etc/hosts']);
      const clientLines = hosts.split('\n').filter((l) => l.split(/\s+/).slice(1).includes('client'));
      expect(clientLines.map((l) => l.split(/\s+/)[0]).sort()).to.deep.equal(
        [ipOf(first), ipOf(second)].sort(),
      );
      expect(p.ok(['exec', '-T', 'app', 'ping', '-c1', '-W2', `${p.name}-client-2`])).to.include(
        `(${ipOf(second)})`,
      );
      p.ok(['--profile', 'debug', 'up', '-d', '--scale', 'client=1']);
      expect(p.containers().has(`${p.name}-client-2`)).to.equal(false);
      const now = p.ok(['exec', '-T', 'app', 'cat', '/etc/hosts']);
      expect(now).to.not.include(`${p.name}-client-2`);
      expect(now).to.not.include(`${ipOf(second)}\t`);
    });

    it('ps, logs and ls show the project as docker compose does', function () {
      const ps = p.ok(['ps']).split('\n');
      expect(ps[0]).to.match(/^NAME +IMAGE +COMMAND +SERVICE +CREATED +STATUS +PORTS$/);
      expect(ps.find((l) => l.startsWith(`${p.name}-web-1 `))).to.include(`127.0.0.1:${port}->80/tcp`);
      expect(ps.some((l) => l.startsWith(`${p.name}-migrate-1 `))).to.equal(false);
      expect(p.ok(['ps', '-a', '--services']).split('\n')).to.include('migrate');
      const json = JSON.parse(p.ok(['ps', '--format', 'json', 'web']).trim()) as Record<string, unknown>;
      expect(json).to.include({ Name: `${p.name}-web-1`, Service: 'web', Project: p.name, State: 'running' });
      expect(json.Publishers).to.deep.equal([
        { URL: '127.0.0.1', TargetPort: 80, PublishedPort: port, Protocol: 'tcp' },
      ]);
      const ls = JSON.parse(ok(['compose', 'ls', '--format', 'json'])) as { Name: string; Status: string }[];
      expect(ls.find((x) => x.Name === p.name)?.Status).to.equal('running(6)');
    });

    it('down -v leaves no container, network, rule, namespace or address behind', function () {
      const ids = [...p.containers().values()];
      const bridge = `br-${netId!.slice(0, 12)}`;
      const r = p.run(['--profile', 'debug', 'down', '-v', '-t', '1']);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.include(` Network ${p.name}_default Removed`);
      expect(p.containers().size).to.equal(0);
      expect(networkId(`${p.name}_default`)).to.equal(undefined);
      expect(existsSync(`/sys/class/net/${bridge}`)).to.equal(false);
      expect(execFileSync('iptables-save', { encoding: 'utf8' })).to.not.include(bridge);
      const netns = existsSync('/run/netns') ? readdirSync('/run/netns') : [];
      for (const id of ids) expect(netns.some((n) => n.endsWith(id.slice(0, 12)))).to.equal(false);
      const leases = join(testEnv().dataRoot, 'network', 'leases', netId!);
      expect(existsSync(leases) ? readdirSync(leases) : []).to.deep.equal([]);
      expect(curl(`http://127.0.0.1:${port}/hostname`, 1)).to.equal(null);
    });
  });

  describe('errors', function () {
    let p: Project;
    beforeEach(() => (p = new Project()));
    afterEach(() => p.cleanup());

    it('a file the schema rejects: exit 1, the file, key and line named, nothing created', function () {
      p.write({ 'compose.yaml': `services:\n  web:\n    image: ${img()}\n    restartt: always\n` });
      const r = p.run(['up', '-d']);
      expect(r.code).to.equal(1);
      expect(r.stderr.trim()).to.equal(
        `validating ${join(p.dir, 'compose.yaml')}: services.web additional properties 'restartt' not allowed (line 4)`,
      );
      expect(networkId(`${p.name}_default`)).to.equal(undefined);
    });

    it('a key tsdock does not implement yet is refused by name, exit 125, nothing created', function () {
      p.write({
        'compose.yaml': `services:\n  web:\n    image: ${img()}\n    storage_opt:\n      size: 1G\n`,
      });
      const r = p.run(['up', '-d']);
      expect(r.code).to.equal(125);
      expect(r.stderr.trim()).to.equal('tsdock compose does not support services.web.storage_opt yet');
      expect(p.containers().size).to.equal(0);
      expect(networkId(`${p.name}_default`)).to.equal(undefined);
      // config still renders it: only what would be created is refused.
      expect(p.ok(['config'])).to.include('storage_opt:');
    });

    it('a port taken mid-way: Docker message, exit 1; up continues once it is free; down removes all', async function () {
      const port = await freePort();
      const busy: Server = createServer();
      await new Promise<void>((r) => busy.listen(port, '127.0.0.1', r));
      p.write({
        'compose.yaml': `services:\n  db:\n    image: ${img()}\n    init: true\n    command: sleep 300\n  web:\n    image: ${img()}\n    init: true\n    command: sleep 300\n    ports: ["127.0.0.1:${port}:80"]\n    depends_on: [db]\n`,
      });
      try {
        const r = p.run(['up', '-d']);
        expect(r.code).to.equal(1);
        expect(r.stderr).to.match(
          new RegExp(
            `Error response from daemon: driver failed programming external connectivity on endpoint ${p.name}-web-1 .*Bind for 127\\.0\\.0\\.1:${port} failed: port is already allocated`,
          ),
        );
      } finally {
        await new Promise((r) => busy.close(r));
      }
      const again = p.run(['up', '-d']);
      expect(again.code, again.stderr).to.equal(0);
      expect(inspect(`${p.name}-web-1`).State.Status).to.equal('running');
      p.ok(['down', '-t', '0']);
      expect(p.containers().size).to.equal(0);
      expect(networkId(`${p.name}_default`)).to.equal(undefined);
    });

    it('a one-shot dependency that fails stops the services waiting for it', function () {
      p.write({
        'compose.yaml': `services:\n  migrate:\n    image: ${img()}\n    command: sh -c "exit 3"\n  app:\n    image: ${img()}\n    command: sleep 300\n    depends_on:\n      migrate:\n        condition: service_completed_successfully\n`,
      });
      const r = p.run(['up', '-d']);
      expect(r.code).to.equal(1);
      expect(r.stderr.trim().split('\n').pop()).to.equal(
        `service "migrate" didn't complete successfully: exit 3`,
      );
      expect(inspect(`${p.name}-app-1`).State.Status).to.equal('created');
    });
  });

  describe('foreground', function () {
    const p = new Project();
    after(() => p.cleanup());

    it('up attaches with name prefixes and ends with the exit status asked for', function () {
      p.write({
        'compose.yaml': `services:\n  a:\n    image: ${img()}\n    command: sh -c "echo a says hi; sleep 1; exit 4"\n  b:\n    image: ${img()}\n    command: sh -c "echo b here"\n`,
      });
      const r = p.run(['up', '--exit-code-from', 'a']);
      expect(r.code, r.stderr).to.equal(4);
      const lines = r.stdout.split('\n');
      expect(lines[0]).to.equal('Attaching to a-1, b-1');
      expect(lines).to.include.members(['a-1  | a says hi', 'b-1  | b here', 'b-1 exited with code 0']);
      expect(p.ok(['logs', '--no-log-prefix', 'b'])).to.equal('b here\n');
      expect(p.ok(['logs', '-t', 'b'])).to.match(/^b-1 {2}\| \d{4}-\d\d-\d\dT[\d:.]+Z b here\n$/);
    });

    it('Ctrl-C stops the project and exits 130', async function () {
      p.write({
        'long.yaml': `services:\n  long:\n    image: ${img()}\n    init: true\n    command: sh -c "echo started; sleep 300"\n`,
      });
      const { child, done } = cliAsync(['compose', '-p', p.name, '-f', join(p.dir, 'long.yaml'), 'up']);
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      const deadline = Date.now() + 30_000;
      while (!out.includes('long-1  | started') && Date.now() < deadline) await sleep(100);
      child.kill('SIGINT');
      const r = await done;
      expect(r.code).to.equal(130);
      expect(r.stderr).to.include('Gracefully Stopping...');
      expect(inspect(`${p.name}-long-1`).State.Status).to.equal('exited');
    });

    it('run: a one-off container with the exit status of its command', function () {
      const r = p.run(['run', '--rm', 'b', 'sh', '-c', 'echo one-off; exit 5']);
      expect(r.code).to.equal(5);
      expect(r.stdout).to.equal('one-off\n');
      expect([...p.containers().keys()].some((n) => n.includes('-b-run-'))).to.equal(false);
    });
  });

  describe('build', function () {
    const p = new Project();
    after(() => p.cleanup());

    it('a service with a build section is built by tsdock build, rebuilt with --build and recreated then', function () {
      mkdirSync(join(p.dir, 'app'));
      const dockerfile = (v: string) =>
        `FROM ${img()}\nARG GREETING\nRUN echo "$GREETING ${v}" > /built\nCMD ["cat", "/built"]\n`;
      p.write({
        'app/Dockerfile': dockerfile('v1'),
        'compose.yaml': `services:\n  app:\n    build:\n      context: ./app\n      args:\n        GREETING: hi\n`,
      });
      const r = p.run(['up', '-d']);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.include(` Image ${p.name}-app Built`);
      const first = p.containers().get(`${p.name}-app-1`);
      expect(inspect(`${p.name}-app-1`).Config.Labels['com.docker.compose.image']).to.match(
        /^sha256:[0-9a-f]{64}$/,
      );
      // Nothing changed: the image is there already, so it is neither built nor the container recreated.
      const again = p.run(['up', '-d']);
      expect(again.stderr).to.not.include('Built');
      expect(p.containers().get(`${p.name}-app-1`)).to.equal(first);
      writeFileSync(join(p.dir, 'app', 'Dockerfile'), dockerfile('v2'));
      const rebuilt = p.run(['up', '-d', '--build']);
      expect(rebuilt.code, rebuilt.stderr).to.equal(0);
      expect(rebuilt.stderr).to.include(` Container ${p.name}-app-1 Recreated`);
      expect(p.containers().get(`${p.name}-app-1`)).to.not.equal(first);
      expect(p.ok(['logs', '--no-log-prefix', 'app'])).to.equal('hi v2\n');
      const down = p.run(['down', '--rmi', 'local']);
      expect(down.stderr).to.include(` Image ${p.name}-app Removed`);
      expect(cli(['image', 'inspect', `${p.name}-app`]).code).to.equal(1);
    });
  });

  it('the progress lines on a pipe are compose plain writer lines', async function () {
    await sleep(0);
    const p = new Project();
    try {
      p.write({ 'compose.yaml': `services:\n  one:\n    image: ${img()}\n    command: "true"\n` });
      const r = p.run(['create']);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr.split('\n').filter(Boolean)).to.deep.equal([
        ` Network ${p.name}_default Creating `,
        ` Network ${p.name}_default Created `,
        ` Container ${p.name}-one-1 Creating `,
        ` Container ${p.name}-one-1 Created `,
      ]);
    } finally {
      p.cleanup();
    }
  });
});
