/**
 * Kubernetes end to end: kube generate from a real container (checked field by field and by the
 * API schemas), kube play of a Deployment with 2 replicas, a Service, a ConfigMap and a PVC
 * (reachable on its port, limits in the cgroup files, kube down leaving nothing), and the round
 * trip generate → play answering on the same port with the same limits.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import yaml from 'js-yaml';
import { cli, ok, target, testEnv, uniqueName } from '../harness/cli.js';
import { curl, freePort } from '../harness/net.js';
import { until } from '../harness/wait.js';
import { RUN_BRIDGE } from './_setup.test.js';
import { detectCgroupVersion } from '../../src/runtime/cgroups/files.js';
import { validationErrors } from '../../src/runtime/kube/validate.js';
import type { KubeObject } from '../../src/runtime/kube/objects.js';

const img = (): string => testEnv().image;
const version = detectCgroupVersion();
/** The limits a container's cgroup holds, read on the host. */
function limits(ref: string): Record<string, string> {
  const id = ok(['inspect', '--format', '{{.Id}}', ref]).trim();
  const read = (v1: string, v2: string) => {
    const path =
      version === 1
        ? join('/sys/fs/cgroup', v1.split('/')[0]!, 'tsdock', id, v1.split('/')[1]!)
        : join('/sys/fs/cgroup', 'tsdock', id, v2);
    return readFileSync(path, 'utf8').trim();
  };
  return version === 1
    ? {
        memory: read('memory/memory.limit_in_bytes', ''),
        quota: read('cpu/cpu.cfs_quota_us', ''),
        period: read('cpu/cpu.cfs_period_us', ''),
      }
    : { memory: read('', 'memory.max'), cpu: read('', 'cpu.max') };
}

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A PersistentVolumeClaim, a Deployment of `replicas` pods labelled app=APP (its pod spec given, indented 4), a Service. */
const claim = (name: string) => `apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: ${name} }
spec:
  accessModes: [ReadWriteOnce]
  resources: { requests: { storage: 1Gi } }
`;
const deployment = (app: string, replicas: number, podSpec: string) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${app} }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: ${app} } }
  template:
    metadata: { labels: { app: ${app} } }
    spec:
${podSpec}`;
const service = (app: string, ports: string) => `apiVersion: v1
kind: Service
metadata: { name: ${app} }
spec:
  selector: { app: ${app} }
  ports: ${ports}
`;

/** The containers of any state whose name starts with `APP-`. */
const namesOf = (app: string) =>
  ok(['ps', '-a', '--format', '{{.Names}}'])
    .split('\n')
    .filter((n) => n.startsWith(`${app}-`));

/** This run's Service rules: the jumps in its NAT chain and its Services' own chains. */
function serviceRules(): string[] {
  return execFileSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(`TSDOCK-${RUN_BRIDGE}-S`));
}

/** The Service's state files: its record and the host ports it claimed. */
function serviceFiles(): string[] {
  const dir = (sub: string) => join(testEnv().dataRoot, 'network', sub);
  return ['services', 'ports'].flatMap((sub) => (existsSync(dir(sub)) ? readdirSync(dir(sub)) : []));
}

/** The answers of `count` connections to the Service's port, one curl each (a new connection each). */
function answers(port: number, count: number): Set<string> {
  const got = new Set<string>();
  for (let i = 0; i < count; i++)
    got.add((curl(`http://127.0.0.1:${port}/index.html`) ?? 'no answer').trim());
  return got;
}

