import { expect } from 'chai';
import { planPlay, type PlayContext } from '../../src/runtime/kube/play.js';
import { parseManifest } from '../../src/runtime/kube/manifest.js';
import { UsageError } from '../../src/runtime/errors.js';

async function expectUsageError(p: Promise<unknown>, message: string | RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).to.be.instanceOf(UsageError);
  if (typeof message === 'string') expect((err as Error).message).to.equal(message);
  else expect((err as Error).message).to.match(message);
}

const CTX: PlayContext = { file: '/srv/app.yaml', filesRoot: '/state/kube', pauseImage: 'tsdock/pause:abc' };

const MANIFEST = `
apiVersion: v1
kind: ConfigMap
metadata: { name: web-config }
data:
  GREETING: hello
  index.html: "<p>hi</p>"
---
apiVersion: v1
kind: Secret
metadata: { name: web-secret }
data:
  TOKEN: czNjcjN0
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: web-data }
spec:
  accessModes: [ReadWriteOnce]
  resources: { requests: { storage: 1Gi } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      hostAliases: [{ ip: 10.0.0.5, hostnames: [db.local] }]
      terminationGracePeriodSeconds: 5
      initContainers:
        - name: prep
          image: busybox
          command: [sh, -c, "echo ready > /data/ready"]
          volumeMounts: [{ name: data, mountPath: /data }]
      containers:
        - name: httpd
          image: busybox
          command: [httpd, -f]
          args: [-p, "8080"]
          workingDir: /www
          ports: [{ name: http, containerPort: 8080 }]
          env:
            - { name: MODE, value: prod }
            - name: GREETING
              valueFrom: { configMapKeyRef: { name: web-config, key: GREETING } }
            - name: POD
              valueFrom: { fieldRef: { fieldPath: metadata.name } }
          envFrom: [{ secretRef: { name: web-secret }, prefix: S_ }]
          resources:
            limits: { cpu: 500m, memory: 256Mi }
            requests: { memory: 128Mi }
          livenessProbe:
            exec: { command: [test, -f, /www/index.html] }
            periodSeconds: 5
          securityContext:
            runAsUser: 1000
            runAsGroup: 1000
            capabilities: { drop: [ALL] }
            readOnlyRootFilesystem: true
          volumeMounts:
            - { name: site, mountPath: /www }
            - { name: data, mountPath: /data }
            - { name: scratch, mountPath: /tmp }
            - { name: cache, mountPath: /cache }
            - { name: logs, mountPath: /logs, readOnly: true }
      volumes:
        - { name: site, configMap: { name: web-config, items: [{ key: index.html, path: index.html }] } }
        - { name: data, persistentVolumeClaim: { claimName: web-data } }
        - { name: scratch, emptyDir: { medium: Memory, sizeLimit: 64Mi } }
        - { name: cache, emptyDir: {} }
        - { name: logs, hostPath: { path: /var/log } }
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  selector: { app: web }
  ports: [{ port: 18080, targetPort: http }]
`;

