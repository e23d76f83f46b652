import { expect } from 'chai';
import { parseContainerOptions, type RunFlags } from '../../src/runtime/opts/container.js';
import { configOf, hostConfigOf, type PortBindings } from '../../src/runtime/opts/inspect-shapes.js';
import { generateKube, type InspectDoc } from '../../src/runtime/kube/generate.js';
import { validationErrors } from '../../src/runtime/kube/validate.js';
import { toYaml } from '../../src/runtime/kube/yaml.js';
import type { KubeObject } from '../../src/runtime/kube/objects.js';

const ID = 'abcdef0123456789'.repeat(4);

/** An inspect document as tsdock builds it from flags (the same functions `create` records with). */
function inspectOf(
  flags: RunFlags,
  extra: {
    portBindings?: PortBindings;
    mounts?: InspectDoc['Mounts'];
    networks?: Record<string, { Aliases: string[] }>;
  } = {},
): InspectDoc {
  const opts = parseContainerOptions(flags, {}, { cpus: 2, memTotal: 8 * 2 ** 30 });
  return {
    Id: ID,
    Name: `/${opts.name ?? 'c'}`,
    Config: configOf(
      opts,
      { Env: ['PATH=/usr/bin:/bin'], Cmd: ['sh'] },
      { hostname: opts.hostname ?? ID.slice(0, 12) },
    ),
    HostConfig: hostConfigOf(opts, { ...(extra.portBindings ? { portBindings: extra.portBindings } : {}) }),
    Mounts: extra.mounts ?? [],
    NetworkSettings: { Networks: extra.networks ?? { bridge: { Aliases: null as unknown as string[] } } },
  } as unknown as InspectDoc;
}

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const byKind = (objects: KubeObject[], kind: string): Obj[] =>
  objects.filter((o) => o.kind === kind) as Obj[];