describe('kube', function () {
  this.timeout(120_000);
  if (target === 'docker') return; // Docker has no kube commands.
  let work = '';
  const made: string[] = [];
  const volumes: string[] = [];
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'tsdock-kube-'));
  });
  after(() => {
    if (made.length) cli(['rm', '-f', ...made]);
    if (volumes.length) cli(['volume', 'rm', '-f', ...volumes]);
    rmSync(work, { recursive: true, force: true });
  });

  it('generate: a container with the mapped flags → a Pod, a Service and a PVC, valid by the API schemas', async function () {
    const name = uniqueName('kgen');
    const port = await freePort();
    const vol = `${name}-data`;
    made.push(name);
    ok([
      'run',
      '-d',
      '--name',
      name,
      '-p',
      `${port}:80`,
      '-p',
      `127.0.0.1:${port + 1}:81`,
      '--cpus',
      '0.5',
      '--memory',
      '256m',
      '--memory-reservation',
      '128m',
      '--cpu-shares',
      '512',
      '--pids-limit',
      '64',
      '--health-cmd',
      'true',
      '--health-interval',
      '7s',
      '-u',
      '1000:1000',
      '--cap-add',
      'NET_ADMIN',
      '--read-only',
      '-v',
      `${vol}:/data`,
      '-v',
      `${work}:/host:ro`,
      '--tmpfs',
      '/run',
      '--hostname',
      'genhost',
      '--add-host',
      'db.local:10.1.2.3',
      '-e',
      'GREETING=hi',
      img(),
      'sleep',
      '300',
    ]);
    const r = cli(['kube', 'generate', '--validate', name]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.contain(`WARNING: ${name}: --pids-limit 64: not carried`);
    const objects = yaml.loadAll(r.stdout) as Obj[];
    expect(objects.map((o) => o.kind)).to.deep.equal(['PersistentVolumeClaim', 'Pod', 'Service']);
    expect(await validationErrors(objects as KubeObject[])).to.deep.equal([]);
    const pod = objects[1]!;
    const c = pod.spec.containers[0];
    expect(c.image).to.equal(img());
    expect(c.command).to.deep.equal(['sleep', '300']);
    expect(c.env).to.deep.include({ name: 'GREETING', value: 'hi' });
    expect(c.resources).to.deep.equal({
      limits: { cpu: '500m', memory: '256Mi' },
      requests: { cpu: '500m', memory: '128Mi' },
    });
    expect(c.livenessProbe).to.deep.include({
      exec: { command: ['/bin/sh', '-c', 'true'] },
      periodSeconds: 7,
    });
    expect(c.securityContext).to.deep.equal({
      runAsUser: 1000,
      runAsGroup: 1000,
      capabilities: { add: ['NET_ADMIN'] },
      readOnlyRootFilesystem: true,
    });
    expect(pod.spec.hostname).to.equal('genhost');
    expect(pod.spec.hostAliases).to.deep.equal([{ ip: '10.1.2.3', hostnames: ['db.local'] }]);
    expect(pod.spec.restartPolicy).to.equal('Never');
    const byMount = Object.fromEntries(
      (c.volumeMounts as Obj[]).map((m) => [
        m.mountPath,
        pod.spec.volumes.find((v: Obj) => v.name === m.name),
      ]),
    );
    expect(byMount['/data'].persistentVolumeClaim).to.deep.equal({ claimName: vol });
    expect(byMount['/host'].hostPath).to.deep.equal({ path: work });
    expect(byMount['/run'].emptyDir).to.deep.equal({ medium: 'Memory' });
    expect(objects[0]!.spec.resources.requests.storage).to.equal('1Gi');
    expect(c.ports).to.deep.equal([
      { containerPort: 80, protocol: 'TCP' },
      { containerPort: 81, protocol: 'TCP' },
    ]);
    expect(objects[2]!.spec.ports).to.deep.equal([
      { name: `tcp-${port}`, port, targetPort: 80, protocol: 'TCP' },
    ]);
    expect(r.stdout).to.contain(`# hostPath ${work}: a cluster node will not have this path`);
    expect(r.stdout).to.contain(`# port 127.0.0.1:${port + 1}->81/tcp is bound to the loopback address only`);

    const out = join(work, 'gen.yaml');
    const f = cli(['kube', 'generate', '--type', 'deployment', '-f', out, name]);
    expect(f.code, f.stderr).to.equal(0);
    expect(f.stdout).to.equal('');
    expect((yaml.loadAll(readFileSync(out, 'utf8')) as Obj[]).map((o) => o.kind)).to.deep.equal([
      'PersistentVolumeClaim',
      'Deployment',
      'Service',
    ]);
    ok(['rm', '-f', name]);
    ok(['volume', 'rm', vol]);
    made.pop();
  });

  it('compose convert --format kube: a Deployment per service with its replicas, Services, PVCs, env_file as a ConfigMap', async function () {
    const dir = mkdtempSync(join(work, 'compose-'));
    writeFileSync(join(dir, 'web.env'), 'GREETING=hello\n');
    writeFileSync(
      join(dir, 'compose.yaml'),
      [
        'services:',
        '  web:',
        `    image: ${img()}`,
        '    command: ["httpd", "-f", "-p", "80"]',
        '    ports: ["8080:80"]',
        '    env_file: web.env',
        '    deploy: { replicas: 2, resources: { limits: { cpus: "0.5", memory: 64m } } }',
        '    depends_on: { db: { condition: service_healthy } }',
        '  db:',
        `    image: ${img()}`,
        '    command: ["sleep", "600"]',
        '    volumes: ["data:/var/lib/db"]',
        '    healthcheck: { test: ["CMD", "true"], interval: 5s }',
        '    network_mode: host',
        '    pid: host',
        'volumes:',
        '  data: {}',
        '',
      ].join('\n'),
    );
    const r = cli(['compose', '--project-directory', dir, '-p', 'kconv', 'convert', '--format', 'kube']);
    expect(r.code, r.stderr).to.equal(0);
    const objects = (yaml.loadAll(r.stdout) as Obj[]).filter(Boolean);
    expect(await validationErrors(objects as KubeObject[])).to.deep.equal([]);
    const byKind = (kind: string, name: string) =>
      objects.find((o) => o.kind === kind && o.metadata.name === name) as Obj | undefined;
    const web = byKind('Deployment', 'web')!;
    expect(web.spec.replicas).to.equal(2);
    const c = web.spec.template.spec.containers[0];
    expect(c.resources.limits).to.deep.equal({ cpu: '500m', memory: '64Mi' });
    expect(c.envFrom[0].configMapRef.name).to.be.a('string');
    const cm = byKind('ConfigMap', c.envFrom[0].configMapRef.name)!;
    expect(cm.data).to.deep.equal({ GREETING: 'hello' });
    expect(byKind('Service', 'web')!.spec.ports[0]).to.include({ port: 8080, targetPort: 80 });
    expect(byKind('Deployment', 'db')!.spec.template.spec.containers[0].volumeMounts[0].mountPath).to.equal(
      '/var/lib/db',
    );
    expect(objects.some((o) => o.kind === 'PersistentVolumeClaim')).to.equal(true);
    // web waits for db's health: db's healthcheck is its readiness probe; the host network is carried.
    const db = byKind('Deployment', 'db')!.spec.template.spec;
    expect(db.containers[0].readinessProbe.exec.command).to.deep.equal(['true']);
    expect(db.hostNetwork).to.equal(true);
    // What cannot be carried is said, never dropped silently.
    expect(r.stderr).to.contain('WARNING: db: pid is not carried');
    expect(cli(['ps', '-a', '--filter', 'label=com.docker.compose.project=kconv', '-q']).stdout).to.equal('');
  });

  it("generate: a missing container is Docker's error", function () {
    const r = cli(['kube', 'generate', 'no-such-container-kube']);
    expect(r.code).to.equal(1);
    expect(r.stderr.trim()).to.equal('Error response from daemon: No such container: no-such-container-kube');
  });

  it('play: a Deployment of 2 replicas, a Service over both, a ConfigMap and a PVC; down leaves nothing', async function () {
    const app = uniqueName('kplay');
    const port = await freePort();
    let whoPort = await freePort();
    while (whoPort === port) whoPort = await freePort();
    const filesBefore = serviceFiles();
    const file = join(work, 'app.yaml');
    writeFileSync(
      file,
      `apiVersion: v1
kind: ConfigMap
metadata: { name: ${app}-config }
data:
  GREETING: hello from a ConfigMap
  index.html: "served from ${app}"
---
${claim(`${app}-data`)}---
${deployment(
  app,
  2,
  `      initContainers:
        - name: prep
          image: ${img()}
          command: [sh, -c, 'echo prepared > /data/ready']
          volumeMounts: [{ name: data, mountPath: /data }]
      containers:
        - name: web
          image: ${img()}
          command: [httpd, -f, -p, "80", -h, /www]
          ports: [{ name: http, containerPort: 80 }]
          env:
            - name: GREETING
              valueFrom: { configMapKeyRef: { name: ${app}-config, key: GREETING } }
          resources:
            limits: { cpu: 500m, memory: 256Mi }
          livenessProbe:
            exec: { command: [test, -f, /www/index.html] }
            periodSeconds: 1
          volumeMounts:
            - { name: site, mountPath: /www }
            - { name: data, mountPath: /data }
        - name: who
          image: ${img()}
          command: [sh, -c, 'mkdir /who && hostname > /who/index.html && exec httpd -f -p 81 -h /who']
          ports: [{ name: who, containerPort: 81 }]
      volumes:
        - name: site
          configMap: { name: ${app}-config, items: [{ key: index.html, path: index.html }] }
        - name: data
          persistentVolumeClaim: { claimName: ${app}-data }
`,
)}---
${service(app, `[{ name: web, port: ${port}, targetPort: http }, { name: who, port: ${whoPort}, targetPort: who }]`)}`,
    );
    volumes.push(`${app}-data`);
    const play = cli(['kube', 'play', file]);
    for (const pod of [`${app}-0`, `${app}-1`])
      made.push(`${pod}-who`, `${pod}-web`, `${pod}-prep`, `${pod}-infra`);
    expect(play.code, play.stderr).to.equal(0);
    expect(play.stdout).to.equal(`${app}-0\n${app}-1\n`);
    expect(play.stderr).to.not.contain('WARNING: Service');

    const body = await until(() => curl(`http://127.0.0.1:${port}/index.html`), 15_000, 'the Service port');
    expect(body).to.equal(`served from ${app}`);
    const running = ok(['ps', '--filter', `label=io.tsdock.kube.pod`, '--format', '{{.Names}}'])
      .split('\n')
      .filter((n) => n.startsWith(`${app}-`))
      .sort();
    expect(running).to.deep.equal([
      `${app}-0-infra`,
      `${app}-0-web`,
      `${app}-0-who`,
      `${app}-1-infra`,
      `${app}-1-web`,
      `${app}-1-who`,
    ]);

    // Both replicas answer on the Service's host port, as kube-proxy spreads a Service: each of 40
    // connections goes to either at random (a miss for one of them is 2^-39 likely).
    await until(() => curl(`http://127.0.0.1:${whoPort}/index.html`), 15_000, 'the who port');
    expect([...answers(whoPort, 40)].sort()).to.deep.equal([`${app}-0`, `${app}-1`]);
    // The rules: a jump per Service port in the NAT chain, a chain per port splitting 1/2 then the rest.
    const rules = serviceRules();
    const jumps = rules.filter((l) => l.startsWith(`-A TSDOCK-${RUN_BRIDGE}-NAT `));
    expect(jumps.map((l) => / --dport (\d+) /.exec(l)?.[1]).sort()).to.deep.equal(
      [String(port), String(whoPort)].sort(),
    );
    const dnat = rules.filter((l) => l.includes(' -j DNAT '));
    expect(dnat).to.have.length(4);
    expect(dnat.filter((l) => l.includes('--probability 0.5'))).to.have.length(2);
    // explain shows a pod's part in the Service: the jumps and the chains it is in, all in place.
    const explained = ok(['explain', `${app}-0-infra`]);
    expect(explained).to.contain('services (one of the backends)');
    expect(explained.split('\n').filter((l) => l.includes(`tsdock:svc:${app}`))).to.have.length(6);
    expect(explained).to.not.contain('missing from iptables');
    // A pod reaches the Service through a host address too (PREROUTING, hairpin when it picks itself).
    const gateway = ok([
      'network',
      'inspect',
      'tsdock-kube',
      '--format',
      '{{(index .IPAM.Config 0).Gateway}}',
    ]).trim();
    const viaHost = ok([
      'exec',
      `${app}-0-web`,
      'sh',
      '-c',
      `for i in $(seq 30); do wget -qO- http://${gateway}:${whoPort}/index.html; done`,
    ]);
    expect([...new Set(viaHost.trim().split('\n'))].sort()).to.deep.equal([`${app}-0`, `${app}-1`]);

    for (const pod of [`${app}-0`, `${app}-1`]) {
      // The pod's containers share the infra container's network and hostname, the ConfigMap's
      // value is in the environment, the init container ran first into the PVC.
      expect(ok(['exec', `${pod}-web`, 'sh', '-c', 'echo $GREETING; hostname; cat /data/ready'])).to.equal(
        `hello from a ConfigMap\n${pod}\nprepared\n`,
      );
      expect(ok(['exec', `${pod}-web`, 'wget', '-qO-', 'http://127.0.0.1/index.html'])).to.equal(
        `served from ${app}`,
      );
      const l = limits(`${pod}-web`);
      if (version === 1) expect(l).to.deep.equal({ memory: '268435456', quota: '50000', period: '100000' });
      else expect(l).to.deep.equal({ memory: '268435456', cpu: '50000 100000' });
    }
    // Other pods reach the Service by its name, as cluster DNS resolves it.
    expect(ok(['exec', `${app}-1-web`, 'wget', '-qO-', `http://${app}/index.html`])).to.equal(
      `served from ${app}`,
    );
    // The livenessProbe is the container's healthcheck.
    await until(
      () => ok(['inspect', '--format', '{{.State.Health.Status}}', `${app}-0-web`]).trim() === 'healthy',
      15_000,
      'the probe',
    );
    const web = JSON.parse(ok(['inspect', `${app}-0-web`]))[0];
    expect(web.Config.Healthcheck).to.deep.equal({
      Test: ['CMD', 'test', '-f', '/www/index.html'],
      Interval: 1e9,
      Timeout: 1e9,
      Retries: 3,
    });
    expect(web.HostConfig.NetworkMode).to.equal(`container:${app}-0-infra`);
    expect(ok(['volume', 'ls', '-q'])).to.contain(`${app}-data`);

    const again = cli(['kube', 'play', file]);
    expect(again.code).to.equal(1);
    expect(again.stderr.trim()).to.match(
      new RegExp(
        `^Error response from daemon: Conflict\\. The container name "/${app}-0-infra" is already in use by container "[0-9a-f]{64}"\\. Run 'tsdock kube down' on the file first\\.$`,
      ),
    );
    // The failed second play took away nothing of the first.
    expect(curl(`http://127.0.0.1:${port}/index.html`)).to.equal(`served from ${app}`);
    expect(serviceRules()).to.deep.equal(rules);

    // A pod removed on its own leaves the Service's rotation (its chains are rewritten without it).
    ok(['rm', '-f', `${app}-1-who`, `${app}-1-web`, `${app}-1-prep`, `${app}-1-infra`]);
    expect([...answers(whoPort, 10)]).to.deep.equal([`${app}-0`]);
    expect(serviceRules().filter((l) => l.includes(' -j DNAT '))).to.have.length(2);

    const down = cli(['kube', 'down', file]);
    expect(down.code, down.stderr).to.equal(0);
    expect(namesOf(app)).to.deep.equal([]);
    expect(ok(['volume', 'ls', '-q'])).to.not.contain(`${app}-data`);
    expect(existsSync(join(testEnv().dataRoot, 'tsdock-test', 'kube'))).to.equal(false);
    expect(curl(`http://127.0.0.1:${port}/index.html`, 1)).to.equal(null);
    expect(curl(`http://127.0.0.1:${whoPort}/index.html`, 1)).to.equal(null);
    expect(ok(['network', 'ls', '--format', '{{.Name}}'])).to.not.contain('tsdock-kube');
    // No jump, chain, record or claimed host port of the Service is left.
    expect(serviceRules()).to.deep.equal([]);
    expect(serviceFiles()).to.deep.equal(filesBefore);
    made.length = 0;
    volumes.length = 0;
  });

  it('round trip: generate → play answers on the same port with the same cgroup limits', async function () {
    const name = uniqueName('krt');
    const port = await freePort();
    made.push(name);
    ok([
      'run',
      '-d',
      '--name',
      name,
      '-p',
      `${port}:80`,
      '--cpus',
      '0.5',
      '--memory',
      '256m',
      img(),
      'sh',
      '-c',
      'mkdir -p /www && echo round trip > /www/index.html && exec httpd -f -p 80 -h /www',
    ]);
    const before = await until(() => curl(`http://127.0.0.1:${port}/index.html`), 15_000, 'the original');
    const beforeLimits = limits(name);
    const file = join(work, 'rt.yaml');
    ok(['kube', 'generate', '--type', 'deployment', '--validate', '-f', file, name]);
    ok(['rm', '-f', name]);
    made.pop();
    const play = cli(['kube', 'play', file]);
    made.push(`${name}-0-${name}`, `${name}-0-infra`);
    expect(play.code, play.stderr).to.equal(0);
    const after = await until(() => curl(`http://127.0.0.1:${port}/index.html`), 15_000, 'the played pod');
    expect(after).to.equal(before);
    expect(limits(`${name}-0-${name}`)).to.deep.equal(beforeLimits);
    ok(['kube', 'down', file]);
    made.length = 0;
  });

  it("play: a Service's host port already taken fails as -p does: one line, 125, nothing made", async function () {
    const app = uniqueName('ktaken');
    const busy = await freePort();
    const file = join(work, 'taken.yaml');
    writeFileSync(
      file,
      `${claim(`${app}-data`)}---
${deployment(
  app,
  2,
  `      containers:
        - name: web
          image: ${img()}
          command: [httpd, -f, -p, "80"]
          volumeMounts: [{ name: data, mountPath: /data }]
      volumes: [{ name: data, persistentVolumeClaim: { claimName: ${app}-data } }]
`,
)}---
${service(app, `[{ port: ${busy}, targetPort: 80 }]`)}`,
    );
    const filesBefore = serviceFiles();
    const srv: Server = createServer();
    await new Promise<void>((res) => srv.listen(busy, '127.0.0.1', () => res()));
    try {
      const r = cli(['kube', 'play', file]);
      expect(r.code).to.equal(125);
      expect(r.stderr.trim()).to.equal(
        `Error response from daemon: driver failed programming external connectivity on Service ${app}: Bind for 0.0.0.0:${busy} failed: port is already allocated`,
      );
    } finally {
      await new Promise((res) => srv.close(res));
    }
    expect(namesOf(app)).to.deep.equal([]);
    expect(ok(['volume', 'ls', '-q'])).to.not.contain(`${app}-data`);
    expect(serviceRules()).to.deep.equal([]);
    expect(serviceFiles()).to.deep.equal(filesBefore);
  });

  it("play: a Service whose pods were all removed one by one goes with the network's next reconcile", async function () {
    const app = uniqueName('korphan');
    const port = await freePort();
    const file = join(work, 'orphan.yaml');
    writeFileSync(
      file,
      `apiVersion: v1
kind: Pod
metadata: { name: ${app}, labels: { app: ${app} } }
spec:
  containers: [{ name: web, image: ${img()}, command: [httpd, -f, -p, "80"] }]
---
${service(app, `[{ port: ${port}, targetPort: 80 }]`)}`,
    );
    const filesBefore = serviceFiles();
    const play = cli(['kube', 'play', file]);
    made.push(`${app}-web`, `${app}-infra`);
    expect(play.code, play.stderr).to.equal(0);
    expect(serviceRules().filter((l) => l.includes(' -j DNAT '))).to.have.length(1);
    ok(['rm', '-f', `${app}-web`, `${app}-infra`]);
    // The chain is empty now: the connection meets the host's closed port.
    expect(serviceRules().filter((l) => l.includes(' -j DNAT '))).to.deep.equal([]);
    expect(curl(`http://127.0.0.1:${port}/`, 1)).to.equal(null);
    ok(['network', 'prune', '-f']);
    expect(serviceRules()).to.deep.equal([]);
    expect(serviceFiles()).to.deep.equal(filesBefore);
    const down = cli(['kube', 'down', file]);
    expect(down.code, down.stderr).to.equal(0);
    made.length = 0;
  });

  it('bad input: one line, status 125, nothing made', function () {
    const bad = join(work, 'bad.yaml');
    writeFileSync(
      bad,
      'apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec: { containers: [{ name: c }] }\n',
    );
    const r = cli(['kube', 'play', bad]);
    expect(r.code).to.equal(125);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    expect(r.stderr.trim()).to.equal('pod p: container c has no image');
    const missing = cli(['kube', 'play', join(work, 'nope.yaml')]);
    expect(missing.code).to.equal(125);
    expect(missing.stderr.trim()).to.equal(`open ${join(work, 'nope.yaml')}: no such file or directory`);
  });
});
