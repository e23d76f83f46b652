/**
 * The pure parts of the compose engine: project options before the subcommand, a service turned
 * into `create` flags, the config hash, labels, what is refused or warned about, dependency order,
 * and the progress and log output formats.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { hoistComposeFlags } from '../../src/cli/compose-argv.js';
import {
  composeLabels,
  publishSpec,
  serviceHash,
  serviceMounts,
  serviceRunFlags,
} from '../../src/runtime/compose/containers.js';
import { dependencyOrder, dependents, withDependencies } from '../../src/runtime/compose/graph.js';
import { loadProject } from '../../src/runtime/compose/load.js';
import type { Project } from '../../src/runtime/compose/model.js';
import { assertSupported } from '../../src/runtime/compose/support.js';
import { ComposeScreen, PlainComposeProgress } from '../../src/runtime/format/compose-progress.js';
import { LogPrinter } from '../../src/runtime/format/compose-logs.js';
import { UsageError } from '../../src/runtime/errors.js';
import { combinedStatus } from '../../src/runtime/verbs/compose/ls.js';
import { composeEventLine } from '../../src/runtime/verbs/compose/events.js';
import type { EventMessage } from '../../src/runtime/events/message.js';

let dir = '';
function project(yaml: string, files: Record<string, string> = {}): Project {
  for (const [f, t] of Object.entries({ 'compose.yaml': yaml, ...files })) writeFileSync(join(dir, f), t);
  return loadProject({ files: [], envFiles: [], profiles: ['*'], env: {}, cwd: dir });
}

describe('compose engine (pure parts)', function () {
  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'tsdock-ce-')), 'proj');
    mkdirSync(dir);
  });
  afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  describe('project options before the subcommand', function () {
    it('are moved after it in their long form', function () {
      expect(
        hoistComposeFlags(['compose', '-f', 'a.yml', '-fb.yml', '--file=c.yml', '-p', 'x', 'up', '-d']),
      ).to.deep.equal([
        'compose',
        'up',
        '--file=a.yml',
        '--file=b.yml',
        '--file=c.yml',
        '--project-name=x',
        '-d',
      ]);
      expect(
        hoistComposeFlags(['compose', '--profile', 'dbg', '--env-file', 'e', 'run', '-p', '80:80', 'web']),
      ).to.deep.equal(['compose', 'run', '--profile=dbg', '--env-file=e', '-p', '80:80', 'web']);
      expect(hoistComposeFlags(['compose', '--workdir', 'd', 'ps'])).to.deep.equal([
        'compose',
        'ps',
        '--project-directory=d',
      ]);
    });

    it('help, version, and what is refused or unknown', function () {
      expect(hoistComposeFlags(['compose'])).to.deep.equal(['compose', '--help']);
      expect(hoistComposeFlags(['compose', '-f', 'x'])).to.deep.equal(['compose', '--help']);
      expect(hoistComposeFlags(['compose', 'version'])).to.deep.equal(['compose', 'version']);
      expect(hoistComposeFlags(['compose', '--dry-run', '-p', 'x', 'up', '-d'])).to.deep.equal([
        'compose',
        'up',
        '--dry-run',
        '--project-name=x',
        '-d',
      ]);
      expect(() => hoistComposeFlags(['compose', '--dry-run', 'down'])).to.throw(
        UsageError,
        'tsdock compose does not support --dry-run for down yet',
      );
      expect(() => hoistComposeFlags(['compose', '--parallel', 'up'])).to.throw(
        UsageError,
        'tsdock compose does not support --parallel yet',
      );
      expect(() => hoistComposeFlags(['compose', '--nope', 'up'])).to.throw('unknown flag: --nope');
      expect(() => hoistComposeFlags(['compose', '-f'])).to.throw('flag needs an argument: -f');
    });
  });

  describe('a service as create flags', function () {
    it('maps every implemented key onto the flag tsdock run takes', function () {
      const p = project(`
services:
  web:
    image: busybox
    entrypoint: ["/bin/sh", "-c"]
    command: echo hi
    environment: {A: "1", UNSET: null}
    ports: ["127.0.0.1:8080:80", "9000-9001:90-91/udp", "53"]
    expose: ["3000"]
    working_dir: /srv
    user: "1000:1000"
    hostname: h
    domainname: example.org
    stdin_open: true
    tty: true
    stop_signal: SIGINT
    stop_grace_period: 1m30s
    read_only: true
    init: true
    privileged: false
    cap_add: [NET_ADMIN]
    cap_drop: [MKNOD]
    security_opt: ["no-new-privileges:true", "seccomp=profile.json"]
    extra_hosts: ["db=10.0.0.9", "cache:10.0.0.8"]
    dns: 1.1.1.1
    dns_search: [example.org]
    dns_opt: [ndots:2]
    tmpfs: /run
    ulimits: {nproc: 65535, nofile: {soft: 1024, hard: 2048}}
    shm_size: 128m
    cpus: 0.25
    cpu_shares: 512
    cpuset: "0"
    mem_limit: 256m
    memswap_limit: 512m
    mem_reservation: 64m
    pids_limit: 99
    oom_score_adj: 100
    cgroup: private
    logging: {driver: json-file, options: {max-size: 1m}}
    deploy:
      restart_policy: {condition: on-failure, max_attempts: 3}
      resources:
        limits: {memory: 128m}
`);
      const s = p.services.web!;
      const flags = serviceRunFlags(s, {
        workingDir: '/proj',
        name: 'proj-web-1',
        labels: { a: 'b' },
        network: { name: 'proj_default', aliases: ['web'] },
      });
      expect(flags).to.deep.include({
        name: 'proj-web-1',
        env: ['A=1', 'UNSET'],
        label: ['a=b'],
        publish: ['127.0.0.1:8080:80/tcp', '9000:90/udp', '9001:91/udp', '53/tcp'],
        expose: ['3000'],
        entrypoint: ['/bin/sh', '-c'],
        workdir: '/srv',
        user: '1000:1000',
        hostname: 'h',
        domainname: 'example.org',
        interactive: true,
        tty: true,
        stopSignal: 'SIGINT',
        stopTimeout: 90,
        readOnly: true,
        init: true,
        capAdd: ['NET_ADMIN'],
        capDrop: ['MKNOD'],
        securityOpt: ['no-new-privileges:true', 'seccomp=/proj/profile.json'],
        addHost: ['db:10.0.0.9', 'cache:10.0.0.8'],
        dns: ['1.1.1.1'],
        dnsSearch: ['example.org'],
        dnsOption: ['ndots:2'],
        tmpfs: ['/run'],
        ulimit: ['nproc=65535', 'nofile=1024:2048'],
        shmSize: '128m',
        cpus: '0.25',
        cpuShares: '512',
        cpusetCpus: '0',
        memory: '128m',
        memorySwap: '512m',
        memoryReservation: '64m',
        pidsLimit: '99',
        oomScoreAdj: '100',
        cgroupns: 'private',
        logDriver: 'json-file',
        logOpt: ['max-size=1m'],
        restart: 'on-failure:3',
        network: 'proj_default',
        networkAlias: ['web'],
        pull: 'never',
      });
      expect(s.command).to.deep.equal(['echo', 'hi']);
      expect(flags.privileged).to.equal(undefined);
    });

    it('healthcheck, devices, sysctls, namespaces and links as run’s flags', function () {
      const p = project(`
services:
  web:
    image: busybox
    healthcheck:
      test: wget -qO- http://localhost/
      interval: 1s
      timeout: 2s
      retries: 4
      start_period: 3s
      start_interval: 500ms
    devices: ["/dev/null:/dev/n0:r", {source: /dev/zero, target: /dev/z0, permissions: rw}, /dev/full]
    device_cgroup_rules: ["c 1:3 r"]
    sysctls: {net.core.somaxconn: 1024}
    ipc: shareable
    pid: host
    uts: host
    userns_mode: host
    links: ["db:database"]
    external_links: ["other:legacy"]
  db:
    image: busybox
    healthcheck: {test: ["CMD", "true"], disable: true}
    sysctls: ["net.ipv4.ip_forward=1"]
`);
      const flags = serviceRunFlags(p.services.web!, {
        name: 'proj-web-1',
        labels: {},
        links: ['proj-db-1:database'],
      });
      expect(flags).to.deep.include({
        healthCmd: ['CMD-SHELL', 'wget -qO- http://localhost/'],
        healthInterval: '1s',
        healthTimeout: '2s',
        healthRetries: '4',
        healthStartPeriod: '3s',
        healthStartInterval: '500ms',
        device: ['/dev/null:/dev/n0:r', '/dev/zero:/dev/z0:rw', '/dev/full'],
        deviceCgroupRule: ['c 1:3 r'],
        sysctl: ['net.core.somaxconn=1024'],
        ipc: 'shareable',
        pid: 'host',
        uts: 'host',
        userns: 'host',
        link: ['proj-db-1:database'],
      });
      const db = serviceRunFlags(p.services.db!, { name: 'proj-db-1', labels: {}, ipc: 'container:abc' });
      expect(db).to.deep.include({
        healthCmd: ['NONE'],
        sysctl: ['net.ipv4.ip_forward=1'],
        ipc: 'container:abc',
      });
    });

    it('volumes as -v (binds that may create their source) and --mount (the rest)', function () {
      const p = project(`
services:
  web:
    image: busybox
    volumes:
      - data:/data:ro
      - ./src:/src
      - /anon
      - /cache
      - {type: bind, source: /host, target: /h, bind: {propagation: rslave}}
      - {type: volume, source: data, target: /sub, volume: {nocopy: true, subpath: "a,b"}}
      - {type: tmpfs, target: /t, tmpfs: {size: 1048576, mode: 0o1777}}
volumes:
  data: {}
`);
      const m = serviceMounts(
        p.services.web!,
        { data: 'proj_data' },
        { '/anon': 'f'.repeat(64), '/img': 'e'.repeat(64) },
      );
      expect(m.volume).to.deep.equal([`${dir}/src:/src:rw`]);
      expect(m.mount).to.deep.equal([
        'type=volume,source=proj_data,target=/data,readonly',
        `type=volume,source=${'f'.repeat(64)},target=/anon`,
        'type=volume,target=/cache',
        'type=bind,source=/host,target=/h,bind-propagation=rslave,bind-create-src',
        'type=volume,source=proj_data,target=/sub,volume-nocopy,"volume-subpath=a,b"',
        'type=tmpfs,target=/t,tmpfs-size=1048576,tmpfs-mode=1777',
        `type=volume,source=${'e'.repeat(64)},target=/img`,
      ]);
    });

    it('publish specs for the long syntax', function () {
      const base = { protocol: 'tcp', mode: 'ingress' };
      expect(publishSpec({ ...base, target: 80 })).to.equal('80/tcp');
      expect(publishSpec({ ...base, target: 80, published: '8080' })).to.equal(':8080:80/tcp'.slice(1));
      expect(publishSpec({ ...base, target: 80, host_ip: '127.0.0.1' })).to.equal('127.0.0.1::80/tcp');
      expect(
        publishSpec({ ...base, target: 53, published: '5353', protocol: 'udp', host_ip: '::1' }),
      ).to.equal('[::1]:5353:53/udp');
    });
  });

  describe('the config hash', function () {
    const yaml = (env: string) => `
services:
  web:
    image: busybox
    env_file: app.env
    environment: [${env}]
    scale: 2
    profiles: [x]
    depends_on: [db]
  db:
    image: busybox
  side:
    image: busybox
    network_mode: "service:db"
`;
    it('follows the effective config: env_file contents count, scale, depends_on and profiles do not', function () {
      const h1 = serviceHash(project(yaml('A=1'), { 'app.env': 'X=1\n' }).services.web!);
      expect(serviceHash(project(yaml('A=1'), { 'app.env': 'X=1\n' }).services.web!)).to.equal(h1);
      expect(serviceHash(project(yaml('A=1'), { 'app.env': 'X=2\n' }).services.web!)).to.not.equal(h1);
      expect(serviceHash(project(yaml('A=2'), { 'app.env': 'X=1\n' }).services.web!)).to.not.equal(h1);
      const rescaled = yaml('A=1')
        .replace('scale: 2', 'scale: 3')
        .replace('profiles: [x]', 'profiles: [y]')
        .replace('depends_on: [db]', '');
      expect(serviceHash(project(rescaled, { 'app.env': 'X=1\n' }).services.web!)).to.equal(h1);
    });

    it('a service:x reference hashes the container it points at', function () {
      const side = project(yaml('A=1'), { 'app.env': '' }).services.side!;
      expect(serviceHash(side, { db: 'a'.repeat(64) })).to.not.equal(
        serviceHash(side, { db: 'b'.repeat(64) }),
      );
    });

    it('labels are Docker Compose’s', function () {
      const p = project(yaml('A=1'), { 'app.env': '' });
      const labels = composeLabels(p, p.services.web!, 2, { hash: 'h', imageId: 'sha256:x' });
      expect(labels).to.deep.equal({
        'com.docker.compose.project': 'proj',
        'com.docker.compose.service': 'web',
        'com.docker.compose.container-number': '2',
        'com.docker.compose.config-hash': 'h',
        'com.docker.compose.oneoff': 'False',
        'com.docker.compose.project.working_dir': dir,
        'com.docker.compose.project.config_files': join(dir, 'compose.yaml'),
        'com.docker.compose.depends_on': 'db:service_started:false',
        'com.docker.compose.image': 'sha256:x',
        'com.docker.compose.version': '2.40.0',
      });
    });
  });

  describe('what is refused, warned about or accepted', function () {
    const refusal = (svc: string) => {
      const p = project(`services:\n  web:\n    image: busybox\n${svc}`);
      try {
        assertSupported(p, ['web']);
      } catch (err) {
        expect(err).to.be.instanceOf(UsageError);
        return (err as Error).message;
      }
      return undefined;
    };
    it('refuses by name what a later round of tsdock implements', function () {
      expect(refusal('    volumes: [{type: npipe, source: x, target: /x}]\n')).to.equal(
        'tsdock compose does not support services.web.volumes type value "npipe" yet',
      );
      expect(refusal('    gpus: all\n')).to.equal('tsdock compose does not support services.web.gpus yet');
      expect(refusal('    storage_opt: {size: 1G}\n')).to.equal(
        'tsdock compose does not support services.web.storage_opt yet',
      );
      for (const accepted of [
        '    healthcheck: {test: ["CMD", "true"]}\n',
        '    sysctls: {net.core.somaxconn: 1024}\n',
        '    links: [db]\n  db:\n    image: x\n',
        '    depends_on: {db: {condition: service_healthy}}\n  db:\n    image: x\n',
        '    devices: [/dev/null]\n    device_cgroup_rules: ["c 1:3 r"]\n',
        '    ipc: shareable\n    pid: host\n    uts: host\n    userns_mode: host\n',
        '    volumes: ["/data", "./src:/src:ro", {type: tmpfs, target: /t, tmpfs: {size: 1m}}]\n',
        '    group_add: [audio]\n    volumes_from: [db]\n  db:\n    image: x\n',
      ])
        expect(refusal(accepted), accepted).to.equal(undefined);
      expect(refusal('    logging: {driver: syslog}\n')).to.equal(
        'tsdock compose does not support services.web.logging driver "syslog" yet',
      );
      expect(refusal('    build: .\n')).to.equal(undefined);
      expect(refusal('    build: {context: ., secrets: [s]}\n')).to.equal(
        'tsdock compose does not support services.web.build secrets yet',
      );
      expect(refusal('    networks: {default: {ipv6_address: "::1"}}\n')).to.equal(
        'tsdock compose does not support services.web.networks ipv6_address yet',
      );
      expect(refusal('    x-custom: anything\n    restart: always\n')).to.equal(undefined);
    });

    it('warns about swarm-only deploy keys, as they do nothing on one engine', function () {
      const p = project(
        'services:\n  web:\n    image: busybox\n    deploy:\n      replicas: 2\n      placement: {constraints: ["node.role==manager"]}\n      update_config: {parallelism: 2}\n',
      );
      expect(assertSupported(p, ['web']).warnings).to.deep.equal([
        'services.web.deploy.placement: swarm-only, ignored on a single engine (as docker compose does)',
        'services.web.deploy.update_config: swarm-only, ignored on a single engine (as docker compose does)',
      ]);
    });

    it('refuses volume drivers other than local and network drivers other than bridge', function () {
      expect(() =>
        assertSupported(project('services:\n  web:\n    image: x\nvolumes:\n  data: {}\n'), ['web']),
      ).to.not.throw();
      expect(() =>
        assertSupported(project('services:\n  web:\n    image: x\nvolumes:\n  data: {driver: nfs}\n'), [
          'web',
        ]),
      ).to.throw('tsdock compose does not support volumes.data.driver value "nfs" yet');
      expect(() =>
        assertSupported(
          project('services:\n  web:\n    image: x\nnetworks:\n  default:\n    driver: overlay\n'),
          ['web'],
        ),
      ).to.throw('tsdock compose does not support networks.default.driver value "overlay" yet');
    });
  });

  describe('dependency order', function () {
    it('dependencies first, dependents in reverse, selections with their dependencies', function () {
      const p = project(
        'services:\n  web: {image: x, depends_on: [api]}\n  api: {image: x, depends_on: [db, cache]}\n  db: {image: x}\n  cache: {image: x}\n  lone: {image: x}\n',
      );
      expect(dependencyOrder(p)).to.deep.equal(['cache', 'db', 'lone', 'api', 'web']);
      expect(dependents(p, 'db')).to.deep.equal(['api', 'web']);
      expect(withDependencies(p, ['web']).sort()).to.deep.equal(['api', 'cache', 'db', 'web']);
    });
  });

  describe('output formats', function () {
    it('plain progress lines are compose’s Fprintln of id, text, details', function () {
      const out = new PassThrough();
      let text = '';
      out.on('data', (d) => (text += d));
      const p = new PlainComposeProgress(out);
      p.on({ id: 'Container p-web-1', status: 'working', text: 'Creating' });
      p.on({ id: 'Container p-web-1', status: 'error', text: 'Error', details: 'boom' });
      expect(text).to.equal(' Container p-web-1 Creating \n Container p-web-1 Error boom\n');
    });

    it('the terminal view counts finished tasks and aligns its columns', function () {
      const s = new ComposeScreen('Running');
      s.on({ id: 'Network p_default', status: 'done', text: 'Created' }, 0);
      s.on({ id: 'Container p-web-1', status: 'working', text: 'Starting' }, 0);
      expect(s.header()).to.equal('[+] Running 1/2');
      const [a, b] = s.lines(60, 1500, '*');
      expect(a).to.equal(' ✔ Network p_default Created ' + ' '.repeat(60 - 29 - 4) + '0.0s');
      expect(b).to.equal(' * Container p-web-1 Starting' + ' '.repeat(60 - 29 - 4) + '1.5s');
      s.on({ id: 'Container p-web-1', status: 'done', text: 'Started' }, 2000);
      expect(s.header()).to.equal('[+] Running 2/2');
    });

    it('log lines carry the padded name; colours in compose’s rainbow order', function () {
      const out = new PassThrough();
      let text = '';
      out.on('data', (d) => (text += d));
      const plain = new LogPrinter(out, out, { color: false, prefix: true });
      plain.register('web-1');
      plain.register('worker-10');
      plain.line('web-1', 'hello');
      plain.status('web-1', 'exited with code 0');
      expect(text).to.equal('web-1      | hello\nweb-1 exited with code 0\n');
      text = '';
      const coloured = new LogPrinter(out, out, { color: true, prefix: true });
      coloured.line('a-1', 'x');
      coloured.line('b-1', 'y');
      expect(text).to.equal('\x1b[36ma-1  | \x1b[0mx\n\x1b[33mb-1  | \x1b[0my\n');
    });

    it('a writer splits chunks into lines and keeps a partial one for later', async function () {
      const out = new PassThrough();
      let text = '';
      out.on('data', (d) => (text += d));
      const p = new LogPrinter(out, out, { color: false, prefix: true });
      const w = p.writer('a-1', 'stdout');
      w.write('one\ntw');
      w.write('o\nthree');
      await new Promise((r) => w.end(r));
      expect(text).to.equal('a-1  | one\na-1  | two\na-1  | three\n');
    });

    it('ls statuses and event lines', function () {
      expect(combinedStatus(['running', 'exited', 'running'])).to.equal('exited(1), running(2)');
      const m = {
        Type: 'container',
        Action: 'start',
        Actor: {
          ID: 'abc',
          Attributes: { 'com.docker.compose.service': 'web', image: 'busybox', name: 'p-web-1' },
        },
        TimeNano: 1_700_000_000_123_456_789n,
      } as unknown as EventMessage;
      expect(composeEventLine(m, false)).to.match(
        /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.123456 container start abc \(image=busybox, name=p-web-1\)\n$/,
      );
      expect(JSON.parse(composeEventLine(m, true)!)).to.deep.equal({
        time: '2023-11-14T22:13:20.123Z',
        type: 'container',
        service: 'web',
        id: 'abc',
        action: 'start',
        attributes: { image: 'busybox', name: 'p-web-1' },
      });
    });
  });
});