describe('kube generate: a container → Kubernetes objects', () => {
  const everything: RunFlags = {
    name: 'web',
    image: 'tsdock-test/busybox:latest',
    args: ['httpd', '-f', '-p', '80'],
    entrypoint: '/bin/busybox',
    env: ['GREETING=hello', 'EMPTY='],
    workdir: '/srv',
    user: '1000:1001',
    hostname: 'webhost',
    label: ['tier=front', 'com.example/owner=ops team'],
    publish: ['8080:80', '127.0.0.1:9090:90', '5353:53/udp'],
    cpus: '0.5',
    memory: '256m',
    memoryReservation: '128m',
    cpuShares: '256',
    pidsLimit: '50',
    healthCmd: 'wget -q -O- http://127.0.0.1/',
    healthInterval: '10s',
    healthTimeout: '2s',
    healthRetries: '4',
    healthStartPeriod: '5s',
    restart: 'on-failure',
    capAdd: ['NET_ADMIN'],
    capDrop: ['CAP_MKNOD'],
    readOnly: true,
    tmpfs: ['/run:size=64m'],
    addHost: ['db.local:10.0.0.5', 'cache.local:10.0.0.5', 'api:10.0.0.6'],
    stopTimeout: '20',
  };
  const mounts: InspectDoc['Mounts'] = [
    {
      Type: 'volume',
      Name: 'web_data',
      Source: '/var/lib/tsdock/volumes/web_data/_data',
      Destination: '/data',
      RW: true,
    },
    { Type: 'bind', Source: '/srv/site', Destination: '/www', RW: false },
    { Type: 'volume', Name: 'f'.repeat(64), Source: '/x', Destination: '/cache', RW: true },
  ];
  const bindings: PortBindings = {
    '80/tcp': [{ HostIp: '', HostPort: '8080' }],
    '90/tcp': [{ HostIp: '127.0.0.1', HostPort: '9090' }],
    '53/udp': [{ HostIp: '', HostPort: '5353' }],
  };
  const out = generateKube([inspectOf(everything, { portBindings: bindings, mounts })], {
    type: 'pod',
    service: false,
  });
  const objects = out.documents.map((d) => d.object);
  const pod = byKind(objects, 'Pod')[0]!;
  const c = pod.spec.containers[0];

  it('writes a PVC, the Pod and a Service, and the result passes the API schemas', async () => {
    expect(objects.map((o) => o.kind)).to.deep.equal(['PersistentVolumeClaim', 'Pod', 'Service']);
    expect(await validationErrors(objects)).to.deep.equal([]);
  });
  it('image, command/args as Kubernetes defines them, env, workingDir', () => {
    expect(pod.metadata.name).to.equal('web');
    expect(c.name).to.equal('web');
    expect(c.image).to.equal('tsdock-test/busybox:latest');
    expect(c.command).to.deep.equal(['/bin/busybox']);
    expect(c.args).to.deep.equal(['httpd', '-f', '-p', '80']);
    expect(c.env).to.deep.include({ name: 'GREETING', value: 'hello' });
    expect(c.env).to.deep.include({ name: 'EMPTY', value: '' });
    expect(c.env).to.deep.include({ name: 'PATH', value: '/usr/bin:/bin' });
    expect(c.workingDir).to.equal('/srv');
  });
  it('without an entrypoint the command is the Cmd (the image entrypoint must not come back)', () => {
    const g = generateKube([inspectOf({ name: 'xx', image: 'i', args: ['sleep', '1'] })], {
      type: 'pod',
      service: false,
    });
    const x = (g.documents[0]!.object as Obj).spec.containers[0];
    expect(x.command).to.deep.equal(['sleep', '1']);
    expect(x).to.not.have.property('args');
  });
  it('resources: --cpus 0.5 → 500m, --memory 256m → 256Mi, reservation and cpu-shares → requests', () => {
    expect(c.resources).to.deep.equal({
      limits: { cpu: '500m', memory: '256Mi' },
      requests: { cpu: '250m', memory: '128Mi' },
    });
    const g = generateKube([inspectOf({ name: 'xx', image: 'i', cpuShares: '512', cpus: '2' })], {
      type: 'pod',
      service: false,
    });
    expect((g.documents[0]!.object as Obj).spec.containers[0].resources).to.deep.equal({
      limits: { cpu: '2' },
      requests: { cpu: '500m' },
    });
  });
  it('--cpu-quota/--cpu-period become a CPU limit too', () => {
    const g = generateKube([inspectOf({ name: 'xx', image: 'i', cpuQuota: '25000', cpuPeriod: '100000' })], {
      type: 'pod',
      service: false,
    });
    expect((g.documents[0]!.object as Obj).spec.containers[0].resources.limits).to.deep.equal({
      cpu: '250m',
    });
  });
  it('--pids-limit is noted on stderr and above the object', () => {
    expect(out.warnings.some((w) => w.startsWith('web: --pids-limit 50: not carried'))).to.equal(true);
    expect(out.documents[1]!.comments.some((x) => x.startsWith('--pids-limit 50'))).to.equal(true);
  });
  it('healthcheck → livenessProbe exec with interval, timeout, retries and start period', () => {
    expect(c.livenessProbe).to.deep.equal({
      exec: { command: ['/bin/sh', '-c', 'wget -q -O- http://127.0.0.1/'] },
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 4,
      initialDelaySeconds: 5,
    });
  });
  it('restart policy on a Pod; user, caps, read-only in the securityContext', () => {
    expect(pod.spec.restartPolicy).to.equal('OnFailure');
    expect(c.securityContext).to.deep.equal({
      runAsUser: 1000,
      runAsGroup: 1001,
      capabilities: { add: ['NET_ADMIN'], drop: ['MKNOD'] },
      readOnlyRootFilesystem: true,
    });
    const priv = generateKube([inspectOf({ name: 'pp', image: 'i', privileged: true, user: 'nobody' })], {
      type: 'pod',
      service: false,
    });
    expect((priv.documents[0]!.object as Obj).spec.containers[0].securityContext).to.deep.equal({
      privileged: true,
    });
    expect(priv.warnings).to.include(
      'pp: --user nobody: not carried (Kubernetes takes a numeric uid; look it up in the image)',
    );
    expect((priv.documents[0]!.object as Obj).spec.restartPolicy).to.equal('Never');
  });
  it('labels: valid ones as labels, the rest as annotations, plus the app label', () => {
    expect(pod.metadata.labels).to.deep.equal({ tier: 'front', app: 'web' });
    expect(pod.metadata.annotations).to.deep.equal({ 'com.example/owner': 'ops team' });
  });
  it('named volume → PVC of 1Gi, bind → hostPath with a comment, anonymous → emptyDir, tmpfs → emptyDir Memory', () => {
    const pvc = byKind(objects, 'PersistentVolumeClaim')[0]!;
    expect(pvc.metadata.name).to.equal('web-data');
    expect(pvc.spec).to.deep.equal({
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '1Gi' } },
    });
    expect(pod.spec.volumes).to.deep.equal([
      { name: 'web-data', persistentVolumeClaim: { claimName: 'web-data' } },
      { name: 'site', hostPath: { path: '/srv/site' } },
      { name: 'web-anon', emptyDir: {} },
      { name: 'tmpfs-run', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
    ]);
    expect(c.volumeMounts).to.deep.equal([
      { name: 'web-data', mountPath: '/data' },
      { name: 'site', mountPath: '/www', readOnly: true },
      { name: 'web-anon', mountPath: '/cache' },
      { name: 'tmpfs-run', mountPath: '/run' },
    ]);
    const yaml = toYaml(out.documents);
    expect(yaml).to.match(/# hostPath \/srv\/site: a cluster node will not have this path/);
    expect(out.warnings.some((w) => w.includes('anonymous volume at /cache'))).to.equal(true);
  });
  it('binds and volumes from HostConfig.Binds when inspect lists no Mounts', () => {
    const g = generateKube([inspectOf({ name: 'bb', image: 'i', volume: ['/opt/x:/x:ro', 'vol1:/v'] })], {
      type: 'pod',
      service: false,
    });
    const spec = (g.documents.find((d) => d.object.kind === 'Pod')!.object as Obj).spec;
    expect(spec.volumes).to.deep.equal([
      { name: 'x', hostPath: { path: '/opt/x' } },
      { name: 'vol1', persistentVolumeClaim: { claimName: 'vol1' } },
    ]);
  });
  it('hostname, --add-host → hostAliases grouped by address, stop timeout', () => {
    expect(pod.spec.hostname).to.equal('webhost');
    expect(pod.spec.hostAliases).to.deep.equal([
      { ip: '10.0.0.5', hostnames: ['db.local', 'cache.local'] },
      { ip: '10.0.0.6', hostnames: ['api'] },
    ]);
    expect(pod.spec.terminationGracePeriodSeconds).to.equal(20);
    const dflt = generateKube([inspectOf({ name: 'xx', image: 'i' })], { type: 'pod', service: false });
    expect((dflt.documents[0]!.object as Obj).spec).to.not.have.property('hostname');
  });
  it('ports: containerPorts, a Service for published ones, 127.0.0.1 bindings noted and not exposed', () => {
    expect(c.ports).to.deep.equal([
      { containerPort: 53, protocol: 'UDP' },
      { containerPort: 80, protocol: 'TCP' },
      { containerPort: 90, protocol: 'TCP' },
    ]);
    const svc = byKind(objects, 'Service')[0]!;
    expect(svc.metadata.name).to.equal('web');
    expect(svc.spec).to.deep.equal({
      selector: { app: 'web' },
      ports: [
        { name: 'udp-5353', port: 5353, targetPort: 53, protocol: 'UDP' },
        { name: 'tcp-8080', port: 8080, targetPort: 80, protocol: 'TCP' },
      ],
    });
    expect(out.documents[1]!.comments.some((x) => x.startsWith('port 127.0.0.1:9090->90/tcp'))).to.equal(
      true,
    );
  });
  it('no published port: no Service, unless --service asks for one from the exposed ports', () => {
    const none = generateKube([inspectOf({ name: 'xx', image: 'i', expose: ['6379'] })], {
      type: 'pod',
      service: false,
    });
    expect(none.documents.map((d) => d.object.kind)).to.deep.equal(['Pod']);
    const asked = generateKube([inspectOf({ name: 'xx', image: 'i', expose: ['6379'] })], {
      type: 'pod',
      service: true,
    });
    expect((asked.documents[1]!.object as Obj).spec.ports).to.deep.equal([
      { name: 'tcp-6379', port: 6379, targetPort: 6379, protocol: 'TCP' },
    ]);
    const bare = generateKube([inspectOf({ name: 'xx', image: 'i' })], { type: 'pod', service: true });
    expect(bare.warnings).to.deep.equal([
      'xx: --service: the container exposes no port, so it gets no Service',
    ]);
  });
  it('--type deployment: apps/v1 Deployment selecting its pods; a restart policy it cannot keep is reported', async () => {
    const g = generateKube(
      [inspectOf({ ...everything, restart: 'no' }, { portBindings: bindings, mounts })],
      {
        type: 'deployment',
        service: false,
      },
    );
    const d = byKind(
      g.documents.map((x) => x.object),
      'Deployment',
    )[0]!;
    expect(d.apiVersion).to.equal('apps/v1');
    expect(d.spec.replicas).to.equal(1);
    expect(d.spec.selector).to.deep.equal({ matchLabels: { app: 'web' } });
    expect(d.spec.template.metadata.labels).to.deep.equal({ app: 'web' });
    expect(d.spec.template.spec.containers[0].resources.limits).to.deep.equal({
      cpu: '500m',
      memory: '256Mi',
    });
    expect(d.spec.template.spec).to.not.have.property('restartPolicy');
    expect(g.warnings).to.include(
      "web: --restart no: a Deployment's pods always restart (restartPolicy Always)",
    );
    expect(await validationErrors(g.documents.map((x) => x.object))).to.deep.equal([]);
  });
  it('user network aliases become Services of the exposed ports', () => {
    const g = generateKube(
      [
        inspectOf(
          { name: 'db', image: 'i', expose: ['5432'] },
          { networks: { appnet: { Aliases: [ID.slice(0, 12), 'database'] } } },
        ),
      ],
      { type: 'deployment', service: false },
    );
    expect(g.documents.map((d) => `${d.object.kind}/${d.object.metadata.name}`)).to.deep.equal([
      'Deployment/db',
      'Service/db',
      'Service/database',
    ]);
    expect((g.documents[2]!.object as Obj).spec.selector).to.deep.equal({ app: 'db' });
  });
  it('host namespaces carry; what cannot be carried is reported', () => {
    const g = generateKube(
      [
        inspectOf({
          name: 'hh',
          image: 'i',
          network: 'host',
          pid: 'host',
          ulimit: ['nofile=1024:2048'],
          securityOpt: ['no-new-privileges'],
          dns: ['9.9.9.9'],
        }),
      ],
      { type: 'pod', service: false },
    );
    const spec = (g.documents[0]!.object as Obj).spec;
    expect(spec.hostNetwork).to.equal(true);
    expect(spec.hostPID).to.equal(true);
    expect(spec.dnsConfig).to.deep.equal({ nameservers: ['9.9.9.9'] });
    expect(spec.containers[0].securityContext).to.deep.equal({ allowPrivilegeEscalation: false });
    expect(g.warnings.some((w) => w.startsWith('hh: --ulimit nofile: not carried'))).to.equal(true);
  });
  it('the validator reports what is wrong, one line per problem', async () => {
    const bad = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'x' },
      spec: { containers: [{ name: 'x', ports: [{ containerPort: 'http' }] }] },
    };
    expect(await validationErrors([bad as unknown as KubeObject])).to.deep.equal([
      'Pod x: /spec/containers/0/ports/0/containerPort must be integer',
    ]);
    expect(
      await validationErrors([{ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' } }]),
    ).to.deep.equal(['Job j: apiVersion batch/v1 kind Job is not supported']);
  });
});