describe('kube play: the plan', () => {
  let plan: ReturnType<typeof planPlay>;
  before(async () => {
    plan = planPlay(await parseManifest(MANIFEST, 'app.yaml'), CTX);
  });

  it('a Deployment of 2 replicas is two pods, each an infra container, its init containers and containers', () => {
    expect(plan.pods.map((p) => p.name)).to.deep.equal(['web-0', 'web-1']);
    const p = plan.pods[0]!;
    expect(p.infra.name).to.equal('web-0-infra');
    expect(p.infra.image).to.equal('tsdock/pause:abc');
    expect(p.init.map((c) => c.name)).to.deep.equal(['web-0-prep']);
    expect(p.containers.map((c) => c.name)).to.deep.equal(['web-0-httpd']);
  });
  it('the infra container holds network, IPC and hostname; the containers join it', () => {
    const p = plan.pods[0]!;
    expect(p.infra.flags).to.include({
      hostname: 'web-0',
      ipc: 'shareable',
      restart: 'always',
      network: 'tsdock-kube',
    });
    expect(plan.network).to.equal('tsdock-kube');
    expect(p.infra.flags.addHost).to.deep.equal(['db.local:10.0.0.5']);
    const c = p.containers[0]!.flags;
    expect(c).to.include({
      network: 'container:web-0-infra',
      ipc: 'container:web-0-infra',
      restart: 'always',
    });
    expect(p.init[0]!.flags.restart).to.equal('no');
    expect(c.label).to.include.members([
      'app=web',
      'io.tsdock.kube.pod=web-0',
      'io.tsdock.kube.file=/srv/app.yaml',
    ]);
  });
  it('command → entrypoint and the rest of the command before args, as Kubernetes runs them', () => {
    const c = plan.pods[0]!.containers[0]!;
    expect(c.flags.entrypoint).to.equal('httpd');
    expect(c.command).to.deep.equal(['-f', '-p', '8080']);
    expect(c.flags.workdir).to.equal('/www');
  });
  it('env: values, ConfigMap keys, the pod name, a Secret with a prefix (decoded)', () => {
    expect(plan.pods[1]!.containers[0]!.flags.env).to.deep.equal([
      'S_TOKEN=s3cr3t',
      'MODE=prod',
      'GREETING=hello',
      'POD=web-1',
    ]);
  });
  it('resources: the limits, the request as shares (defaulting to the limit), memory request as reservation', () => {
    expect(plan.pods[0]!.containers[0]!.flags).to.include({
      cpus: '0.5',
      memory: '268435456',
      cpuShares: '512',
      memoryReservation: '134217728',
    });
    // No request and no limit: the kubelet's BestEffort share.
    expect(plan.pods[0]!.init[0]!.flags.cpuShares).to.equal('2');
  });
  it('livenessProbe → healthcheck with the kubelet defaults where unset', () => {
    expect(plan.pods[0]!.containers[0]!.flags).to.deep.include({
      healthCmd: ['CMD', 'test', '-f', '/www/index.html'],
      healthInterval: '5s',
      healthTimeout: '1s',
      healthRetries: '3',
    });
  });
  it('securityContext → user, caps, read-only root; grace period → stop timeout', () => {
    expect(plan.pods[0]!.containers[0]!.flags).to.deep.include({
      user: '1000:1000',
      capDrop: ['ALL'],
      readOnly: true,
      stopTimeout: 5,
    });
  });
  it('volumes: PVC → named volume, disk emptyDir → a volume per pod, Memory → tmpfs, hostPath → bind, ConfigMap → read-only files', () => {
    expect(plan.volumes).to.deep.equal(['web-data', 'web-0-cache', 'web-1-cache']);
    const c = plan.pods[0]!.containers[0]!.flags;
    expect(c.volume).to.deep.equal([
      '/state/kube/web-0/site:/www:ro',
      'web-data:/data',
      'web-0-cache:/cache',
      '/var/log:/logs:ro',
    ]);
    expect(c.tmpfs).to.deep.equal(['/tmp:size=67108864']);
    expect(plan.pods[0]!.files).to.deep.equal([
      { path: '/state/kube/web-0/site/index.html', content: Buffer.from('<p>hi</p>'), mode: 0o644 },
    ]);
  });
  it('a Service is one host port spread over every selected pod (named targetPort resolved in each)', () => {
    // No pod publishes it: the host port is the Service's own, balanced over both replicas.
    expect(plan.pods.map((p) => p.infra.flags.publish)).to.deep.equal([undefined, undefined]);
    expect(plan.services).to.deep.equal([
      {
        name: 'web',
        ports: [{ hostPort: 18080, proto: 'tcp' }],
        backends: [
          { pod: 'web-0', infra: 'web-0-infra', targets: [8080] },
          { pod: 'web-1', infra: 'web-1-infra', targets: [8080] },
        ],
      },
    ]);
    // The Service's name reaches every pod it selects, on the pods' network.
    expect(plan.pods.map((p) => p.infra.flags.networkAlias)).to.deep.equal([['web'], ['web']]);
    expect(plan.warnings.filter((w) => w.startsWith('Service'))).to.deep.equal([]);
  });
  it('nodePort wins over port; hostPort is published as -p', async () => {
    const objs = await parseManifest(
      `apiVersion: v1
kind: Pod
metadata: { name: one, labels: { app: one } }
spec:
  restartPolicy: Never
  containers: [{ name: c, image: i, ports: [{ containerPort: 53, hostPort: 5353, protocol: UDP }] }]
---
apiVersion: v1
kind: Service
metadata: { name: one }
spec:
  type: NodePort
  sessionAffinity: ClientIP
  selector: { app: one }
  ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }]
`,
      'one.yaml',
    );
    const one = planPlay(objs, CTX);
    const p = one.pods[0]!;
    expect(p.infra.flags.publish).to.deep.equal(['5353:53/udp']);
    expect(one.services).to.deep.equal([
      {
        name: 'one',
        ports: [{ hostPort: 30080, proto: 'tcp' }],
        backends: [{ pod: 'one', infra: 'one-infra', targets: [8080] }],
      },
    ]);
    expect(one.warnings).to.deep.equal([
      'Service one: sessionAffinity ClientIP is not carried (each connection picks a pod at random)',
    ]);
    expect(p.containers[0]!.flags.restart).to.equal('no');
    expect(p.containers[0]!.command).to.deep.equal([]);
    expect(p.containers[0]!.flags).to.not.have.property('entrypoint');
  });
  it('bad input: one clear error, before anything is made', async () => {
    await expectUsageError(parseManifest('kind: [', 'x.yaml'), /^x\.yaml: /);
    await expectUsageError(parseManifest('', 'x.yaml'), 'x.yaml: no Kubernetes object in the file');
    await expectUsageError(
      parseManifest(
        'apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec: { containers: [{ name: c, image: 1 }] }',
        'x.yaml',
      ),
      'x.yaml: invalid Kubernetes object: Pod p: /spec/containers/0/image must be string',
    );
    const job = await parseManifest(
      'apiVersion: batch/v1\nkind: Job\nmetadata: { name: j }\n',
      'x.yaml',
    ).catch((e: Error) => e);
    expect((job as Error).message).to.equal(
      'x.yaml: invalid Kubernetes object: Job j: apiVersion batch/v1 kind Job is not supported',
    );
    const missing = await parseManifest(
      'apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec: { containers: [{ name: c, image: i, envFrom: [{ configMapRef: { name: nope } }] }] }',
      'x.yaml',
    );
    expect(() => planPlay(missing, CTX)).to.throw(
      'ConfigMap "nope" not found: kube play reads them from the same file',
    );
  });
});
